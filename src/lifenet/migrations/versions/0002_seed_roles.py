"""Seed the network's roles and their permissions (a data migration: literal data only).

Revision ID: 0002_seed_roles
Revises: 0001_network_audit
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_seed_roles"
down_revision = "0001_network_audit"
branch_labels = None
depends_on = None

ROLES = [
    (
        "network_admin",
        "Network administrator",
        "网络管理员",
        ["org.view", "network.manage", "users.manage", "aggregates.read", "audit.read"],
    ),
    ("hospital_admin", "Hospital administrator", "医院管理员", ["org.view", "users.manage", "audit.read"]),
    (
        "data_manager",
        "Center data manager",
        "中心数据管理员",
        [
            "org.view",
            "patients.read",
            "patients.write",
            "records.lock",
            "data.import",
            "data.export",
            "aggregates.read",
            "audit.read",
        ],
    ),
    (
        "clinician",
        "Clinician",
        "临床医生",
        ["org.view", "patients.read", "patients.write", "referrals.request"],
    ),
    (
        "hub_expert",
        "Hub expert / ECMO team",
        "中心专家/ECMO团队",
        ["org.view", "patients.read", "patients.write", "referrals.request", "referrals.answer"],
    ),
    (
        "quality_officer",
        "Quality officer",
        "质控专员",
        ["org.view", "patients.read", "aggregates.read", "quality.queries", "data.export", "audit.read"],
    ),
    ("commission_viewer", "Health-commission viewer", "卫健委查看者", ["org.view", "aggregates.read"]),
    ("researcher", "Researcher", "研究人员", ["org.view", "extracts.deidentified"]),
]

role = sa.table(
    "role",
    sa.column("code", sa.String),
    sa.column("name_en", sa.String),
    sa.column("name_zh", sa.String),
    sa.column("permissions", sa.JSON),
)


def upgrade() -> None:
    op.bulk_insert(
        role,
        [{"code": c, "name_en": en, "name_zh": zh, "permissions": perms} for c, en, zh, perms in ROLES],
    )


def downgrade() -> None:
    op.execute(role.delete().where(role.c.code.in_([c for c, *_ in ROLES])))
