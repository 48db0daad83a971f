"""The postings each event makes (docs/ledger.md): settlements, contributions and premiums, and
the region-level events of the fund's year.

A settlement moves each fund's payment, and the personal-account payment, to what is owed to
the institution (应付定点医药机构款) — or, for care in another region, to the care region
(应付异地就医清算款), and for a manual claim to the person (应付零星报销款): see
`settlement_payee`; the cash the person pays goes to the institution directly and is not fund
money. A contribution moves what is receivable from payers and budgets into the funds and the
personal accounts; a resident's serious-illness premium moves part of it on to the
serious-illness fund. The year's opening balances, funding of the other funds, receipts,
payments to institutions and DRG clearing are region-level events (`EVENT_LINES`). Amounts enter
in yuan (settlements, contributions) or fen (region-level events) and are posted in integer fen.

Each event's lines are one table (`SETTLEMENT_LINES`, `CONTRIBUTION_LINES`, `PREMIUM_LINES`,
`EVENT_LINES`) read by two forms:
the scalar one (one event → a `PostingSet`, the stateful path) and the columnar one (a frame of
events → a frame of postings, the bulk load of a year), which gives the same postings in the
same order; `tests/fund/test_columnar_events.py` proves it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from types import MappingProxyType
from typing import Final

import polars as pl

from yibao.core.money import to_fen
from yibao.enroll.contributions import Contribution
from yibao.fund.accounts import ACCOUNT_OF_FUND, SEPARATOR, AccountCode, AccountKey
from yibao.fund.postings import Posting, PostingSet, TxnKind, transfer
from yibao.settle.model import (
    FUND_ASSISTANCE,
    FUND_CIVIL_SERVANT,
    FUND_EMPLOYEE_POOL,
    FUND_LARGE_EXPENSE,
    FUND_RESIDENT_POOL,
    FUND_SERIOUS_ILLNESS,
    SettleResult,
)

A = AccountCode
Lines = tuple[tuple[str, str, str], ...]
#: In an account name `code:*`, the holder is the event's (`holder` column or argument).
ANY_HOLDER: Final = "*"
EMPLOYEE_SCHEME: Final = "310"
#: A settlement's fund lines in `setldetail` order: (amount field, fund; "" = the scheme's
#: pool), each debiting the fund's account and crediting what is owed to the institution; then
#: the personal account's line (`acct_pay`).
SETTLEMENT_LINES: Final = (("hifp_pay", ""), ("hifob_pay", FUND_LARGE_EXPENSE),
                           ("hifmi_pay", FUND_SERIOUS_ILLNESS), ("cvlserv_pay", FUND_CIVIL_SERVANT),
                           ("maf_pay", FUND_ASSISTANCE))
#: A contribution's lines: (debit, credit, amount field). An account is `code[:holder]`;
#: "pool" is the scheme's pool, "account" the person's personal account.
CONTRIBUTION_LINES: Final = (
    ("contribution_receivable:individual", "pool", "individual"),
    ("assistance", "pool", "assistance"),
    ("fiscal_receivable:central", "pool", "subsidy_central"),
    ("fiscal_receivable:provincial", "pool", "subsidy_provincial"),
    ("fiscal_receivable:local", "pool", "subsidy_local"),
    ("contribution_receivable:employer", "pool", "employer_to_pool"),
    ("contribution_receivable:employer", "account", "employer_to_account"),
    ("contribution_receivable:employee", "pool", "employee_to_pool"),
    ("contribution_receivable:employee", "account", "employee_to_account"),
    ("pool", "account", "retiree_credit"),
)
#: The serious-illness premium (大病保险筹资) of a resident's contribution: its own transaction
#: (`TxnKind.PREMIUM`, id `P…` beside the contribution's `C…`), a transfer between funds.
PREMIUM_LINES: Final = (("pool", "serious_illness", "serious_illness"),)
PREMIUM_PREFIX: Final = "P"
#: The region-level events of the year (docs/ledger.md): (debit, credit, amount field) each.
#: 期初结余: the balance carried from earlier years, held in the deposit.
OPENING_LINES: Final = tuple(("fund_deposit", code, code) for code in (
    "resident_pool", "employee_pool", "serious_illness", "large_expense", "civil_servant",
    "assistance"))
#: 筹资 of the funds the contributions do not finance: the employees' large-expense premium
#: (大额医疗费用补助), the budget's civil-servant subsidy (公务员医疗补助) and allocation to
#: medical assistance (医疗救助).
FUNDING_LINES: Final = (
    ("contribution_receivable:employee", "large_expense", "large_expense"),
    ("fiscal_receivable:local", "civil_servant", "civil_servant"),
    ("fiscal_receivable:local", "assistance", "assistance"),
)
#: Receivables collected into the deposit (the tax bureau's transfer, the budgets' payments).
RECEIPT_LINES: Final = (
    *((("fund_deposit", f"fiscal_receivable:{level}", f"fiscal_{level}"))
      for level in ("central", "provincial", "local")),
    *((("fund_deposit", f"contribution_receivable:{payer}", payer))
      for payer in ("individual", "employer", "employee")),
)
#: 月度结算拨付 and the year-end payment: the deposit pays an institution (a refund when the
#: amount is negative: the institution was paid more than the clearing left it owed).
PAYMENT_LINES: Final = (("payable_institution:*", "fund_deposit", "paid"),)
#: DRG year-end clearing (年终清算): each pooling fund owes the institution what the point
#: settlement pays beyond the stays' itemised fund payments (negative: below them).
CLEARING_LINES: Final = (
    ("resident_pool", "payable_institution:*", "resident_pool"),
    ("employee_pool", "payable_institution:*", "employee_pool"),
)
EVENT_LINES: Final[Mapping[TxnKind, Lines]] = MappingProxyType({
    TxnKind.OPENING: OPENING_LINES, TxnKind.FUNDING: FUNDING_LINES,
    TxnKind.RECEIPT: RECEIPT_LINES, TxnKind.PAYMENT: PAYMENT_LINES,
    TxnKind.CLEARING: CLEARING_LINES})
#: The columns of a columnar posting (before the caller's kept columns).
POSTING_COLUMNS: Final = ("txn_id", "account_key", "side", "amount_fen")


def pool_fund(scheme: str) -> str:
    """The pooling fund of a scheme (职工 310 or 居民 390)."""
    return FUND_EMPLOYEE_POOL if scheme == EMPLOYEE_SCHEME else FUND_RESIDENT_POOL


def settlement_payee(region: str, fixmedins_code: str, care_region: str | None = None,
                     claimant: str | None = None) -> AccountKey:
    """Whom a settlement's fund and personal-account parts are owed to, in the insured region's
    ledger (docs/offsite.md): the claimant of a manual claim (零星报销, `manual_claim_payable`),
    else the care region when it is another region (`offsite_payable`, cleared between the
    regions: the settlement writes only rows of its insured region), else the institution
    (`payable_institution`). `payee_expr` is the same choice over columns."""
    if claimant is not None:
        return AccountKey(region, A.MANUAL_CLAIM_PAYABLE, claimant)
    if care_region is not None and care_region != region:
        return AccountKey(region, A.OFFSITE_PAYABLE, care_region)
    return AccountKey(region, A.PAYABLE_INSTITUTION, fixmedins_code)


def settlement_postings(
    txn_id: str, region: str, result: SettleResult, fixmedins_code: str, id_number: str,
    payable: AccountKey | None = None,
) -> PostingSet:
    """Each fund's payment, and the account payment, owed to `payable` (`settlement_payee`;
    by default the institution)."""
    payable = payable or settlement_payee(region, fixmedins_code)
    postings: list[Posting] = []
    for field, fund in SETTLEMENT_LINES:
        account = AccountKey(region, ACCOUNT_OF_FUND[fund or pool_fund(result.insutype)])
        postings += transfer(account, payable, to_fen(getattr(result, field)))
    account = AccountKey(region, A.PERSONAL_ACCOUNT, id_number)
    postings += transfer(account, payable, to_fen(result.acct_pay))
    return PostingSet(txn_id, TxnKind.SETTLEMENT, region, tuple(postings))


def assistance_grant_postings(txn_id: str, region: str, id_number: str, grant_fen: int
                              ) -> PostingSet:
    """依申请救助 (SETTLEMENT.md §6): the assistance fund (`610100`) owes the person the grant
    (`assistance_payable:<id number>`, 应付医疗救助款). A zero grant posts nothing."""
    postings = transfer(AccountKey(region, ACCOUNT_OF_FUND[FUND_ASSISTANCE]),
                        AccountKey(region, A.ASSISTANCE_PAYABLE, id_number), grant_fen)
    return PostingSet(txn_id, TxnKind.ASSIST_GRANT, region, postings)


def _account(region: str, name: str, pool: AccountKey, account: AccountKey) -> AccountKey:
    if name == "pool":
        return pool
    if name == "account":
        return account
    code, _, holder = name.partition(SEPARATOR)
    return AccountKey(region, AccountCode(code), holder)


def contribution_postings(txn_id: str, c: Contribution, lines: Lines = CONTRIBUTION_LINES,
                          kind: TxnKind = TxnKind.CONTRIBUTION) -> PostingSet:
    """Receivables into the funds and the personal account; see docs/ledger.md for each line.
    With `PREMIUM_LINES` and `TxnKind.PREMIUM`: the contribution's serious-illness premium."""
    r = c.region
    pool = AccountKey(r, A.RESIDENT_POOL if c.scheme == "390" else A.EMPLOYEE_POOL)
    account = AccountKey(r, A.PERSONAL_ACCOUNT, c.id_number)
    postings: list[Posting] = []
    for debit, credit, field in lines:
        amount: Decimal = getattr(c, field)
        postings += transfer(_account(r, debit, pool, account), _account(r, credit, pool, account),
                             to_fen(amount))
    return PostingSet(txn_id, kind, r, tuple(postings))


