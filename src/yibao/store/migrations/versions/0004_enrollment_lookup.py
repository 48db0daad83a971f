"""Index enrollments by ID number: every settlement reads the person's enrollments.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_enrollments_id_number", "enrollments", ["id_number"])


def downgrade() -> None:
    op.drop_index("ix_enrollments_id_number", table_name="enrollments")
