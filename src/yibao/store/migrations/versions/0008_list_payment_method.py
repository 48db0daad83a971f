"""Each settlement list's payment method, for the share of inpatient cost paid by DRG and other
non-itemised methods (`yibao.payment.share`).

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


def upgrade() -> None:
    op.add_column("settlement_lists",
                  sa.Column("payment_method", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("settlement_lists") as batch:
        batch.drop_column("payment_method")
