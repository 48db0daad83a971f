"""Cross-region clearing (异地就医清算): the statement of each month and pair of regions cleared,
and each settlement or reversal it cleared, both exactly once (docs/offsite.md, "Clearing").

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "offsite_clearings",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("care_region", sa.String(length=6), nullable=False),
        sa.Column("insured_region", sa.String(length=6), nullable=False),
        sa.Column("source", sa.String(length=6), nullable=False),
        sa.Column("settlements", sa.Integer(), nullable=False),
        sa.Column("fund_fen", sa.BigInteger(), nullable=False),
        sa.Column("reversed_fen", sa.BigInteger(), nullable=False),
        sa.Column("prepayment_fen", sa.BigInteger(), nullable=False),
        sa.Column("topup_fen", sa.BigInteger(), nullable=False),
        sa.Column("due_fen", sa.BigInteger(), nullable=False),
        sa.Column("file_checksum", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("source in ('local', 'export', 'import')",
                           name=op.f("ck_offsite_clearings_source")),
        sa.PrimaryKeyConstraint("month", "care_region", "insured_region",
                                name="pk_offsite_clearings"),
    )
    op.create_table(
        "offsite_clearing_items",
        sa.Column("item_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("care_region", sa.String(length=6), nullable=False),
        sa.Column("insured_region", sa.String(length=6), nullable=False),
        sa.Column("fixmedins_code", sa.String(length=12), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("kind in ('settlement', 'reversal')",
                           name=op.f("ck_offsite_clearing_items_kind")),
        sa.PrimaryKeyConstraint("item_id", name="pk_offsite_clearing_items"),
    )
    op.create_index("ix_offsite_clearing_items_month_care_region_insured_region",
                    "offsite_clearing_items", ["month", "care_region", "insured_region"])


def downgrade() -> None:
    op.drop_index("ix_offsite_clearing_items_month_care_region_insured_region",
                  table_name="offsite_clearing_items")
    op.drop_table("offsite_clearing_items")
    op.drop_table("offsite_clearings")
