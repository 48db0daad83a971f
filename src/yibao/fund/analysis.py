"""Fund operation analysis (基金运行分析): each fund's monthly income, expenditure and balance, the
year's current ratio (当期收支率) and months of payable balance (累计结余可支付月数), their levels
and the risk warnings (基金运行风险预警, facts/policy.md §6; docs/fund-analysis.md).

A fund is a ledger account code (`FUNDS`: the fund accounts and the personal accounts, summed over
their holders). What a fund account's posting is for the fund — income, expenditure or the balance
carried from earlier years — follows from its transaction's kind and its side (`COUNTS`,
docs/ledger.md "Kinds of transaction"): a credit is income and a debit expenditure, except that a
settlement, its reversal and the DRG clearing only ever move expenditure (a reversal's credit is
negative expenditure), and an opening transaction sets the opening balance. Whatever the kinds,
opening balance + income − expenditure is the fund's ledger balance.

`fund_flows` turns postings (`POSTING_INPUT`: month, account code, kind, side, fen) into per-fund,
per-month figures; `analyse` turns those into a year's `Analysis`. Money is integer fen; ratios and
months are exact quotients compared with the thresholds before being rounded half-up to four
places for display, so a level changes exactly at its threshold.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from fractions import Fraction
from types import MappingProxyType
from typing import Any, Final

import polars as pl

from yibao.core import labels
from yibao.core.checks import invariant
from yibao.core.money import RATIO_PLACES, fmt, from_fen
from yibao.fund.accounts import CHART, AccountCode, AccountKind
from yibao.fund.postings import Side, TxnKind
from yibao.fund.thresholds import Thresholds

#: The funds analysed, in chart order: every fund account and the personal accounts.
FUNDS: Final = tuple(code for code, spec in CHART.items()
                     if spec.kind is AccountKind.FUND or code is AccountCode.PERSONAL_ACCOUNT)
#: The funds graded and warned about: the personal accounts are the insured's own money (a
#: liability), so their months of payable balance is shown but not graded.
GRADED: Final = tuple(code for code in FUNDS if CHART[code].kind is AccountKind.FUND)
#: The columns `fund_flows` reads: the posting's month (`YYYY-MM`, its transaction's date in
#: Beijing time), its account code, its transaction's kind, its side and its amount in fen.
POSTING_INPUT: Final = ("month", "code", "kind", "side", "amount_fen")
#: The columns `fund_flows` returns, one row per fund and month with a posting.
FLOW_COLUMNS: Final = ("fund", "month", "income_fen", "expenditure_fen", "opening_fen")
RATIO_SCALE: Final = 10 ** RATIO_PLACES


class Role(StrEnum):
    """What a fund account's posting counts in."""

    INCOME = "income"
    EXPENDITURE = "expenditure"
    OPENING = "opening"


_FLOW: Final = MappingProxyType({Side.CREDIT: (Role.INCOME, 1), Side.DEBIT: (Role.EXPENDITURE, 1)})
_SPENDING: Final = MappingProxyType({Side.DEBIT: (Role.EXPENDITURE, 1),
                                     Side.CREDIT: (Role.EXPENDITURE, -1)})
_OPENING: Final = MappingProxyType({Side.CREDIT: (Role.OPENING, 1), Side.DEBIT: (Role.OPENING, -1)})
#: For each transaction kind and side: what a posting on a fund account counts in, with which
#: sign. Every kind is listed (a test holds it to `TxnKind`), so a new kind must be classified.
#: Receipts and payments (cash movements) touch no fund account; were they to, they would count
#: as flows, which keeps opening + income − expenditure equal to the balance.
COUNTS: Final[Mapping[TxnKind, Mapping[Side, tuple[Role, int]]]] = MappingProxyType({
    TxnKind.SETTLEMENT: _SPENDING,
    TxnKind.REVERSAL: _SPENDING,
    TxnKind.CLEARING: _SPENDING,
    TxnKind.CONTRIBUTION: _FLOW,
    TxnKind.FUNDING: _FLOW,
    TxnKind.PREMIUM: _FLOW,
    TxnKind.RECEIPT: _FLOW,
    TxnKind.PAYMENT: _FLOW,
    TxnKind.OPENING: _OPENING,
    # The repair of an overdrawn personal account (`fund.repair`): the credit back to zero is
    # the account's claim on the person (应收), income like a receipt; the overspend itself
    # stays the settlement's expenditure.
    TxnKind.OVERDRAFT: _FLOW,
    # Cross-region clearing touches no fund account (docs/offsite.md, "Clearing").
    TxnKind.OFFSITE_ADVANCE: _FLOW,
    TxnKind.OFFSITE_CLEARING: _FLOW,
    # 依申请救助: the assistance fund's grant to a person (expenditure).
    TxnKind.ASSIST_GRANT: _SPENDING,
})


