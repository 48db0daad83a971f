"""Login attempts for the throttle, and the write log's region for its scope.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

SERIAL = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column("write_log", sa.Column("region", sa.String(length=6), nullable=True))
    op.create_index(op.f("ix_write_log_region"), "write_log", ["region"])
    op.create_table(
        "login_attempts", sa.Column("id", SERIAL, autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("failed", sa.Boolean(), nullable=False),
        sa.Column("cleared", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempts")))
    op.create_index(op.f("ix_login_attempts_username_at"), "login_attempts",
                    ["username", "at"])
    op.create_index(op.f("ix_login_attempts_address_at"), "login_attempts",
                    ["address", "at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_login_attempts_address_at"), table_name="login_attempts")
    op.drop_index(op.f("ix_login_attempts_username_at"), table_name="login_attempts")
    op.drop_table("login_attempts")
    op.drop_index(op.f("ix_write_log_region"), table_name="write_log")
    with op.batch_alter_table("write_log") as batch:
        batch.drop_column("region")
