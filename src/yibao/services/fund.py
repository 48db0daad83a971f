"""Fund ledger use cases: balances by account, the ledger check, the fund analysis and the
repair of personal accounts overdrawn before migration 0005 (`yibao fund`)."""

from __future__ import annotations

import json
import threading
from calendar import monthrange
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Final

import polars as pl

from yibao.core.beijing import in_beijing
from yibao.core.codes import REGION_CODE
from yibao.core.money import fmt, from_fen
from yibao.fund.accounts import CHART, AccountCode
from yibao.fund.analysis import FUNDS, Analysis, analyse, fund_flows
from yibao.fund.checks import BalanceLine, LedgerReport, balance_line, check_ledger, summarise
from yibao.fund.postings import PostingSet
from yibao.fund.repair import Overdraft, overdraft_repair, overdrafts
from yibao.fund.thresholds import load_thresholds
from yibao.store import Store, default_store
from yibao.store.accounts import WriteEntry
from yibao.store.ledger import shard_of
from yibao.store.uow import UnitOfWork


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


def post_entry(uow: UnitOfWork, entry: PostingSet, holder: str, now: datetime,
               booked_on: date | None = None) -> None:
    """Post one transaction in `uow`: its accounts, the transaction, its postings and the
    running totals (in the shard of `holder`, the person or institution it concerns), booked on
    `booked_on` (default: the Beijing day of `now`)."""
    uow.ledger.ensure_accounts(p.account for p in entry.postings)
    uow.ledger.add_transaction(entry, now, booked_on)
    uow.ledger.add_postings([entry])
    uow.balances.apply([(entry, shard_of(holder))])


# ---------- repairing overdrawn personal accounts ----------

#: A region code as `--region` takes it.
REGION: Final = REGION_CODE


@dataclass(frozen=True, slots=True)
class Repaired:
    """One overdrawn personal account and the transaction that repairs it (posted or not)."""

    account: str
    holder: str
    amount_fen: int
    txn_id: str


@dataclass(frozen=True, slots=True)
class RepairRefused:
    message: str


def repair_overdrafts(region: str, *, actor: str, commit: bool = False,
                      store: Store | None = None) -> list[Repaired] | RepairRefused:
    """The overdrawn personal accounts of `region` (before migration 0005 a double spend could
    leave one below zero) and, with `commit`, one correcting transaction each
    (`yibao.fund.repair`), posted under the accounts' locks with a write-log row that names the
    account, the amount and the transaction (`yibao fund repair`)."""
    if not REGION.fullmatch(region):
        return RepairRefused(f"统筹区代码 {region!r} 有误：应为 6 位数字的行政区划代码")

    def work(uow: UnitOfWork) -> list[Repaired]:
        found = overdrafts({k: v for k, v in uow.ledger.stored_balances(region).items()
                            if f":{AccountCode.PERSONAL_ACCOUNT.value}:" in k})
        done = []
        for seen in found:
            if commit:  # read again under the lock: the amount posted is the one locked
                seen = Overdraft(seen.account, *uow.ledger.locked_balance(seen.account))
                if seen.amount_fen <= 0:
                    continue
            entry = overdraft_repair(seen)
            done.append(Repaired(seen.account.text, seen.account.holder, seen.amount_fen,
                                 entry.txn_id))
            if commit:
                now = datetime.now(UTC)
                post_entry(uow, entry, seen.account.holder, now)
                uow.accounts.log(WriteEntry(now, actor, "fund.repair", seen.account.text,
                                            json.dumps({"txn_id": entry.txn_id,
                                                        "amount": fmt(from_fen(seen.amount_fen)),
                                                        "debit_fen": seen.debit_fen,
                                                        "credit_fen": seen.credit_fen},
                                                       sort_keys=True), region))
        if commit:
            uow.commit()
        return done

    return (store or default_store()).transaction(work)


class FundAnalysisError(ValueError):
    """A fund analysis that cannot be made (zh-CN message)."""


class NoFundPostings(FundAnalysisError):
    """The region has no fund posting up to the end of the year."""


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
    if not REGION.fullmatch(region):
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
