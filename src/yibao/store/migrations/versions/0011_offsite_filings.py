"""Cross-region care (异地就医): the filings table, and each settlement's care region, derived
`offsite` value, filing and channel (direct or manual claim). Settlements written before are
local and direct; their care region is the institution's region where it is registered.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "offsite_filings",
        sa.Column("filing_id", sa.String(length=32), nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=False),
        sa.Column("insured_region", sa.String(length=6), nullable=False),
        sa.Column("filing_type", sa.String(length=24), nullable=False),
        sa.Column("care_area", sa.String(length=6), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("promise", sa.Boolean(), nullable=False),
        sa.Column("materials", sa.Text(), nullable=False, server_default=""),
        sa.Column("channel", sa.String(length=12), nullable=False),
        sa.Column("filed_by", sa.String(length=64), nullable=False),
        sa.Column("revoked_on", sa.Date(), nullable=True),
        sa.Column("revoked_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["id_number"], ["persons.id_number"],
                                name="fk_offsite_filings_id_number_persons"),
        sa.PrimaryKeyConstraint("filing_id", name="pk_offsite_filings"),
    )
    op.create_index("ix_offsite_filings_id_number", "offsite_filings", ["id_number"])
    with op.batch_alter_table("settlements") as batch:
        batch.add_column(sa.Column("care_region", sa.String(length=6), nullable=True))
        batch.add_column(sa.Column("offsite", sa.String(length=12), nullable=False,
                                   server_default="local"))
        batch.add_column(sa.Column("filing_id", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("channel", sa.String(length=6), nullable=False,
                                   server_default="direct"))
        batch.create_check_constraint(op.f("ck_settlements_channel"),
                                      "channel in ('direct', 'manual')")
    op.execute("UPDATE settlements SET care_region = (SELECT i.region FROM institutions i "
               "WHERE i.code = settlements.fixmedins_code)")
    op.execute("UPDATE settlements SET care_region = region WHERE care_region IS NULL")
    op.create_index("ix_settlements_care_region_region", "settlements", ["care_region", "region"])


def downgrade() -> None:
    op.drop_index("ix_settlements_care_region_region", table_name="settlements")
    with op.batch_alter_table("settlements") as batch:
        batch.drop_constraint(op.f("ck_settlements_channel"), type_="check")
        for column in ("channel", "filing_id", "offsite", "care_region"):
            batch.drop_column(column)
    op.drop_index("ix_offsite_filings_id_number", table_name="offsite_filings")
    op.drop_table("offsite_filings")
