"""create registry tables

Revision ID: 0003_registry
Revises: 0002_seed_roles
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_registry"
down_revision = "0002_seed_roles"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "registry_patient",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("network_id", sa.String(length=32), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_registry_patient_created_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_unit.id"], name=op.f("fk_registry_patient_org_unit_id_org_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_patient")),
        sa.UniqueConstraint("network_id", name=op.f("uq_registry_patient_network_id")),
    )
    with op.batch_alter_table("registry_patient", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_registry_patient_org_unit_id"), ["org_unit_id"], unique=False)

    op.create_table(
        "registry_patient_identifier",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("ciphertext", sa.String(length=4096), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_unit.id"], name=op.f("fk_registry_patient_identifier_org_unit_id_org_unit")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["registry_patient.id"],
            name=op.f("fk_registry_patient_identifier_patient_id_registry_patient"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_patient_identifier")),
        sa.UniqueConstraint(
            "patient_id", "org_unit_id", name=op.f("uq_registry_patient_identifier_patient_id_org_unit_id")
        ),
    )
    with op.batch_alter_table("registry_patient_identifier", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_registry_patient_identifier_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "registry_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("form", sa.String(length=32), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("dictionary_version", sa.Integer(), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("locked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("locked_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user_account.id"], name=op.f("fk_registry_record_created_by_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["locked_by_id"], ["user_account.id"], name=op.f("fk_registry_record_locked_by_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_unit.id"], name=op.f("fk_registry_record_org_unit_id_org_unit")
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["registry_record.id"], name=op.f("fk_registry_record_parent_id_registry_record")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["registry_patient.id"],
            name=op.f("fk_registry_record_patient_id_registry_patient"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["user_account.id"], name=op.f("fk_registry_record_updated_by_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_record")),
    )
    with op.batch_alter_table("registry_record", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_registry_record_form"), ["form"], unique=False)
        batch_op.create_index(batch_op.f("ix_registry_record_org_unit_id"), ["org_unit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_registry_record_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_registry_record_patient_id"), ["patient_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("registry_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registry_record_patient_id"))
        batch_op.drop_index(batch_op.f("ix_registry_record_parent_id"))
        batch_op.drop_index(batch_op.f("ix_registry_record_org_unit_id"))
        batch_op.drop_index(batch_op.f("ix_registry_record_form"))

    op.drop_table("registry_record")
    with op.batch_alter_table("registry_patient_identifier", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registry_patient_identifier_patient_id"))

    op.drop_table("registry_patient_identifier")
    with op.batch_alter_table("registry_patient", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registry_patient_org_unit_id"))

    op.drop_table("registry_patient")