def premium_txn_id(contribution_txn_id: str) -> str:
    """The premium's transaction id beside its contribution's: `C2020-390-…` → `P2020-390-…`."""
    return PREMIUM_PREFIX + contribution_txn_id.removeprefix("C")


def premium_postings(c: Contribution) -> PostingSet | None:
    """The serious-illness premium of a contribution (大病保险筹资), None when there is none."""
    if c.serious_illness <= 0:
        return None
    return contribution_postings(premium_txn_id(c.client_id), c, PREMIUM_LINES, TxnKind.PREMIUM)


def event_postings(kind: TxnKind, txn_id: str, region: str, amounts: Mapping[str, int],
                   lines: Lines, holder: str = "") -> PostingSet:
    """A region-level event (`EVENT_LINES`): each line moves `amounts[field]` fen from the
    credit account to the debit account; a negative amount moves it the other way (a
    clearing below what was owed). `code:*` is held by `holder` (an institution)."""
    postings: list[Posting] = []
    for debit, credit, field in lines:
        amount = amounts.get(field, 0)
        one, other = _region_account(region, debit, holder), _region_account(region, credit, holder)
        postings += transfer(one, other, amount) if amount >= 0 else transfer(other, one, -amount)
    return PostingSet(txn_id, kind, region, tuple(postings))


