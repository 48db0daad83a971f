"""The bureau's read use cases (经办、稽核、基金财务、局领导): persons, enrollments, settlements
with their trace, fund balances, audit cases, DRG results and indicators — each limited to the
reader's regional scope and role.

A region outside the reader's scope is refused (`out_of_scope`); a single record outside it is
reported as not found, so its existence is not revealed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final

from yibao.core.beijing import beijing_text
from yibao.core.money import fmt, from_fen
from yibao.indicators.aggregate import RATIOS, ratios_from_parts
from yibao.services.accounts import Principal, scope_prefix, write_log
from yibao.services.dashboard import read_parts
from yibao.services.fund import (
    FundAnalysisError,
    NoFundPostings,
    fund_analysis,
    fund_balances,
)
from yibao.services.views import (
    DrgItem,
    EnrollmentItem,
    FundBalanceItem,
    Indicators,
    MedTypeTotals,
    PersonDetail,
    PersonEnrollment,
    PersonItem,
    SettlementDetail,
    SettlementItem,
    WriteLogItem,
)
from yibao.store import Store, default_store
from yibao.store.uow import UnitOfWork

PAGE_SIZE_MAX: Final = 500
INPATIENT: Final = "21"  # med_type of an inpatient stay (住院)
PERMISSIONS: Final[dict[str, frozenset[str]]] = {
    "persons": frozenset({"handler", "auditor", "director", "admin"}),
    "enrollments": frozenset({"handler", "auditor", "director", "admin"}),
    "settlements": frozenset({"handler", "auditor", "finance", "director", "admin"}),
    "funds": frozenset({"finance", "director", "admin"}),
    # Handlers (经办) do the first review (初审) of suspicious items in the national workflow
    # 初审 → 复审 → 申诉 → 调查核实 → 违规处理 (facts/audit.md §1.3); auditors the rest.
    "audit": frozenset({"handler", "auditor", "director", "admin"}),
    # Who works cases (moves them): handlers and auditors; administrators manage users, not
    # cases. A recovery above the hit's amount needs a second person with the auditor role (复审).
    "case_moves": frozenset({"handler", "auditor"}),
    "case_approve": frozenset({"auditor"}),
    "drg": frozenset({"handler", "auditor", "finance", "director", "admin"}),
    "indicators": frozenset({"handler", "auditor", "finance", "director", "admin"}),
    "write_log": frozenset({"admin"}),
}


class ReadRefusal(StrEnum):
    FORBIDDEN = "forbidden"
    OUT_OF_SCOPE = "out_of_scope"
    NOT_FOUND = "not_found"
    INVALID = "invalid"


@dataclass(frozen=True, slots=True)
class Refused:
    reason: ReadRefusal
    message: str


@dataclass(frozen=True, slots=True)
class Page:
    total: int
    limit: int
    offset: int
    items: Sequence[Mapping[str, Any]]
    note: str = ""


@dataclass(frozen=True, slots=True)
class Query:
    """Pagination and filters of a list; `region` must lie in the reader's scope."""

    limit: int = 50
    offset: int = 0
    filters: Mapping[str, Any] = field(default_factory=dict)


def _allowed(who: Principal, what: str, region: str | None) -> Refused | None:
    if who.role not in PERMISSIONS[what]:
        return Refused(ReadRefusal.FORBIDDEN, f"角色 {who.role} 无权查看此类数据")
    if region is not None and not who.sees(region):
        return Refused(ReadRefusal.OUT_OF_SCOPE,
                       f"区划 {region} 不在您的管辖范围（{who.region}）内")
    return None


#: The role and scope check of the reads, for the other read services (the clearing's).
allowed = _allowed


def _money(row: Any, *names: str) -> dict[str, str]:
    return {name: fmt(from_fen(getattr(row, f"{name}_fen"))) for name in names}


def _listed(who: Principal, what: str, query: Query, store: Store | None,
            read: Callable[[UnitOfWork, str, Mapping[str, Any], int, int], tuple[int, list[Any]]],
            shape: Callable[[Any], Mapping[str, Any]]) -> Page | Refused:
    filters = {k: v for k, v in query.filters.items() if v is not None}
    refused = _allowed(who, what, filters.get("region"))
    if refused is not None:
        return refused
    limit = max(1, min(query.limit, PAGE_SIZE_MAX))
    with (store or default_store()).unit_of_work(read_only=True) as work:
        total, rows = read(work, scope_prefix(who.region), filters, limit, query.offset)
    return Page(total, limit, query.offset, [shape(r) for r in rows])


