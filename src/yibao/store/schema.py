"""The database schema, as SQLAlchemy Core tables (the migrations in `migrations/` build it).

Money is integer fen (`BIGINT`) in every amount column; money rows are never updated or deleted:
a reversal is a new row, a correction is a new transaction. The only rows updated in place are the
registry (persons, enrollment status), the accumulators and the running balance counters of
`fund_balances`, which the ledger check proves equal to the postings.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)

from yibao.settle.model import MONEY_FIELDS, YTD_KEYS

NAMING: Final = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)

#: An auto-incrementing 64-bit key (SQLite only auto-increments INTEGER PRIMARY KEY).
Serial = BigInteger().with_variant(Integer(), "sqlite")
Fen = BigInteger

persons = Table(
    "persons", metadata,
    Column("id_number", String(18), primary_key=True),
    Column("name", String(64), nullable=False),
    Column("birth_date", Date, nullable=False),
    Column("sex", String(1), nullable=False),
    Column("region", String(6), nullable=False),
    Column("household_id", String(32)),
    Column("groups", String(128), nullable=False, default=""),
    Column("civil_servant", Boolean, nullable=False, default=False),
    CheckConstraint("length(id_number) = 18", name="id_number_length"),
    CheckConstraint("sex in ('M', 'F')", name="sex"),
)
Index(None, persons.c.household_id)

employers = Table(
    "employers", metadata,
    Column("code", String(32), primary_key=True),
    Column("name", String(64), nullable=False),
    Column("region", String(6), nullable=False),
    # 用人单位上年度职工月平均工资: the base of the maternity allowance (生育津贴); None unknown.
    Column("emp_avg_wage_fen", Fen, nullable=True),
)

institutions = Table(
    "institutions", metadata,
    Column("code", String(12), primary_key=True),
    Column("name", String(64), nullable=False),
    Column("level", String(1), nullable=False),
    Column("region", String(6), nullable=False),
    CheckConstraint("level in ('1', '2', '3')", name="level"),
)

enrollments = Table(
    "enrollments", metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("id_number", ForeignKey("persons.id_number"), nullable=False),
    Column("scheme", String(3), nullable=False),
    Column("region", String(6), nullable=False),
    Column("year", Integer, nullable=False),
    Column("status", String(12), nullable=False),
    Column("psn_type", String(12), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("benefit_start", Date, nullable=False),
    Column("waiting_months", Integer, nullable=False),
    Column("employer_code", ForeignKey("employers.code")),
    Column("wage_base_fen", Fen),
    Column("contribution_years", Integer, nullable=False),
    CheckConstraint("scheme in ('310', '390')", name="scheme"),
    CheckConstraint("status in ('active', 'lapsed', 'transferred')", name="status"),
    CheckConstraint("waiting_months >= 0", name="waiting_months"),
)
#: At most one active basic enrollment per person and year, whatever the scheme or region.
Index("uq_enrollments_one_active", enrollments.c.id_number, enrollments.c.year, unique=True,
      sqlite_where=enrollments.c.status == "active",
      postgresql_where=enrollments.c.status == "active")
Index(None, enrollments.c.year, enrollments.c.region, enrollments.c.status)
# Every settlement reads the person's enrollments: the partial unique index above covers only
# active rows, so without this one the read scans the table.
Index("ix_enrollments_id_number", enrollments.c.id_number)

_YTD_COLUMNS: Final = tuple(
    Column("admissions", Integer, nullable=False, default=0) if key == "admissions"
    else Column(f"{key}_fen", Fen, nullable=False, default=0)
    for key in YTD_KEYS
)

accumulators = Table(
    "accumulators", metadata,
    Column("id_number", ForeignKey("persons.id_number"), primary_key=True),
    Column("scheme", String(3), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("region", String(6), nullable=False),
    *_YTD_COLUMNS,
    # The per-disease 门诊慢特病 accumulators (`opsp_paid`, `opsp_dedc_used`) as canonical JSON.
    Column("opsp_json", Text, nullable=False, default="{}", server_default="{}"),
    Column("version", Integer, nullable=False, default=0),
)

settlements = Table(
    "settlements", metadata,
    Column("commit_seq", Serial, primary_key=True, autoincrement=True),
    Column("setl_id", String(32), nullable=False, unique=True),
    Column("fixmedins_code", String(12), nullable=False),
    Column("mdtrt_id", String(64), nullable=False),
    Column("id_number", ForeignKey("persons.id_number"), nullable=False),
    Column("scheme", String(3), nullable=False),
    Column("region", String(6), nullable=False),
    Column("year", Integer, nullable=False),
    Column("policy_id", String(16), nullable=False),
    Column("med_type", String(2), nullable=False),
    *(Column(f"{name}_fen", Fen, nullable=False) for name in MONEY_FIELDS),
    Column("request_hash", String(64), nullable=False),
    Column("request_json", Text, nullable=False),
    Column("result_json", Text, nullable=False),
    Column("ytd_before_json", Text, nullable=False),
    Column("accum_version", Integer, nullable=False),
    Column("txn_id", String(48)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # Cross-region care (docs/offsite.md): the institution's region (就医地), the `offsite` value
    # the visit was settled with (derived from the filings), the filing it rests on, and how it
    # reached the fund: `direct` (直接结算) or `manual` (零星报销, a claim at the insured region).
    Column("care_region", String(6), nullable=True),
    Column("offsite", String(12), nullable=False, server_default="local"),
    Column("filing_id", String(32), nullable=True),
    Column("channel", String(6), nullable=False, server_default="direct"),
    # Benefits beyond the basic bill (docs/benefits.md): the days of 生育津贴 paid with a delivery
    # and, for 家庭共济, the employee whose personal account paid (`acct_mulaid`).
    Column("matn_alwn_days", Integer, nullable=False, server_default=text("0")),
    Column("mulaid_holder", String(18), nullable=True),
    CheckConstraint("channel in ('direct', 'manual')", name="channel"),
    UniqueConstraint("fixmedins_code", "mdtrt_id"),
)
Index(None, settlements.c.id_number, settlements.c.year)
# The clearing reads a month's offsite settlements by care region.
Index(None, settlements.c.care_region, settlements.c.region)
# A region-year's settlements by visit: the audit cases' settlement keys (`CaseRepository`).
Index(None, settlements.c.region, settlements.c.year, settlements.c.mdtrt_id)

# Filings for care outside the insured region (异地就医备案; `yibao.offsite`).
offsite_filings = Table(
    "offsite_filings", metadata,
    Column("filing_id", String(32), primary_key=True),
    Column("id_number", ForeignKey("persons.id_number"), nullable=False),
    Column("insured_region", String(6), nullable=False),
    Column("filing_type", String(24), nullable=False),
    Column("care_area", String(6), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=True),
    Column("filed_on", Date, nullable=False),
    Column("promise", Boolean, nullable=False),
    Column("materials", Text, nullable=False, server_default=""),
    Column("channel", String(12), nullable=False),
    Column("filed_by", String(64), nullable=False),
    Column("revoked_on", Date, nullable=True),
    Column("revoked_by", String(64), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
Index(None, offsite_filings.c.id_number)

opsp_certifications = Table(
    "opsp_certifications", metadata,
    Column("cert_id", String(32), primary_key=True),
    Column("id_number", ForeignKey("persons.id_number"), nullable=False),
    Column("insured_region", String(6), nullable=False),
    Column("disease", String(20), nullable=False),
    Column("icd10", String(20), nullable=False),
    Column("institution", String(32), nullable=False),
    Column("doctor", String(64), nullable=False),
    Column("applied_on", Date, nullable=False),
    Column("decided_on", Date, nullable=True),
    Column("state", String(10), nullable=False),
    Column("valid_from", Date, nullable=True),
    Column("valid_until", Date, nullable=True),
    Column("decided_by", String(64), nullable=False),
    Column("source", String(12), nullable=False),
    Column("note", Text, nullable=False, server_default=""),
    Column("revoked_on", Date, nullable=True),
    Column("revoked_by", String(64), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("state in ('applied', 'certified', 'refused', 'revoked')", name="state"),
)
Index(None, opsp_certifications.c.id_number)
Index(None, opsp_certifications.c.valid_until)
#: 职工医保个人账户家庭共济: a holder's personal account may pay for a bound member
#: (docs/benefits.md).
#: A row is never deleted; unbinding sets `end_date` (null while in force) and `unbound_by`.
family_bindings = Table(
    "family_bindings", metadata,
    Column("binding_id", Serial, primary_key=True, autoincrement=True),
    Column("holder_id", ForeignKey("persons.id_number"), nullable=False),
    Column("member_id", ForeignKey("persons.id_number"), nullable=False),
    Column("relation", String(8), nullable=False),
    Column("region", String(6), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=True),
    Column("bound_by", String(80), nullable=False),
    Column("unbound_by", String(80), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("relation in ('spouse', 'parent', 'child')", name="relation"),
    CheckConstraint("holder_id <> member_id", name="two_persons"),
)
Index(None, family_bindings.c.member_id)
Index(None, family_bindings.c.holder_id)

#: 依申请救助 (SETTLEMENT.md §6, docs/benefits.md "依申请救助与监测"): one row per application,
#: decided once (`applied` → `granted` or `refused`); the grant's figures and its fund transaction
#: are kept on the row. Never deleted.
assist_applications = Table(
    "assist_applications", metadata,
    Column("app_id", Serial, primary_key=True, autoincrement=True),
    Column("id_number", ForeignKey("persons.id_number"), nullable=False),
    Column("scheme", String(3), nullable=False),
    Column("region", String(6), nullable=False),
    Column("year", Integer, nullable=False),
    Column("income_fen", Fen, nullable=False),
    Column("applied_on", Date, nullable=False),
    Column("applied_by", String(80), nullable=False),
    Column("state", String(10), nullable=False),
    Column("reason", String(32), nullable=False, server_default=""),
    Column("note", Text, nullable=False, server_default=""),
    Column("decided_on", Date, nullable=True),
    Column("decided_by", String(80), nullable=True),
    Column("household_oop_fen", Fen, nullable=True),
    Column("threshold_fen", Fen, nullable=True),
    Column("b_fen", Fen, nullable=True),
    Column("t_fen", Fen, nullable=True),
    Column("grant_fen", Fen, nullable=True),
    Column("txn_id", String(48), nullable=True, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("state in ('applied', 'granted', 'refused')", name="state"),
    CheckConstraint("income_fen >= 0", name="income"),
)
Index(None, assist_applications.c.id_number, assist_applications.c.year)
Index(None, assist_applications.c.state, assist_applications.c.region)
#: The assistance group a person holds from a day to a day (both included), granted by an
#: application: the settlement reads the person's groups on a visit day as `persons.groups`
#: and these rows (`AssistRepository.groups_on`).
person_group_grants = Table(
    "person_group_grants", metadata,
    Column("grant_id", Serial, primary_key=True, autoincrement=True),
    Column("id_number", ForeignKey("persons.id_number"), nullable=False),
    Column("group", String(16), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    Column("app_id", ForeignKey("assist_applications.app_id"), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("start_date <= end_date", name="dates"),
)
Index(None, person_group_grants.c.id_number)

settlement_details = Table(
    "settlement_details", metadata,
    Column("setl_id", ForeignKey("settlements.setl_id"), primary_key=True),
    Column("row_no", SmallInteger, primary_key=True),
    Column("fund_pay_type", String(6), nullable=False),
    Column("inscp_scp_amt_fen", Fen, nullable=False),
    Column("crt_payb_lmt_amt_fen", Fen),
    Column("fund_payamt_fen", Fen, nullable=False),
    Column("setl_proc_info", Text, nullable=False),
)

reversals = Table(
    "reversals", metadata,
    Column("commit_seq", Serial, primary_key=True, autoincrement=True),
    Column("reversal_id", String(32), nullable=False, unique=True),
    Column("setl_id", ForeignKey("settlements.setl_id"), nullable=False, unique=True),
    Column("accum_version", Integer, nullable=False),
    Column("txn_id", String(48)),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

contributions = Table(
    "contributions", metadata,
    Column("client_id", String(48), primary_key=True),
    Column("id_number", ForeignKey("persons.id_number"), nullable=False),
    Column("scheme", String(3), nullable=False),
    Column("region", String(6), nullable=False),
    Column("year", Integer, nullable=False),
    Column("psn_type", String(12), nullable=False),
    Column("months", SmallInteger, nullable=False),
    Column("assistance_group", String(12), nullable=False),
    *(Column(f"{name}_fen", Fen, nullable=False) for name in (
        "individual", "assistance", "subsidy_central", "subsidy_provincial", "subsidy_local",
        "serious_illness", "employer_to_pool", "employer_to_account", "employee_to_pool",
        "employee_to_account", "retiree_credit")),
    Column("txn_id", String(48)),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
Index(None, contributions.c.year, contributions.c.region)

fund_accounts = Table(
    "fund_accounts", metadata,
    Column("key", String(64), primary_key=True),
    Column("region", String(6), nullable=False),
    Column("code", String(32), nullable=False),
    Column("holder", String(32), nullable=False),
    Column("kind", String(12), nullable=False),
    UniqueConstraint("region", "code", "holder"),
)

fund_transactions = Table(
    "fund_transactions", metadata,
    Column("txn_id", String(48), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("region", String(6), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    #: The day the transaction belongs to, in Beijing time (记账日期): a settlement's setl_time,
    #: a simulated visit's discharge day; what the fund analysis groups by month.
    Column("booked_on", Date, nullable=False),
)
Index(None, fund_transactions.c.region, fund_transactions.c.booked_on)

fund_postings = Table(
    "fund_postings", metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("txn_id", ForeignKey("fund_transactions.txn_id"), nullable=False),
    Column("account_key", ForeignKey("fund_accounts.key"), nullable=False),
    Column("side", String(1), nullable=False),
    Column("amount_fen", Fen, nullable=False),
    CheckConstraint("side in ('D', 'C')", name="side"),
    CheckConstraint("amount_fen > 0", name="amount_positive"),
)
Index(None, fund_postings.c.txn_id)
Index(None, fund_postings.c.account_key)

#: The rule of `fund_balances` rows: a personal account's credits cover its debits.
PERSONAL_ACCOUNT_NOT_OVERDRAWN: Final = (
    "account_key NOT LIKE '%:personal_account:%' OR credit_fen >= debit_fen")

#: Running debit and credit totals per account, split over a few shards so that settlements of
#: different persons do not queue on one row; the balance is the sum over the shards.
fund_balances = Table(
    "fund_balances", metadata,
    Column("account_key", ForeignKey("fund_accounts.key"), primary_key=True),
    Column("shard", SmallInteger, primary_key=True),
    Column("debit_fen", Fen, nullable=False),
    Column("credit_fen", Fen, nullable=False),
    # A personal account (个人账户) is kept in the one shard of its holder: never overdrawn.
    CheckConstraint(PERSONAL_ACCOUNT_NOT_OVERDRAWN, name="personal_account_not_overdrawn"),
)

# Accounts and credentials (账户与凭据): institutions' signing secrets, bureau users,
# sessions and the write log (操作日志), which is only ever inserted into.

institution_keys = Table(
    "institution_keys", metadata,
    Column("fixmedins_code", String(12), primary_key=True),
    Column("secret", String(128), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(64), nullable=False),
)

users = Table(
    "users", metadata,
    Column("username", String(64), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("region", String(6), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(64), nullable=False),
    CheckConstraint("role in ('handler', 'auditor', 'finance', 'director', 'admin')",
                    name="role"),
)

sessions = Table(
    "sessions", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("username", ForeignKey("users.username"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)
Index(None, sessions.c.username)

write_log = Table(
    "write_log", metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(80), nullable=False),
    Column("action", String(32), nullable=False),
    Column("target", String(96), nullable=False),
    Column("detail", Text, nullable=False),
    # The region the write concerns (scope of the reader); NULL on the national interface's
    # rows, whose region is the institution code's (actor `H511623…/opter`), and on old rows.
    Column("region", String(6), nullable=True),
)
Index(None, write_log.c.at)
Index(None, write_log.c.region)

# Login attempts (登录尝试): every attempt is recorded before the password is checked (a
# failure until it succeeds), so concurrent guesses count at once; the throttle counts the
# uncleared failures per user and per address; an administrator's unlock clears them.
login_attempts = Table(
    "login_attempts", metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("username", String(64), nullable=False),
    Column("address", String(64), nullable=False),
    Column("failed", Boolean, nullable=False),
    Column("cleared", Boolean, nullable=False),
)
Index(None, login_attempts.c.username, login_attempts.c.at)
Index(None, login_attempts.c.address, login_attempts.c.at)

# Audit cases (稽核案件): a case row per rule hit on a visit, and its append-only trail.

audit_cases = Table(
    "audit_cases", metadata,
    Column("case_id", String(40), primary_key=True),
    Column("region", String(6), nullable=False),
    Column("year", Integer, nullable=False),
    Column("rule_id", String(32), nullable=False),
    Column("rule_name", String(128), nullable=False),
    Column("mdtrt_id", String(64), nullable=False),
    Column("setl_id", String(32), nullable=False),
    Column("fixmedins_code", String(12), nullable=False),
    Column("psn_no", String(18), nullable=False),
    Column("staff_code", String(32), nullable=False),
    Column("insutype", String(3), nullable=False),
    Column("amount_fen", Fen, nullable=False),
    Column("state", String(16), nullable=False),
    Column("evidence_json", Text, nullable=False),
    Column("recovery_txn_id", String(48)),
    Column("refund_txn_id", String(48)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(64), nullable=False),
)
Index(None, audit_cases.c.region, audit_cases.c.state)

audit_case_events = Table(
    "audit_case_events", metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("case_id", ForeignKey("audit_cases.case_id"), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("from_state", String(16), nullable=False),
    Column("to_state", String(16), nullable=False),
    Column("note", Text, nullable=False),
    Column("amount_fen", Fen, nullable=False),
)
Index(None, audit_case_events.c.case_id)

# The national interface's records (接口数据): messages answered (for `msgid` replay), visits
# registered, fee lines uploaded and settlement lists with their DRG group.

interface_messages = Table(
    "interface_messages", metadata,
    Column("fixmedins_code", String(12), primary_key=True),
    Column("msgid", String(64), primary_key=True),
    Column("infno", String(8), nullable=False),
    Column("body_hash", String(64), nullable=False),
    Column("response_json", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

interface_visits = Table(
    "interface_visits", metadata,
    Column("mdtrt_id", String(32), primary_key=True),
    Column("fixmedins_code", String(12), nullable=False),
    Column("ipt_otp_no", String(64), nullable=False),
    Column("psn_no", String(18), nullable=False),
    Column("insutype", String(3), nullable=False),
    Column("insuplc_admdvs", String(6), nullable=False),
    Column("med_type", String(2), nullable=False),
    Column("begndate", Date, nullable=False),
    Column("enddate", Date),
    Column("dscg_way", String(2)),
    Column("diseinfo_json", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # Every change (2203, fees, 2402) raises the version; a settlement closes the visit (its
    # setl_id) only at the version it read, so nothing changes a visit under its settlement.
    Column("version", Integer, nullable=False, server_default=text("0")),
    Column("setl_id", String(32)),
    # Registered as an emergency (急诊抢救, 2201/2401 `emergency_flag` "1"): settled offsite
    # without a prior filing (docs/offsite.md).
    Column("emergency", Boolean, nullable=False, server_default=false()),
)
Index(None, interface_visits.c.psn_no)
Index(None, interface_visits.c.fixmedins_code, interface_visits.c.ipt_otp_no)

interface_fees = Table(
    "interface_fees", metadata,
    Column("mdtrt_id", String(32), primary_key=True),
    Column("feedetl_sn", String(32), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("line_json", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

settlement_lists = Table(
    "settlement_lists", metadata,
    Column("setl_id", String(32), primary_key=True),
    Column("mdtrt_id", String(32), nullable=False),
    Column("fixmedins_code", String(12), nullable=False),
    Column("region", String(6), nullable=False),
    Column("year", Integer, nullable=False),
    Column("list_json", Text, nullable=False),
    Column("mdc", String(8), nullable=False),
    Column("adrg", String(8), nullable=False),
    Column("drg", String(8), nullable=False),
    Column("status", String(16), nullable=False),
    Column("trace_json", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # How the stay was paid (`yibao.payment.share.stay_method`), set by the year's payment;
    # null for a list uploaded with 4101A that no year's payment has paid yet.
    Column("payment_method", String(16), nullable=True),
)
Index(None, settlement_lists.c.region, settlement_lists.c.year)

# The fee-item catalogue (医保目录) imported with `yibao catalog import`: what the rule checks of
# the national interface (3101/3102) read. Amounts in 10⁻⁶ yuan; -1 or "" mean none.

catalog_items = Table(
    "catalog_items", metadata,
    # The region whose catalogue the item is in ("": the deployment-wide catalogue, used by a
    # region without its own; docs/offsite.md "就医地目录").
    Column("region", String(6), primary_key=True),
    Column("hilist_code", String(50), primary_key=True),
    Column("hilist_name", String(200), nullable=False),
    Column("chrg_itm_lv", String(2), nullable=False),
    Column("cap_e6", BigInteger, nullable=False),
    Column("lmt_sex", String(1), nullable=False),
    Column("age_min", Integer, nullable=False),
    Column("age_max", Integer, nullable=False),
    Column("lv_min", String(1), nullable=False),
    Column("lv_max", String(1), nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    Column("selfpay_e6", BigInteger, nullable=False, server_default=text("-1")),
)

# Cross-region clearing (异地就医清算; docs/offsite.md, "Clearing"): one row per month and pair of
# regions cleared (exactly once: the primary key), and one row per settlement or reversal it
# cleared (exactly once: the item's id is the key).
offsite_clearings = Table(
    "offsite_clearings", metadata,
    Column("month", String(7), primary_key=True),
    Column("care_region", String(6), primary_key=True),
    Column("insured_region", String(6), primary_key=True),
    #: `local`: both sides posted here; `export`: the insured side here, the care side in the
    #: deployment that imports the clearing file; `import`: the care side of such a file.
    Column("source", String(6), nullable=False),
    Column("settlements", Integer, nullable=False),
    Column("fund_fen", Fen, nullable=False),
    Column("reversed_fen", Fen, nullable=False),
    Column("prepayment_fen", Fen, nullable=False),
    Column("topup_fen", Fen, nullable=False),
    Column("due_fen", Fen, nullable=False),
    Column("file_checksum", String(64), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("source in ('local', 'export', 'import')", name="source"),
)

offsite_clearing_items = Table(
    "offsite_clearing_items", metadata,
    Column("item_id", String(32), primary_key=True),
    Column("kind", String(10), nullable=False),
    Column("month", String(7), nullable=False),
    Column("care_region", String(6), nullable=False),
    Column("insured_region", String(6), nullable=False),
    Column("fixmedins_code", String(12), nullable=False),
    Column("amount_fen", Fen, nullable=False),
    CheckConstraint("kind in ('settlement', 'reversal')", name="kind"),
)
Index(None, offsite_clearing_items.c.month, offsite_clearing_items.c.care_region,
      offsite_clearing_items.c.insured_region)