class Level(StrEnum):
    """The levels of the indicators (facts/policy.md §6); zh-CN names in `core.labels`."""

    INSUFFICIENT = "insufficient"
    LOW = "low"
    REASONABLE = "reasonable"
    HIGH = "high"
    EXCESS = "excess"
    DEFICIT = "deficit"
    TREND = "trend"


class Indicator(StrEnum):
    MONTHS_PAYABLE = "months_payable"
    CURRENT_RATIO = "current_ratio"
    GROWTH = "growth"


def _count_frame() -> pl.DataFrame:
    rows = [(kind.value, side.value, role.value, sign)
            for kind, sides in COUNTS.items() for side, (role, sign) in sides.items()]
    return pl.DataFrame(rows, schema=["kind", "side", "role", "sign"], orient="row")


def fund_flows(postings: pl.DataFrame) -> pl.DataFrame:
    """Per fund and month: income, expenditure and opening balance in fen (`FLOW_COLUMNS`), from
    postings with `POSTING_INPUT` columns (one row per posting, or already summed per month, code,
    kind and side). Postings on accounts that are not funds (`FUNDS`) are left out."""
    invariant(set(POSTING_INPUT) <= set(postings.columns), "posting columns", postings.columns)
    funds = [code.value for code in FUNDS]
    mine = postings.select(
        pl.col("month").cast(pl.Utf8), pl.col("code").cast(pl.Utf8), pl.col("kind").cast(pl.Utf8),
        pl.col("side").cast(pl.Utf8), pl.col("amount_fen").cast(pl.Int64),
    ).filter(pl.col("code").is_in(funds))
    counted = mine.join(_count_frame(), on=["kind", "side"], how="left")
    unknown = counted.filter(pl.col("role").is_null())
    invariant(unknown.height == 0, "posting of an unclassified kind or side",
              unknown.select("kind", "side").unique().rows())
    signed = pl.col("amount_fen") * pl.col("sign")
    summed = counted.group_by("code", "month").agg(
        *(signed.filter(pl.col("role") == role.value).sum().alias(f"{role.value}_fen")
          for role in Role))
    order = pl.DataFrame({"code": funds, "rank": list(range(len(funds)))})
    return (summed.join(order, on="code").sort("rank", "month")
            .select(pl.col("code").alias("fund"), "month", "income_fen", "expenditure_fen",
                    "opening_fen"))


def postings_with_code(postings: pl.DataFrame) -> pl.DataFrame:
    """Posting rows with `account_key` (`region:code[:holder]`, as `fund.events` makes them)
    given the `code` column `fund_flows` reads."""
    return postings.with_columns(pl.col("account_key").str.split(":").list.get(1).alias("code"))


def contribution_day(year: int, today: date | None) -> date:
    """The day a contribution for `year` is booked on: `today` when it falls in that year;
    else (posted before the year, in the collection period, or afterwards, or by the year job,
    `today` None) the first day of the year it finances."""
    return today if today is not None and today.year == year else date(year, 1, 1)


# ---------- the figures of one year ----------

@dataclass(frozen=True, slots=True)
class FundMonth:
    month: str  # YYYY-MM
    income_fen: int
    expenditure_fen: int
    balance_fen: int  # closing balance at the month's end


@dataclass(frozen=True, slots=True)
class FundYear:
    income_fen: int
    expenditure_fen: int
    balance_open_fen: int
    balance_close_fen: int
    current_ratio: Fraction | None  # expenditure ÷ income; None without income
    months_payable: Fraction | None  # None without expenditure in the window
    #: Of the months payable; without expenditure in the window: insufficient when the balance
    #: is negative, else None; None for ungraded funds.
    level: Level | None


@dataclass(frozen=True, slots=True)
class FundWarning:
    fund: AccountCode
    indicator: Indicator
    value: Fraction | None
    level: Level
    message: str


@dataclass(frozen=True, slots=True)
class FundFigures:
    fund: AccountCode
    months: tuple[FundMonth, ...]
    year: FundYear


