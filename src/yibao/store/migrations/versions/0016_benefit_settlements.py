"""Benefits beyond the basic bill (SETTLEMENT.md §1–§4 extended; docs/benefits.md): the new
settlement amounts (门诊慢特病 uncovered cost, 惠民保, 家庭共济, 生育津贴) and accumulators
(prenatal care, 惠民保, per-disease 门诊慢特病 as JSON), the holder of a shared account, and
the employer's average wage that the maternity allowance is based on.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

SETTLEMENT_FEN = ("opsp_uncovered_amt_fen", "cmi_pay_fen", "acct_mulaid_pay_fen",
                  "matn_alwn_amt_fen")
ACCUMULATOR_FEN = ("matn_op_paid_fen", "cmi_dedc_used_fen", "cmi_paid_fen")


def _zero() -> sa.TextClause:
    return sa.text("0")


def upgrade() -> None:
    for name in SETTLEMENT_FEN:
        op.add_column("settlements", sa.Column(name, sa.BigInteger(), nullable=False,
                                               server_default=_zero()))
    op.add_column("settlements", sa.Column("matn_alwn_days", sa.Integer(), nullable=False,
                                           server_default=_zero()))
    op.add_column("settlements", sa.Column("mulaid_holder", sa.String(length=18)))
    for name in ACCUMULATOR_FEN:
        op.add_column("accumulators", sa.Column(name, sa.BigInteger(), nullable=False,
                                                server_default=_zero()))
    op.add_column("accumulators", sa.Column("opsp_json", sa.Text(), nullable=False,
                                            server_default="{}"))
    op.add_column("employers", sa.Column("emp_avg_wage_fen", sa.BigInteger()))


def downgrade() -> None:
    with op.batch_alter_table("employers") as batch:
        batch.drop_column("emp_avg_wage_fen")
    with op.batch_alter_table("accumulators") as batch:
        for name in (*ACCUMULATOR_FEN, "opsp_json"):
            batch.drop_column(name)
    with op.batch_alter_table("settlements") as batch:
        for name in (*SETTLEMENT_FEN, "matn_alwn_days", "mulaid_holder"):
            batch.drop_column(name)
