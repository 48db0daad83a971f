"""门诊慢特病认定: the certifications table (docs/benefits.md, "门诊慢特病认定").

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "opsp_certifications",
        sa.Column("cert_id", sa.String(length=32), nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=False),
        sa.Column("insured_region", sa.String(length=6), nullable=False),
        sa.Column("disease", sa.String(length=20), nullable=False),
        sa.Column("icd10", sa.String(length=20), nullable=False),
        sa.Column("institution", sa.String(length=32), nullable=False),
        sa.Column("doctor", sa.String(length=64), nullable=False),
        sa.Column("applied_on", sa.Date(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        sa.Column("revoked_on", sa.Date(), nullable=True),
        sa.Column("revoked_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("state in ('applied', 'certified', 'refused', 'revoked')",
                           name=op.f("ck_opsp_certifications_state")),
        sa.ForeignKeyConstraint(["id_number"], ["persons.id_number"],
                                name="fk_opsp_certifications_id_number_persons"),
        sa.PrimaryKeyConstraint("cert_id", name="pk_opsp_certifications"),
    )
    op.create_index("ix_opsp_certifications_id_number", "opsp_certifications", ["id_number"])
    op.create_index("ix_opsp_certifications_valid_until", "opsp_certifications",
                    ["valid_until"])


def downgrade() -> None:
    op.drop_index("ix_opsp_certifications_valid_until", table_name="opsp_certifications")
    op.drop_index("ix_opsp_certifications_id_number", table_name="opsp_certifications")
    op.drop_table("opsp_certifications")