@dataclass(frozen=True, slots=True)
class Analysis:
    region: str
    year: int
    through: int  # the last month analysed (12 for a year that is over)
    funds: tuple[FundFigures, ...]
    warnings: tuple[FundWarning, ...]

    def to_json(self) -> dict[str, Any]:
        """The document of `yibao fund analyze --json` and the bureau API (docs/fund-analysis.md):
        money as strings with two decimals, ratios and months with four."""
        return {
            "region": self.region, "year": self.year,
            "funds": {f.fund.value: {
                "months": [{"month": m.month, "income": money(m.income_fen),
                            "expenditure": money(m.expenditure_fen),
                            "balance": money(m.balance_fen)} for m in f.months],
                "year": {"income": money(f.year.income_fen),
                         "expenditure": money(f.year.expenditure_fen),
                         "balance_open": money(f.year.balance_open_fen),
                         "balance_close": money(f.year.balance_close_fen),
                         "current_ratio": ratio_text(f.year.current_ratio),
                         "months_payable": ratio_text(f.year.months_payable),
                         "level": f.year.level.value if f.year.level else None},
            } for f in self.funds},
            "warnings": [{"fund": w.fund.value, "indicator": w.indicator.value,
                          "value": ratio_text(w.value), "level": w.level.value,
                          "message": w.message} for w in self.warnings],
        }


def money(fen: int) -> str:
    """Yuan with two decimals."""
    return fmt(from_fen(fen))


def ratio_text(value: Fraction | None) -> str | None:
    """A ratio or a number of months with four decimals, rounded half-up (away from zero) from
    the exact quotient; None stays None."""
    if value is None:
        return None
    scaled = abs(value) * RATIO_SCALE
    rounded = math.floor(scaled + Fraction(1, 2))
    whole, part = divmod(rounded, RATIO_SCALE)
    sign = "-" if value < 0 and rounded else ""
    return f"{sign}{whole}.{part:0{RATIO_PLACES}d}"


def current_ratio(income_fen: int, expenditure_fen: int) -> Fraction | None:
    """当期收支率 = expenditure ÷ income; None when there is no income."""
    return Fraction(expenditure_fen, income_fen) if income_fen > 0 else None


def months_payable(balance_fen: int, window_expenditure_fen: int, window_months: int
                   ) -> Fraction | None:
    """累计结余可支付月数 = balance ÷ (expenditure of the window ÷ its months); None when the
    window has no expenditure."""
    invariant(window_months > 0, "a window of at least one month", window_months)
    if window_expenditure_fen <= 0:
        return None
    return Fraction(balance_fen * window_months, window_expenditure_fen)


def months_level(months: Fraction, t: Thresholds) -> Level:
    """< insufficient_below: insufficient; < low_below: low; ≤ reasonable_up_to: reasonable;
    ≤ high_up_to: high; above: excess (facts/policy.md §6: 6–9 months reasonable)."""
    if months < Fraction(t.insufficient_below):
        return Level.INSUFFICIENT
    if months < Fraction(t.low_below):
        return Level.LOW
    if months <= Fraction(t.reasonable_up_to):
        return Level.REASONABLE
    if months <= Fraction(t.high_up_to):
        return Level.HIGH
    return Level.EXCESS


def is_deficit(income_fen: int, expenditure_fen: int, t: Thresholds) -> bool:
    """Expenditure above `deficit_above` × income (with no income, any expenditure)."""
    return Fraction(expenditure_fen) > Fraction(t.deficit_above) * income_fen


def faster_growth(income: Sequence[int], expenditure: Sequence[int]) -> bool:
    """Expenditure grew faster than income from the first period to the second:
    E₁ ÷ E₀ > I₁ ÷ I₀, compared as E₁ × I₀ > I₁ × E₀ (needs I₀, E₀ > 0)."""
    (i0, i1), (e0, e1) = income, expenditure
    return i0 > 0 and e0 > 0 and e1 * i0 > i1 * e0


