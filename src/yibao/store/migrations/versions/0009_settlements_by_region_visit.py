"""An index on a region-year's settlements by visit: opening audit cases looks up the
settlement of each hit visit (`CaseRepository.settlement_keys`), which scanned the whole
settlements table once per chunk of 2,000 cases.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

NAME = "ix_settlements_region_year_mdtrt_id"


def upgrade() -> None:
    op.create_index(op.f(NAME), "settlements", ["region", "year", "mdtrt_id"])


def downgrade() -> None:
    op.drop_index(op.f(NAME), table_name="settlements")