def _person(row: Any) -> PersonItem:
    return PersonItem(row.id_number, row.name, row.birth_date, row.sex, row.region,
                      row.household_id, tuple(g for g in row.groups.split(",") if g),
                      bool(row.civil_servant))


def list_persons(who: Principal, query: Query, *, store: Store | None = None) -> Page | Refused:
    return _listed(who, "persons", query, store, lambda w, p, f, lim, off: w.reads.persons(
        p if f.get("region") is None else f["region"], f.get("name"), lim, off), _person)


def _enrollment(row: Any) -> EnrollmentItem:
    wage = None if row.wage_base_fen is None else fmt(from_fen(row.wage_base_fen))
    return EnrollmentItem(row.id_number, row.scheme, row.region, row.year, row.status,
                          row.psn_type, row.start_date, row.benefit_start, row.waiting_months,
                          row.employer_code, wage)


def get_person(who: Principal, id_number: str, *, store: Store | None = None
               ) -> PersonDetail | Refused:
    refused = _allowed(who, "persons", None)
    if refused is not None:
        return refused
    with (store or default_store()).unit_of_work() as uow:
        person, enrollments = uow.registry.person_and_enrollments(id_number)
    if person is None or not (who.sees(person.region) or any(who.sees(e.region)
                                                            for e in enrollments)):
        return Refused(ReadRefusal.NOT_FOUND, f"没有参保人 {id_number}（或不在管辖范围内）")
    return PersonDetail(
        person.id_number, person.name, person.birth_date, person.sex, person.region,
        person.household_id, tuple(sorted(person.groups)), person.civil_servant,
        tuple(PersonEnrollment(e.scheme, e.region, e.year, e.status.value, e.psn_type,
                               e.start_date, e.benefit_start)
              for e in enrollments if who.sees(e.region)))


def list_enrollments(who: Principal, query: Query, *, store: Store | None = None
                     ) -> Page | Refused:
    return _listed(who, "enrollments", query, store,
                   lambda w, p, f, lim, off: w.reads.enrollments(p, f, lim, off), _enrollment)


def _settlement(row: Any) -> SettlementItem:
    return SettlementItem(
        row.setl_id, row.mdtrt_id, row.fixmedins_code, row.id_number, row.scheme, row.region,
        row.year, row.med_type, row.commit_seq,
        **_money(row, "medfee_sumamt", "fund_pay_sumamt", "acct_pay", "psn_cash_pay"),
        created_at=row.created_at, reversal_id=row.reversal_id,
        setl_time=beijing_text(row.created_at))


def list_settlements(who: Principal, query: Query, *, store: Store | None = None
                     ) -> Page | Refused:
    return _listed(who, "settlements", query, store,
                   lambda w, p, f, lim, off: w.reads.settlements(p, f, lim, off), _settlement)


def get_settlement(who: Principal, setl_id: str, *, store: Store | None = None
                   ) -> SettlementDetail | Refused:
    """One settlement: the engine's document with its `setldetail` trace, and the request."""
    refused = _allowed(who, "settlements", None)
    if refused is not None:
        return refused
    with (store or default_store()).unit_of_work() as uow:
        stored = uow.settlements.by_setl_id(setl_id)
    if stored is None or not who.sees(stored.region):
        return Refused(ReadRefusal.NOT_FOUND, f"没有结算 {setl_id}（或不在管辖范围内）")
    return SettlementDetail(
        stored.setl_id, stored.fixmedins_code, stored.mdtrt_id, stored.region, stored.year,
        stored.commit_seq, stored.reversal_id, beijing_text(stored.created_at),
        json.loads(stored.result_json, parse_float=Decimal),
        json.loads(stored.ytd_before_json, parse_float=Decimal))


def list_fund_balances(who: Principal, region: str | None, *, store: Store | None = None
                       ) -> Page | Refused:
    refused = _allowed(who, "funds", region)
    if refused is not None:
        return refused
    lines = [b for b in fund_balances(region, store=store) if who.sees(b.region)]
    items = [FundBalanceItem(b.region, b.code.value, b.holder, fmt(from_fen(b.debit_fen)),
                             fmt(from_fen(b.credit_fen)), fmt(from_fen(b.balance_fen)))
             for b in lines]
    return Page(len(items), len(items), 0, items)


