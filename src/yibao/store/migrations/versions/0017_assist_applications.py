"""依申请救助: the applications and the groups they grant (docs/benefits.md, "依申请救助与监测").

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

Serial = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "assist_applications",
        sa.Column("app_id", Serial, autoincrement=True, nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=False),
        sa.Column("scheme", sa.String(length=3), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("income_fen", sa.BigInteger(), nullable=False),
        sa.Column("applied_on", sa.Date(), nullable=False),
        sa.Column("applied_by", sa.String(length=80), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False, server_default=""),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decided_by", sa.String(length=80), nullable=True),
        sa.Column("household_oop_fen", sa.BigInteger(), nullable=True),
        sa.Column("threshold_fen", sa.BigInteger(), nullable=True),
        sa.Column("b_fen", sa.BigInteger(), nullable=True),
        sa.Column("t_fen", sa.BigInteger(), nullable=True),
        sa.Column("grant_fen", sa.BigInteger(), nullable=True),
        sa.Column("txn_id", sa.String(length=48), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("state in ('applied', 'granted', 'refused')",
                           name=op.f("ck_assist_applications_state")),
        sa.CheckConstraint("income_fen >= 0", name=op.f("ck_assist_applications_income")),
        sa.ForeignKeyConstraint(["id_number"], ["persons.id_number"],
                                name="fk_assist_applications_id_number_persons"),
        sa.PrimaryKeyConstraint("app_id", name="pk_assist_applications"),
        sa.UniqueConstraint("txn_id", name="uq_assist_applications_txn_id"),
    )
    op.create_index("ix_assist_applications_id_number_year", "assist_applications",
                    ["id_number", "year"])
    op.create_index("ix_assist_applications_state_region", "assist_applications",
                    ["state", "region"])
    op.create_table(
        "person_group_grants",
        sa.Column("grant_id", Serial, autoincrement=True, nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=False),
        sa.Column("group", sa.String(length=16), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("app_id", Serial, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("start_date <= end_date", name=op.f("ck_person_group_grants_dates")),
        sa.ForeignKeyConstraint(["id_number"], ["persons.id_number"],
                                name="fk_person_group_grants_id_number_persons"),
        sa.ForeignKeyConstraint(["app_id"], ["assist_applications.app_id"],
                                name="fk_person_group_grants_app_id_assist_applications"),
        sa.PrimaryKeyConstraint("grant_id", name="pk_person_group_grants"),
        sa.UniqueConstraint("app_id", name="uq_person_group_grants_app_id"),
    )
    op.create_index("ix_person_group_grants_id_number", "person_group_grants", ["id_number"])


def downgrade() -> None:
    op.drop_index("ix_person_group_grants_id_number", table_name="person_group_grants")
    op.drop_table("person_group_grants")
    op.drop_index("ix_assist_applications_state_region", table_name="assist_applications")
    op.drop_index("ix_assist_applications_id_number_year", table_name="assist_applications")
    op.drop_table("assist_applications")
