"""Initial schema: registry, enrollments, accumulators, settlements, contributions, fund ledger.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SERIAL = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
YTD = ("hifp_paid", "op_hifp_paid", "op_dedc_used", "si_base", "hifmi_paid", "hifob_paid",
       "cvlserv_paid", "maf_dedc_used", "maf_paid")
SETTLEMENT_MONEY = (
    "medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt",
    "act_pay_dedc", "hifp_pay", "hifob_pay", "hifmi_pay", "cvlserv_pay", "maf_pay",
    "fund_pay_sumamt", "psn_part_amt", "acct_pay", "psn_cash_pay", "balc")
CONTRIBUTION_MONEY = (
    "individual", "assistance", "subsidy_central", "subsidy_provincial", "subsidy_local",
    "serious_illness", "employer_to_pool", "employer_to_account", "employee_to_pool",
    "employee_to_account", "retiree_credit")


def _text(name: str, length: int, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(length=length), nullable=nullable)


def _fen(name: str, nullable: bool = False) -> sa.Column[int]:
    return sa.Column(f"{name}_fen", sa.BigInteger(), nullable=nullable)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [target], name=op.f(f"fk_{table}_{column}_{target.split('.')[0]}"))


def _registry() -> None:
    op.create_table(
        "employers", _text("code", 32), _text("name", 64), _text("region", 6),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_employers")))
    op.create_table(
        "institutions", _text("code", 12), _text("name", 64), _text("level", 1),
        _text("region", 6),
        sa.CheckConstraint("level in ('1', '2', '3')", name=op.f("ck_institutions_level")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_institutions")))
    op.create_table(
        "persons", _text("id_number", 18), _text("name", 64),
        sa.Column("birth_date", sa.Date(), nullable=False), _text("sex", 1), _text("region", 6),
        _text("household_id", 32, nullable=True), _text("groups", 128),
        sa.Column("civil_servant", sa.Boolean(), nullable=False),
        sa.CheckConstraint("sex in ('M', 'F')", name=op.f("ck_persons_sex")),
        sa.CheckConstraint("length(id_number) = 18", name=op.f("ck_persons_id_number_length")),
        sa.PrimaryKeyConstraint("id_number", name=op.f("pk_persons")))
    op.create_index(op.f("ix_persons_household_id"), "persons", ["household_id"])
    op.create_table(
        "enrollments",
        sa.Column("id", SERIAL, autoincrement=True, nullable=False),
        _text("id_number", 18), _text("scheme", 3), _text("region", 6),
        sa.Column("year", sa.Integer(), nullable=False), _text("status", 12),
        _text("psn_type", 12), sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("benefit_start", sa.Date(), nullable=False),
        sa.Column("waiting_months", sa.Integer(), nullable=False),
        _text("employer_code", 32, nullable=True), _fen("wage_base", nullable=True),
        sa.Column("contribution_years", sa.Integer(), nullable=False),
        sa.CheckConstraint("scheme in ('310', '390')", name=op.f("ck_enrollments_scheme")),
        sa.CheckConstraint("status in ('active', 'lapsed', 'transferred')",
                           name=op.f("ck_enrollments_status")),
        sa.CheckConstraint("waiting_months >= 0", name=op.f("ck_enrollments_waiting_months")),
        _fk("enrollments", "employer_code", "employers.code"),
        _fk("enrollments", "id_number", "persons.id_number"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrollments")))
    op.create_index(op.f("ix_enrollments_year_region_status"), "enrollments",
                    ["year", "region", "status"])
    active = sa.text("status = 'active'")
    op.create_index("uq_enrollments_one_active", "enrollments", ["id_number", "year"],
                    unique=True, sqlite_where=active, postgresql_where=active)


def _settlements() -> None:
    op.create_table(
        "accumulators", _text("id_number", 18), _text("scheme", 3),
        sa.Column("year", sa.Integer(), nullable=False), _text("region", 6),
        sa.Column("admissions", sa.Integer(), nullable=False), *(_fen(k) for k in YTD),
        sa.Column("version", sa.Integer(), nullable=False),
        _fk("accumulators", "id_number", "persons.id_number"),
        sa.PrimaryKeyConstraint("id_number", "scheme", "year", name=op.f("pk_accumulators")))
    op.create_table(
        "settlements",
        sa.Column("commit_seq", SERIAL, autoincrement=True, nullable=False),
        _text("setl_id", 32), _text("fixmedins_code", 12), _text("mdtrt_id", 64),
        _text("id_number", 18), _text("scheme", 3), _text("region", 6),
        sa.Column("year", sa.Integer(), nullable=False), _text("policy_id", 16),
        _text("med_type", 2), *(_fen(k) for k in SETTLEMENT_MONEY), _text("request_hash", 64),
        sa.Column("request_json", sa.Text(), nullable=False),
        sa.Column("result_json", sa.Text(), nullable=False),
        sa.Column("ytd_before_json", sa.Text(), nullable=False),
        sa.Column("accum_version", sa.Integer(), nullable=False),
        _text("txn_id", 48, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _fk("settlements", "id_number", "persons.id_number"),
        sa.PrimaryKeyConstraint("commit_seq", name=op.f("pk_settlements")),
        sa.UniqueConstraint("fixmedins_code", "mdtrt_id",
                            name=op.f("uq_settlements_fixmedins_code_mdtrt_id")),
        sa.UniqueConstraint("setl_id", name=op.f("uq_settlements_setl_id")))
    op.create_index(op.f("ix_settlements_id_number_year"), "settlements", ["id_number", "year"])
    op.create_table(
        "settlement_details", _text("setl_id", 32),
        sa.Column("row_no", sa.SmallInteger(), nullable=False), _text("fund_pay_type", 6),
        _fen("inscp_scp_amt"), _fen("crt_payb_lmt_amt", nullable=True), _fen("fund_payamt"),
        sa.Column("setl_proc_info", sa.Text(), nullable=False),
        _fk("settlement_details", "setl_id", "settlements.setl_id"),
        sa.PrimaryKeyConstraint("setl_id", "row_no", name=op.f("pk_settlement_details")))
    op.create_table(
        "reversals",
        sa.Column("commit_seq", SERIAL, autoincrement=True, nullable=False),
        _text("reversal_id", 32), _text("setl_id", 32),
        sa.Column("accum_version", sa.Integer(), nullable=False),
        _text("txn_id", 48, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _fk("reversals", "setl_id", "settlements.setl_id"),
        sa.PrimaryKeyConstraint("commit_seq", name=op.f("pk_reversals")),
        sa.UniqueConstraint("reversal_id", name=op.f("uq_reversals_reversal_id")),
        sa.UniqueConstraint("setl_id", name=op.f("uq_reversals_setl_id")))


def _contributions() -> None:
    op.create_table(
        "contributions", _text("client_id", 48), _text("id_number", 18), _text("scheme", 3),
        _text("region", 6), sa.Column("year", sa.Integer(), nullable=False),
        _text("psn_type", 12), sa.Column("months", sa.SmallInteger(), nullable=False),
        _text("assistance_group", 12), *(_fen(k) for k in CONTRIBUTION_MONEY),
        _text("txn_id", 48, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _fk("contributions", "id_number", "persons.id_number"),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_contributions")))
    op.create_index(op.f("ix_contributions_year_region"), "contributions", ["year", "region"])


def _ledger() -> None:
    op.create_table(
        "fund_accounts", _text("key", 64), _text("region", 6), _text("code", 32),
        _text("holder", 32), _text("kind", 12),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_fund_accounts")),
        sa.UniqueConstraint("region", "code", "holder",
                            name=op.f("uq_fund_accounts_region_code_holder")))
    op.create_table(
        "fund_transactions", _text("txn_id", 48), _text("kind", 16), _text("region", 6),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("txn_id", name=op.f("pk_fund_transactions")))
    op.create_table(
        "fund_postings",
        sa.Column("id", SERIAL, autoincrement=True, nullable=False),
        _text("txn_id", 48), _text("account_key", 64), _text("side", 1), _fen("amount"),
        sa.CheckConstraint("side in ('D', 'C')", name=op.f("ck_fund_postings_side")),
        sa.CheckConstraint("amount_fen > 0", name=op.f("ck_fund_postings_amount_positive")),
        _fk("fund_postings", "account_key", "fund_accounts.key"),
        _fk("fund_postings", "txn_id", "fund_transactions.txn_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_postings")))
    op.create_index(op.f("ix_fund_postings_account_key"), "fund_postings", ["account_key"])
    op.create_index(op.f("ix_fund_postings_txn_id"), "fund_postings", ["txn_id"])
    op.create_table(
        "fund_balances", _text("account_key", 64),
        sa.Column("shard", sa.SmallInteger(), nullable=False),
        _fen("debit"), _fen("credit"),
        _fk("fund_balances", "account_key", "fund_accounts.key"),
        sa.PrimaryKeyConstraint("account_key", "shard", name=op.f("pk_fund_balances")))


def upgrade() -> None:
    _registry()
    _settlements()
    _contributions()
    _ledger()


def downgrade() -> None:
    for table in ("fund_balances", "fund_postings", "fund_transactions", "fund_accounts",
                  "contributions", "reversals", "settlement_details", "settlements",
                  "accumulators", "enrollments", "persons", "institutions", "employers"):
        op.drop_table(table)