def fund_analysis_of(who: Principal, region: str, year: int, *, store: Store | None = None
                     ) -> dict[str, Any] | Refused:
    """The fund analysis of a region in the reader's scope (`yibao fund analyze --json`'s
    document); finance staff, directors and administrators."""
    refused = _allowed(who, "funds", region)
    if refused is not None:
        return refused
    try:
        return fund_analysis(region, year, store=store).to_json()
    except NoFundPostings as error:
        return Refused(ReadRefusal.NOT_FOUND, str(error))
    except FundAnalysisError as error:
        return Refused(ReadRefusal.INVALID, str(error))


#: The regions of a scope whose warnings the dashboard shows (a province has ~180 counties).
WARNING_REGIONS_MAX: Final = 200


def fund_warnings_in_scope(who: Principal, *, store: Store | None = None
                           ) -> list[dict[str, Any]] | None:
    """The fund warnings of each region in the reader's scope with fund postings, for the latest
    year it has postings in: `{"region", "year", "warnings"}` (warnings as in `fund analyze`);
    None for a role that does not read the funds."""
    if _allowed(who, "funds", None) is not None:
        return None
    store = store or default_store()
    with store.unit_of_work(read_only=True) as work:
        years = work.ledger.latest_booked_years(scope_prefix(who.region))
    out = []
    for region, year in years[:WARNING_REGIONS_MAX]:
        try:
            doc = fund_analysis(region, year, store=store).to_json()
        except FundAnalysisError:
            continue  # a year not begun (postings dated ahead), or none on fund accounts
        out.append({"region": region, "year": year, "warnings": doc["warnings"]})
    return out


def _drg(row: Any) -> DrgItem:
    return DrgItem(row.setl_id, row.mdtrt_id, row.fixmedins_code, row.region, row.year,
                   row.mdc, row.adrg, row.drg, row.status, tuple(json.loads(row.trace_json)),
                   row.created_at, row.payment_method)


def list_drg_results(who: Principal, query: Query, *, store: Store | None = None
                     ) -> Page | Refused:
    return _listed(who, "drg", query, store,
                   lambda w, p, f, lim, off: w.reads.drg_results(p, f, lim, off), _drg)


def indicators(who: Principal, year: int, region: str | None = None, *,
               store: Store | None = None) -> Indicators | Refused:
    """Settlement indicators of a year in the scope (or one region of it), reversals left out:
    counts and amounts by `med_type`, and the plan's ratios of the year report recomputed from
    the inpatient settlements (`indicators.aggregate.ratios_from_parts`: in-policy ratios of
    each scheme, the key groups' assistance ratio and the share of inpatient cost paid by DRG
    and other non-itemised methods); None when the year has no inpatient settlement."""
    refused = _allowed(who, "indicators", region)
    if refused is not None:
        return refused
    prefix = region if region is not None else scope_prefix(who.region)
    with (store or default_store()).unit_of_work(read_only=True) as work:
        rows = work.reads.settlement_totals(prefix, year)
        parts = read_parts(work, prefix, year)
    ratios = ratios_from_parts(parts) if parts else {}
    return Indicators(
        year, prefix or "全部",
        tuple(MedTypeTotals(r[0], int(r[1]), *(fmt(from_fen(int(v or 0))) for v in r[2:6]))
              for r in rows),
        *(None if ratios.get(k) is None else str(ratios[k]) for k in RATIOS))


def write_log_page(who: Principal, query: Query, *, store: Store | None = None
                   ) -> Page | Refused:
    """The write log (操作日志), newest first, of the writes in the reader's scope (a county
    sees its county, a city its counties): administrators only."""
    refused = _allowed(who, "write_log", None)
    if refused is not None:
        return refused
    limit = max(1, min(query.limit, PAGE_SIZE_MAX))
    total, entries = write_log(limit, query.offset, prefix=scope_prefix(who.region),
                               store=store)
    return Page(total, limit, query.offset, [
        WriteLogItem(e.at, e.actor, e.action, e.target, json.loads(e.detail), e.region)
        for e in entries])
