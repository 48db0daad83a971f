"""Money that cannot be overdrawn: a personal account's running balance never goes below zero
(a CHECK on `fund_balances`).

On PostgreSQL the constraint is added `NOT VALID`: rows written before it (an account
overdrawn by the double spend this migration closes) do not stop the upgrade, every new or
changed row is checked, and `yibao fund check` reports the old ones. SQLite copies the table.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

NAME = "ck_fund_balances_personal_account_not_overdrawn"
RULE = "account_key NOT LIKE '%:personal_account:%' OR credit_fen >= debit_fen"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE fund_balances ADD CONSTRAINT {NAME} CHECK ({RULE}) NOT VALID")
        return
    with op.batch_alter_table("fund_balances") as batch:
        batch.create_check_constraint(op.f(NAME), RULE)


def downgrade() -> None:
    with op.batch_alter_table("fund_balances") as batch:
        batch.drop_constraint(op.f(NAME), type_="check")