def _region_account(region: str, name: str, holder: str) -> AccountKey:
    code, _, named = name.partition(SEPARATOR)
    return AccountKey(region, AccountCode(code), holder if named == ANY_HOLDER else named)


# ---------- the columnar forms ----------

def _key(code: str | pl.Expr, holder: pl.Expr | None = None) -> pl.Expr:
    """`AccountKey.text` over columns: `region:code[:holder]`."""
    parts = [pl.col("region"), code if isinstance(code, pl.Expr) else pl.lit(code)]
    return pl.concat_str(parts if holder is None else [*parts, holder], separator=SEPARATOR)


def _pairs(legs: list[pl.DataFrame], keep: Sequence[str]) -> pl.DataFrame:
    """Each transfer (`seq, line, txn_id, debit, credit, amount_fen` and `keep`; amount > 0) as
    its debit and credit postings, ordered as `yibao.fund.postings.transfer` makes them."""
    lines = pl.concat(legs).filter(pl.col("amount_fen") > 0)
    sides = [lines.select("seq", "line", pl.lit(leg).alias("leg"), "txn_id",
                          pl.col(column).alias("account_key"), pl.lit(side).alias("side"),
                          "amount_fen", *keep)
             for leg, (column, side) in enumerate((("debit", "D"), ("credit", "C")))]
    return pl.concat(sides).sort("seq", "line", "leg").select(*POSTING_COLUMNS, *keep)


def payee_expr(columns: Sequence[str]) -> pl.Expr:
    """`settlement_payee` over columns: the care region's `offsite_payable` when a
    `care_region` column names another region, else the institution's `payable_institution`;
    with a `channel` column, its `manual` rows owe their claimant (`manual_claim_payable`)."""
    institution = _key(A.PAYABLE_INSTITUTION.value, pl.col("fixmedins_code"))
    if "care_region" not in columns:
        return institution
    care = pl.col("care_region")
    payee = (pl.when(care.is_not_null() & (care != pl.col("region")))
             .then(_key(A.OFFSITE_PAYABLE.value, care)).otherwise(institution))
    if "channel" not in columns:
        return payee
    # a bulk-loaded manual claim (channel `manual`, 零星报销) owes its claimant
    return (pl.when(pl.col("channel") == "manual")
            .then(_key(A.MANUAL_CLAIM_PAYABLE.value, pl.col("id_number"))).otherwise(payee))


