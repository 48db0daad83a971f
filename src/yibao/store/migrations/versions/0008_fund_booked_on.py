"""The day each fund transaction belongs to (`fund_transactions.booked_on`, Beijing time), which
the fund analysis (`yibao fund analyze`) groups by month. Transactions written before are dated
by the Beijing day of their `created_at`.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

INDEX = "ix_fund_transactions_region_booked_on"


def upgrade() -> None:
    op.add_column("fund_transactions", sa.Column("booked_on", sa.Date(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE fund_transactions "
                   "SET booked_on = (created_at AT TIME ZONE 'Asia/Shanghai')::date")
        op.alter_column("fund_transactions", "booked_on", nullable=False)
    else:  # SQLite keeps created_at in UTC without its zone
        op.execute("UPDATE fund_transactions SET booked_on = date(created_at, '+8 hours')")
        with op.batch_alter_table("fund_transactions") as batch:
            batch.alter_column("booked_on", existing_type=sa.Date(), nullable=False)
    op.create_index(INDEX, "fund_transactions", ["region", "booked_on"])


def downgrade() -> None:
    op.drop_index(INDEX, table_name="fund_transactions")
    with op.batch_alter_table("fund_transactions") as batch:
        batch.drop_column("booked_on")
