"""create registry query, import job, record share and dictionary extension tables

Revision ID: 0004_registry_queries
Revises: 0003_registry
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_registry_queries"
down_revision = "0003_registry"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "registry_query",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("rule", sa.String(length=32), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("question", sa.String(length=2000), nullable=False),
        sa.Column("answer", sa.String(length=2000), nullable=True),
        sa.Column("raised_by_id", sa.Integer(), nullable=True),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["answered_by_id"],
            ["user_account.id"],
            name=op.f("fk_registry_query_answered_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["closed_by_id"], ["user_account.id"], name=op.f("fk_registry_query_closed_by_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_unit.id"], name=op.f("fk_registry_query_org_unit_id_org_unit")
        ),
        sa.ForeignKeyConstraint(
            ["raised_by_id"], ["user_account.id"], name=op.f("fk_registry_query_raised_by_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["record_id"], ["registry_record.id"], name=op.f("fk_registry_query_record_id_registry_record")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_query")),
    )
    with op.batch_alter_table("registry_query", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_registry_query_org_unit_id"), ["org_unit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_registry_query_record_id"), ["record_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_registry_query_state"), ["state"], unique=False)

    op.create_table(
        "registry_import_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("form", sa.String(length=32), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=True),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("message", sa.String(length=2000), nullable=True),
        sa.Column("report_csv", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_registry_import_job_created_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_unit.id"], name=op.f("fk_registry_import_job_org_unit_id_org_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_import_job")),
    )
    with op.batch_alter_table("registry_import_job", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_registry_import_job_created_by_id"), ["created_by_id"], unique=False
        )

    op.create_table(
        "registry_record_share",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_unit.id"], name=op.f("fk_registry_record_share_org_unit_id_org_unit")
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["registry_record.id"],
            name=op.f("fk_registry_record_share_record_id_registry_record"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_record_share")),
        sa.UniqueConstraint(
            "record_id", "org_unit_id", name=op.f("uq_registry_record_share_record_id_org_unit_id")
        ),
    )
    with op.batch_alter_table("registry_record_share", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_registry_record_share_org_unit_id"), ["org_unit_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_registry_record_share_record_id"), ["record_id"], unique=False)

    op.create_table(
        "registry_dictionary_extension",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("redcap_csv", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_unit.id"],
            name=op.f("fk_registry_dictionary_extension_org_unit_id_org_unit"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user_account.id"],
            name=op.f("fk_registry_dictionary_extension_updated_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_dictionary_extension")),
        sa.UniqueConstraint("org_unit_id", name=op.f("uq_registry_dictionary_extension_org_unit_id")),
    )


def downgrade() -> None:
    op.drop_table("registry_dictionary_extension")
    op.drop_table("registry_record_share")
    op.drop_table("registry_import_job")
    with op.batch_alter_table("registry_query", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registry_query_state"))
        batch_op.drop_index(batch_op.f("ix_registry_query_record_id"))
        batch_op.drop_index(batch_op.f("ix_registry_query_org_unit_id"))

    op.drop_table("registry_query")