def _month(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def _window(year: int, through: int) -> list[str]:
    """The 12 months ending with `through` of `year`."""
    index = year * 12 + through - 1
    return [_month(i // 12, i % 12 + 1) for i in range(index - 11, index + 1)]


@dataclass(frozen=True, slots=True)
class _Sums:
    income: dict[str, int]
    expenditure: dict[str, int]
    opening: dict[str, int]


def _sums(flows: pl.DataFrame, fund: AccountCode) -> _Sums:
    rows = flows.filter(pl.col("fund") == fund.value).select(
        "month", "income_fen", "expenditure_fen", "opening_fen").rows()
    return _Sums({r[0]: int(r[1]) for r in rows}, {r[0]: int(r[2]) for r in rows},
                 {r[0]: int(r[3]) for r in rows})


def _fund_year(fund: AccountCode, s: _Sums, year: int, through: int, first: str,
               t: Thresholds) -> FundFigures:
    start, end = _month(year, 1), _month(year, through)
    months = sorted(set(s.income) | set(s.expenditure) | set(s.opening))
    before = sum(s.opening.get(m, 0) + s.income.get(m, 0) - s.expenditure.get(m, 0)
                 for m in months if m < start)
    opening = before + sum(s.opening.get(m, 0) for m in months if start <= m <= end)
    balance, rows = opening, []
    for m in range(1, through + 1):
        key = _month(year, m)
        income, spent = s.income.get(key, 0), s.expenditure.get(key, 0)
        balance += income - spent
        rows.append(FundMonth(key, income, spent, balance))
    income = sum(r.income_fen for r in rows)
    spent = sum(r.expenditure_fen for r in rows)
    window = [m for m in _window(year, through) if m >= first]
    payable = months_payable(balance, sum(s.expenditure.get(m, 0) for m in window),
                             max(len(window), 1))
    level = None
    if fund in GRADED:  # a negative balance is insufficient even with nothing spent lately
        level = months_level(payable, t) if payable is not None else (
            Level.INSUFFICIENT if balance < 0 else None)
    return FundFigures(fund, tuple(rows), FundYear(
        income, spent, opening, balance, current_ratio(income, spent), payable, level))


def _year_totals(s: _Sums, year: int, through: int) -> tuple[int, int]:
    """(income, expenditure) of months 1..`through` of `year`: like is compared with like."""
    keys = [_month(year, m) for m in range(1, through + 1)]
    return sum(s.income.get(k, 0) for k in keys), sum(s.expenditure.get(k, 0) for k in keys)


def _trend(s: _Sums, year: int, through: int, years: int) -> tuple[Fraction, Fraction] | None:
    """(expenditure growth, income growth) of `year` when expenditure grew faster than income in
    each of the last `years` years (each over months 1..`through`), else None."""
    totals = [_year_totals(s, y, through) for y in range(year - years, year + 1)]
    pairs = list(itertools.pairwise(totals))
    if not all(faster_growth((a[0], b[0]), (a[1], b[1])) for a, b in pairs):
        return None
    (i0, e0), (i1, e1) = totals[-2], totals[-1]
    return Fraction(e1, e0) - 1, Fraction(i1, i0) - 1


def _warnings(f: FundFigures, s: _Sums, year: int, through: int, t: Thresholds
              ) -> list[FundWarning]:
    y, name = f.year, CHART[f.fund].name
    out: list[FundWarning] = []
    if y.level is not None and y.level is not Level.REASONABLE:
        out.append(FundWarning(f.fund, Indicator.MONTHS_PAYABLE, y.months_payable, y.level,
                           labels.fund_months_message(
                               name, ratio_text(y.months_payable), y.level.value,
                               money(y.balance_close_fen), str(t.low_below),
                               str(t.reasonable_up_to))))
    if is_deficit(y.income_fen, y.expenditure_fen, t):
        out.append(FundWarning(f.fund, Indicator.CURRENT_RATIO, y.current_ratio, Level.DEFICIT,
                           labels.fund_deficit_message(
                               name, ratio_text(y.current_ratio), money(y.income_fen),
                               money(y.expenditure_fen))))
    growth = _trend(s, year, through, t.trend_years)
    if growth is not None:
        spent, earned = growth
        out.append(FundWarning(f.fund, Indicator.GROWTH, spent - earned, Level.TREND,
                           labels.fund_trend_message(name, t.trend_years, year,
                                                     ratio_text(spent) or "",
                                                     ratio_text(earned) or "")))
    return out


def analyse(region: str, year: int, through: int, flows: pl.DataFrame, t: Thresholds
            ) -> Analysis:
    """The analysis of months 1..`through` of `year` from `fund_flows` output covering that
    year and the years before it (for the opening balance, the 12-month window and the trend).
    The window of the months payable starts no earlier than the first month with a posting."""
    invariant(1 <= through <= 12, "the last month analysed", through)
    invariant(tuple(flows.columns) == FLOW_COLUMNS, "flow columns", flows.columns)
    end = _month(year, through)
    flows = flows.filter(pl.col("month") <= end)
    first = str(flows["month"].min()) if flows.height else _month(year, 1)
    figures, warnings = [], []
    for fund in FUNDS:
        s = _sums(flows, fund)
        f = _fund_year(fund, s, year, through, first, t)
        figures.append(f)
        if fund in GRADED:
            warnings += _warnings(f, s, year, through, t)
    return Analysis(region, year, through, tuple(figures), tuple(warnings))


def year_figures(flows: pl.DataFrame, year: int) -> dict[AccountCode, tuple[int, int]]:
    """(income, expenditure) fen of each fund over the whole `year`, from `fund_flows` output:
    the definition `fund analyze` reports as the year's income and expenditure."""
    rows = flows.filter(pl.col("month").str.starts_with(f"{year:04d}-"))
    out: dict[AccountCode, tuple[int, int]] = {}
    for fund in FUNDS:
        mine = rows.filter(pl.col("fund") == fund.value)
        out[fund] = (int(mine["income_fen"].sum()), int(mine["expenditure_fen"].sum()))
    return out

