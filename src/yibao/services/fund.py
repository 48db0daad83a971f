"""Fund ledger use cases: balances by account, the ledger check and the fund analysis
(`yibao fund`)."""

from __future__ import annotations

import re
import threading
from calendar import monthrange
from collections import OrderedDict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Final

import polars as pl

from yibao.core.beijing import in_beijing
from yibao.fund.accounts import CHART
from yibao.fund.analysis import FUNDS, Analysis, analyse, fund_flows
from yibao.fund.checks import BalanceLine, LedgerReport, balance_line, check_ledger, summarise
from yibao.fund.thresholds import load_thresholds
from yibao.store import Store, default_store


def fund_balances(
    region: str | None = None, *, detail: bool = False, store: Store | None = None
) -> tuple[BalanceLine, ...]:
    """Balances from the running totals; holders added together unless `detail`."""
    store = store or default_store()
    with store.unit_of_work() as uow:
        stored = uow.ledger.stored_balances(region)
    lines = [balance_line(key, debit, credit) for key, (debit, credit) in stored.items()]
    if detail:
        return tuple(sorted(lines, key=lambda b: (b.region, b.code.value, b.holder)))
    return summarise(lines)


def check_fund_ledger(store: Store | None = None) -> LedgerReport:
    """Every transaction balances; every account's running total equals its postings."""
    store = store or default_store()
    with store.unit_of_work() as uow:
        sums = uow.ledger.transaction_sums()
        stored = uow.ledger.stored_balances()
        posted = uow.ledger.posted_balances()
        count = uow.ledger.posting_count()
    return check_ledger(sums, stored, posted, count)


class FundAnalysisError(ValueError):
    """A fund analysis that cannot be made (zh-CN message)."""


class NoFundPostings(FundAnalysisError):
    """The region has no fund posting up to the end of the year."""


REGION_PATTERN: Final = re.compile(r"^\d{6}$")
FIRST_YEAR: Final = 1998  # the employee scheme's founding year (国发〔1998〕44号)


#: Analyses kept in memory, by store, region, year, months, thresholds and the region's ledger
#: version (append-only: a new transaction makes a new key), so that the dashboard does not
#: regroup a large ledger on every load.
CACHED_ANALYSES: Final = 64
_ANALYSES: OrderedDict[tuple[object, ...], Analysis] = OrderedDict()
_LOCK = threading.Lock()


def analysed_months(year: int, today: date) -> int:
    """The months of `year` analysed on `today` (Beijing): all 12 of a year that is over, the
    months so far of the current one; a year not begun is refused."""
    if year < FIRST_YEAR or year > today.year:
        raise FundAnalysisError(f"年度 {year} 无法分析：应为 {FIRST_YEAR} 至 {today.year} 年")
    return 12 if year < today.year else today.month


def fund_analysis(region: str, year: int, *, thresholds: str | Path | None = None,
                  store: Store | None = None, today: date | None = None) -> Analysis:
    """The fund analysis of a region-year (docs/fund-analysis.md): each fund's months, the
    year's indicators and levels, and the warnings. `thresholds`: a thresholds file instead of
    the shipped one (`ThresholdsError` when it is bad)."""
    if not REGION_PATTERN.match(region):
        raise FundAnalysisError(f"统筹区编码应为 6 位数字：{region!r}")
    limits = load_thresholds(thresholds)
    today = today or in_beijing(datetime.now(UTC)).date()
    through = analysed_months(year, today)
    store = store or default_store()
    with store.unit_of_work(read_only=True) as uow:
        key = (store.url, region, year, through, limits, uow.ledger.ledger_version(region))
        with _LOCK:
            if key in _ANALYSES:
                _ANALYSES.move_to_end(key)
                return _ANALYSES[key]
        rows = uow.ledger.fund_sums_by_day(region, [f.value for f in FUNDS],
                                           date(year, through, monthrange(year, through)[1]))
    if not rows:
        raise NoFundPostings(f"统筹区 {region} 在 {year} 年及以前没有任何基金记账，无从分析")
    postings = pl.DataFrame(
        [(f"{d.year:04d}-{d.month:02d}", code, kind, side, fen)
         for d, code, kind, side, fen in rows],
        schema={"month": pl.Utf8, "code": pl.Utf8, "kind": pl.Utf8, "side": pl.Utf8,
                "amount_fen": pl.Int64}, orient="row")
    analysis = analyse(region, year, through, fund_flows(postings), limits)
    with _LOCK:
        _ANALYSES[key] = analysis
        while len(_ANALYSES) > CACHED_ANALYSES:
            _ANALYSES.popitem(last=False)
    return analysis


def fund_names() -> dict[str, str]:
    """The zh-CN name of each analysed fund, by account code."""
    return {code.value: CHART[code].name for code in FUNDS}
