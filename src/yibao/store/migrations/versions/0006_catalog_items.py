"""The fee-item catalogue imported with `yibao catalog import`, read by 3101/3102.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "catalog_items",
        sa.Column("hilist_code", sa.String(50), primary_key=True),
        sa.Column("hilist_name", sa.String(200), nullable=False),
        sa.Column("chrg_itm_lv", sa.String(2), nullable=False),
        sa.Column("cap_e6", sa.BigInteger, nullable=False),
        sa.Column("lmt_sex", sa.String(1), nullable=False),
        sa.Column("age_min", sa.Integer, nullable=False),
        sa.Column("age_max", sa.Integer, nullable=False),
        sa.Column("lv_min", sa.String(1), nullable=False),
        sa.Column("lv_max", sa.String(1), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("catalog_items")