def settlement_posting_frame(frame: pl.DataFrame, keep: Sequence[str] = ()) -> pl.DataFrame:
    """`settlement_postings` over columns: one row per settlement with `txn_id, region,
    fixmedins_code, id_number, scheme` (and, optionally, `care_region`), the fund fields and
    `acct_pay` in fen → one row per posting (`POSTING_COLUMNS`, then the `keep` columns of its
    settlement), owed to `payee_expr`."""
    base = frame.with_row_index("seq")
    payable = payee_expr(frame.columns)
    legs = []
    for line, (column, fund) in enumerate(SETTLEMENT_LINES):
        code = ACCOUNT_OF_FUND[fund].value if fund else pl.when(
            pl.col("scheme") == EMPLOYEE_SCHEME).then(
            pl.lit(ACCOUNT_OF_FUND[FUND_EMPLOYEE_POOL].value)).otherwise(
            pl.lit(ACCOUNT_OF_FUND[FUND_RESIDENT_POOL].value))
        legs.append(base.select("seq", pl.lit(line).alias("line"), "txn_id",
                                _key(code).alias("debit"), payable.alias("credit"),
                                pl.col(column).alias("amount_fen"), *keep))
    personal = _key(A.PERSONAL_ACCOUNT.value, pl.col("id_number"))
    legs.append(base.select("seq", pl.lit(len(SETTLEMENT_LINES)).alias("line"), "txn_id",
                            personal.alias("debit"), payable.alias("credit"),
                            pl.col("acct_pay").alias("amount_fen"), *keep))
    return _pairs(legs, keep)


def contribution_posting_frame(frame: pl.DataFrame, keep: Sequence[str] = (),
                               lines: Lines = CONTRIBUTION_LINES) -> pl.DataFrame:
    """`contribution_postings` over columns: one row per contribution with `txn_id, region,
    id_number, scheme` and each amount as `<field>_fen` → one row per posting
    (`POSTING_COLUMNS`, then the `keep` columns of its contribution). With `PREMIUM_LINES`
    (and the premium's `txn_id`): the premiums."""
    base = frame.with_row_index("seq")
    named = {"pool": _key(pl.when(pl.col("scheme") == "390").then(
        pl.lit(A.RESIDENT_POOL.value)).otherwise(pl.lit(A.EMPLOYEE_POOL.value))),
             "account": _key(A.PERSONAL_ACCOUNT.value, pl.col("id_number"))}

    def account(name: str) -> pl.Expr:
        if name in named:
            return named[name]
        code, _, holder = name.partition(SEPARATOR)
        return _key(code, pl.lit(holder) if holder else None)

    legs = [base.select("seq", pl.lit(line).alias("line"), "txn_id",
                        account(debit).alias("debit"), account(credit).alias("credit"),
                        pl.col(f"{field}_fen").alias("amount_fen"), *keep)
            for line, (debit, credit, field) in enumerate(lines)]
    return _pairs(legs, keep)


def event_posting_frame(frame: pl.DataFrame, lines: Lines, keep: Sequence[str] = ()
                        ) -> pl.DataFrame:
    """`event_postings` over columns: one row per event with `txn_id, region`, `holder` when a
    line names `code:*`, and each amount field in fen → one row per posting (`POSTING_COLUMNS`,
    then the `keep` columns of its event)."""
    base = frame.with_row_index("seq")

    def account(name: str) -> pl.Expr:
        code, _, holder = name.partition(SEPARATOR)
        if holder == ANY_HOLDER:
            return _key(code, pl.col("holder"))
        return _key(code, pl.lit(holder) if holder else None)

    legs = []
    for line, (debit, credit, field) in enumerate(lines):
        amount = pl.col(field) if field in frame.columns else pl.lit(0, pl.Int64)
        forward = amount >= 0
        legs.append(base.select(
            "seq", pl.lit(line).alias("line"), "txn_id",
            pl.when(forward).then(account(debit)).otherwise(account(credit)).alias("debit"),
            pl.when(forward).then(account(credit)).otherwise(account(debit)).alias("credit"),
            amount.abs().cast(pl.Int64).alias("amount_fen"), *keep))
    return _pairs(legs, keep)
