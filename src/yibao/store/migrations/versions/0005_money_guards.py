"""Money that cannot be overdrawn: a personal account's running balance never goes below zero
(a CHECK on `fund_balances`); a visit registered through the interface carries a version,
raised by every change, and the settlement that closed it (`setl_id`, filled in here for the
visits settled before).

On PostgreSQL the constraint is added `NOT VALID`: rows written before it (an account
overdrawn by the double spend this migration closes) do not stop the upgrade, every new or
changed row is checked, and `yibao fund check` reports the old ones. SQLite copies the table
with its CHECK enforcement off for the copy (`ignore_check_constraints`), to the same effect:
old rows are kept as they are and `yibao fund repair` can then clear them.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

NAME = "ck_fund_balances_personal_account_not_overdrawn"
RULE = "account_key NOT LIKE '%:personal_account:%' OR credit_fen >= debit_fen"


def _visits() -> None:
    op.add_column("interface_visits", sa.Column("version", sa.Integer(), nullable=False,
                                                server_default=sa.text("0")))
    op.add_column("interface_visits", sa.Column("setl_id", sa.String(length=32)))
    op.execute("UPDATE interface_visits SET setl_id = (SELECT s.setl_id FROM settlements s "
               "WHERE s.fixmedins_code = interface_visits.fixmedins_code "
               "AND s.mdtrt_id = interface_visits.mdtrt_id)")


def upgrade() -> None:
    _visits()
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE fund_balances ADD CONSTRAINT {NAME} CHECK ({RULE}) NOT VALID")
        return
    op.execute("PRAGMA ignore_check_constraints = ON")
    with op.batch_alter_table("fund_balances") as batch:
        batch.create_check_constraint(op.f(NAME), RULE)
    op.execute("PRAGMA ignore_check_constraints = OFF")


def downgrade() -> None:
    with op.batch_alter_table("interface_visits") as batch:
        batch.drop_column("setl_id")
        batch.drop_column("version")
    with op.batch_alter_table("fund_balances") as batch:
        batch.drop_constraint(op.f(NAME), type_="check")
