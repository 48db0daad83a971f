"""The audit work queue (稽核工作队列): cases opened from the rule hits of the batch analysis
(`yibao audit`, 事后) over a region-year's stored settlements, listed and moved through the
pure state machine of `yibao.supervise.cases` with who and when, in the reader's scope.

A case is one rule on one visit; its id is derived from region, year, rule and visit, so running
the analysis again opens only new cases. Confirming a case posts the recovery (追回) of the
confirmed amount to the fund ledger; dismissing it after an appeal posts the mirror (退回).
Every move is recorded in the case's trail and in the write log. Separation of duties: only the
roles of `PERMISSIONS["case_moves"]` move cases; the domain refuses a confirmation by the person
who opened the review, and a recovery above the hit's amount unless the confirming person's role
is in `PERMISSIONS["case_approve"]` (复审).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final

from yibao.core.labels import CASE_STATE
from yibao.core.money import fmt, from_fen, parse_amount, to_fen
from yibao.fund.postings import PostingSet, reversal_of
from yibao.services.accounts import Principal, scope_prefix
from yibao.services.bureau import PAGE_SIZE_MAX, PERMISSIONS, Page, Query, ReadRefusal, Refused
from yibao.services.views import CaseDetail, CaseEvent, CaseItem
from yibao.store import Store, default_store
from yibao.store.accounts import WriteEntry
from yibao.store.cases import CaseRow, EventRow, SettledVisit
from yibao.store.ledger import shard_of
from yibao.store.uow import UnitOfWork
from yibao.supervise import cases as machine
from yibao.supervise.load import load_rules
from yibao.supervise.model import Hit, Line, Rule, RuleBase, Visit

#: Settlements read for one batch run, and cases opened by one run.
VISITS_MAX: Final = 200_000
CASES_MAX: Final = 50_000
NOTE_MAX: Final = 500
KIND_OF_MED_TYPE: Final = {"11": "outpatient", "14": "chronic", "21": "inpatient"}
STATE_NAMES: Final = CASE_STATE


class MoveRefusal(StrEnum):
    """Why a move is refused, in order of precedence."""

    INVALID = "invalid"
    NOT_ALLOWED = "not_allowed"
    TRAIL_FULL = "trail_full"
    AMOUNT_NEEDED = "amount_needed"
    AMOUNT_TOO_LARGE = "amount_too_large"
    SAME_PERSON = "same_person"
    SECOND_REVIEW_NEEDED = "second_review_needed"
    CONFLICT = "conflict"


@dataclass(frozen=True, slots=True)
class MoveRefused:
    reason: MoveRefusal
    message: str


@dataclass(frozen=True, slots=True)
class Opened:
    """What one analysis run did: hits found, cases opened, cases already open."""

    hits: int
    opened: int
    existing: int


def case_id_of(region: str, year: int, rule_id: str, mdtrt_id: str) -> str:
    digest = hashlib.sha256(f"{region}|{year}|{rule_id}|{mdtrt_id}".encode()).hexdigest()
    return "AC" + digest[:20].upper()


# ---------- the batch rules over stored settlements ----------

def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _line(position: int, raw: dict[str, Any]) -> Line:
    cnt, pric = Decimal(str(raw["cnt"])), Decimal(str(raw["pric"]))
    sn = str(raw.get("feedetl_sn", position))
    return Line(int(sn) if sn.isdigit() else position, str(raw["hilist_code"]),
                int(cnt * 10_000), int(pric * 1_000_000), to_fen(cnt * pric))


def rule_facts(stored: SettledVisit) -> tuple[Visit, tuple[Line, ...]]:
    """The facts the rules read, from a stored settlement's request document."""
    doc = json.loads(stored.request_json)
    visit = doc["visit"]
    begin, end = date.fromisoformat(visit["begndate"]), date.fromisoformat(visit["enddate"])
    lines = tuple(_line(i + 1, raw) for i, raw in enumerate(doc.get("fees", ())))
    return Visit(stored.mdtrt_id, stored.id_number, stored.fixmedins_code, stored.hosp_lv,
                 KIND_OF_MED_TYPE.get(str(visit.get("med_type")), ""), stored.scheme, "local",
                 begin, end, max(0, (end - begin).days), sum(x.fee_fen for x in lines),
                 str(visit.get("chfpdr_code", "")), stored.sex, _age(stored.birth_date, end),
                 None, str(visit.get("pdx", ""))), lines


def batch_hits_of(visits: Sequence[SettledVisit], base: RuleBase) -> list[Hit]:
    """Every hit of the rule base over the visits (the `yibao audit` batch engine)."""
    from yibao.services.audit import batch_hits, claims_of

    if not visits:
        return []
    facts = [rule_facts(v) for v in visits]
    claims = claims_of([f[0] for f in facts], {f[0].mdtrt_id: list(f[1]) for f in facts}, {})
    frame = batch_hits(base, claims)
    return [Hit(str(r), str(m), int(s)) for r, m, s in
            frame.select("rule_id", "mdtrt_id", "feedetl_sn").iter_rows()]


def _evidence(rule: Rule, stored: SettledVisit, sns: set[int]) -> tuple[int, str]:
    doc = json.loads(stored.request_json)
    _visit, lines = rule_facts(stored)
    hit_lines = [x for x in lines if x.feedetl_sn in sns]
    amount = sum(x.fee_fen for x in hit_lines) if hit_lines else sum(x.fee_fen for x in lines)
    evidence = {
        "rule": {"id": rule.id, "name": rule.name, "category": rule.category,
                 "result": rule.result, "severity": rule.severity, "message": rule.message,
                 "source": rule.source},
        "visit": doc["visit"], "setl_id": stored.setl_id,
        "lines": [{"feedetl_sn": x.feedetl_sn, "hilist_code": x.hilist_code,
                   "fee": fmt(from_fen(x.fee_fen))} for x in hit_lines],
        "visit_level": not hit_lines}
    return amount, json.dumps(evidence, ensure_ascii=False, sort_keys=True)


def _new_cases(region: str, year: int, hits: Iterable[Hit], visits: Sequence[SettledVisit],
               base: RuleBase, actor: str, now: datetime) -> list[CaseRow]:
    by_visit = {v.mdtrt_id: v for v in visits}
    grouped: dict[tuple[str, str], set[int]] = {}
    for hit in hits:
        if hit.mdtrt_id in by_visit and hit.feedetl_sn >= 0:
            grouped.setdefault((hit.rule_id, hit.mdtrt_id), set()).add(hit.feedetl_sn)
    rows = []
    for (rule_id, mdtrt_id), sns in sorted(grouped.items())[:CASES_MAX]:
        rule, stored = base.by_id(rule_id), by_visit[mdtrt_id]
        amount, evidence = _evidence(rule, stored, sns)
        rows.append(CaseRow(case_id_of(region, year, rule_id, mdtrt_id), region, year, rule_id,
                            rule.name[:128], mdtrt_id, stored.setl_id, stored.fixmedins_code,
                            stored.id_number, "", stored.scheme, amount, machine.State.NEW.value,
                            evidence, None, None, now, actor))
    return rows


def open_cases(region: str, year: int, *, actor: str, hits: Sequence[Hit] | None = None,
               base: RuleBase | None = None, store: Store | None = None) -> Opened:
    """Open a case for each (rule, visit) hit on the region-year's settlements: the hits given,
    or those the batch rules find (`hits=None`). Cases already open are left as they are."""
    base = base or load_rules()
    with (store or default_store()).unit_of_work() as uow:
        repo = uow.cases
        visits = repo.settled_visits(region, year, VISITS_MAX)
        found = batch_hits_of(visits, base) if hits is None else list(hits)
        rows = _new_cases(region, year, found, visits, base, actor, datetime.now(UTC))
        known = repo.existing(r.case_id for r in rows)
        fresh = [r for r in rows if r.case_id not in known]
        repo.add(fresh)
        _log(uow, actor, "case.open", f"{region}-{year}",
             {"hits": len(found), "opened": len(fresh)}, region)
        uow.commit()
    return Opened(len(found), len(fresh), len(known))


# ---------- reading ----------

def _refusal(who: Principal, region: str | None = None) -> Refused | None:
    if who.role not in PERMISSIONS["audit"]:
        return Refused(ReadRefusal.FORBIDDEN, f"角色 {who.role} 无权查看稽核案件")
    if region is not None and not who.sees(region):
        return Refused(ReadRefusal.OUT_OF_SCOPE,
                       f"区划 {region} 不在您的管辖范围（{who.region}）内")
    return None


def _shape(row: CaseRow) -> CaseItem:
    return CaseItem(row.case_id, row.region, row.year, row.rule_id, row.rule_name, row.mdtrt_id,
                    row.setl_id, row.fixmedins_code, row.psn_no, row.insutype,
                    fmt(from_fen(row.amount_fen)), row.state,
                    STATE_NAMES.get(row.state, row.state), row.recovery_txn_id,
                    row.refund_txn_id, row.created_at, row.created_by)


def list_cases(who: Principal, query: Query, *, store: Store | None = None) -> Page | Refused:
    """Cases in the reader's scope (or one region of it), newest first; `state` filters."""
    region = query.filters.get("region")
    refused = _refusal(who, region)
    if refused is not None:
        return refused
    limit = max(1, min(query.limit, PAGE_SIZE_MAX))
    prefix = region if region is not None else scope_prefix(who.region)
    with (store or default_store()).unit_of_work() as uow:
        total, rows = uow.cases.page(
            prefix, query.filters.get("state"), limit, query.offset)
    note = "" if total else "没有稽核案件（由 yibao audit 批量分析的规则命中生成）"
    return Page(total, limit, query.offset, [_shape(r) for r in rows], note)


def _event(e: EventRow) -> CaseEvent:
    return CaseEvent(e.at, e.actor, e.from_state, e.to_state, e.note,
                     fmt(from_fen(e.amount_fen)))


def get_case(who: Principal, case_id: str, *, store: Store | None = None
             ) -> CaseDetail | Refused:
    """One case with its evidence, its trail and the moves open to it."""
    refused = _refusal(who)
    if refused is not None:
        return refused
    with (store or default_store()).unit_of_work() as uow:
        repo = uow.cases
        row = repo.get(case_id)
        events = repo.events(case_id) if row is not None else []
    if row is None or not who.sees(row.region):
        return Refused(ReadRefusal.NOT_FOUND, f"没有稽核案件 {case_id}（或不在管辖范围内）")
    state = machine.State(row.state)
    return CaseDetail(**_shape(row), evidence=json.loads(row.evidence_json),
                      trail=tuple(_event(e) for e in events),
                      moves=() if _mover_refusal(who) else tuple(sorted(
                          to.value for frm, to in machine.MOVES if frm is state)))


# ---------- moving ----------

def _log(uow: UnitOfWork, actor: str, action: str, target: str, detail: object,
         region: str) -> None:
    uow.accounts.log(WriteEntry(
        datetime.now(UTC), actor, action, target,
        json.dumps(detail, ensure_ascii=False, sort_keys=True), region))


def _post(uow: UnitOfWork, entry: PostingSet, holder: str, now: datetime) -> None:
    uow.ledger.ensure_accounts(p.account for p in entry.postings)
    uow.ledger.add_transaction(entry, now)
    uow.ledger.add_postings([entry])
    uow.balances.apply([(entry, shard_of(holder))])


def _money(uow: UnitOfWork, row: CaseRow, moved: machine.Case, now: datetime
           ) -> dict[str, Any]:
    """Recovery on the first confirmation; its mirror when an appeal dismisses the case."""
    if moved.state is machine.State.CONFIRMED and row.recovery_txn_id is None:
        entry = machine.recovery_postings(moved, row.region, "RC" + row.case_id[2:])
        _post(uow, entry, row.fixmedins_code, now)
        return {"recovery_txn_id": entry.txn_id}
    if (moved.state is machine.State.DISMISSED and row.recovery_txn_id is not None
            and row.refund_txn_id is None):
        original = uow.ledger.postings_of(row.recovery_txn_id)
        assert original is not None, "a recorded recovery has its postings"
        entry = reversal_of(original, "RF" + row.case_id[2:])
        _post(uow, entry, row.fixmedins_code, now)
        return {"refund_txn_id": entry.txn_id}
    return {}


def _amount(text: str | None) -> int | MoveRefused | None:
    if text is None or not text.strip():
        return None
    try:
        return to_fen(parse_amount(text.strip()))
    except ValueError as err:
        return MoveRefused(MoveRefusal.INVALID, f"金额有误：{err}")


def _domain(row: CaseRow, events: list[EventRow]) -> machine.Case:
    """The case for the state machine; the hit's amount is the one the trail started with
    (only a confirmation changes the amount, and a case is never confirmed from new)."""
    trail = tuple(machine.Event(e.at.isoformat(), e.actor, machine.State(e.from_state),
                                machine.State(e.to_state), e.note) for e in events)
    hit_fen = events[0].amount_fen if events else row.amount_fen
    return machine.Case(row.case_id, row.rule_id, row.mdtrt_id, row.fixmedins_code,
                        row.staff_code, row.insutype, row.amount_fen, machine.State(row.state),
                        trail, hit_fen)


MESSAGES: Final = {
    machine.Refusal.NOT_ALLOWED: (MoveRefusal.NOT_ALLOWED, "案件当前状态不能做此操作"),
    machine.Refusal.TRAIL_FULL: (MoveRefusal.TRAIL_FULL, "案件处理记录已满"),
    machine.Refusal.AMOUNT_NEEDED: (MoveRefusal.AMOUNT_NEEDED, "确认违规须有大于零的金额"),
    machine.Refusal.AMOUNT_TOO_LARGE: (
        MoveRefusal.AMOUNT_TOO_LARGE,
        f"金额超出上限 {fmt(from_fen(machine.AMOUNT_FEN_MAX))} 元，请核对"),
    machine.Refusal.SAME_PERSON: (
        MoveRefusal.SAME_PERSON, "开始审核（初审）的人不能独自确认违规，须由另一人复审确认"),
    machine.Refusal.SECOND_REVIEW_NEEDED: (
        MoveRefusal.SECOND_REVIEW_NEEDED,
        "追回金额超过命中金额，须由另一名稽核人员复审批准"),
}


def _check_move(to: str, note: str) -> MoveRefused | machine.State:
    if to not in {s.value for s in machine.State} or len(note) > NOTE_MAX:
        return MoveRefused(MoveRefusal.INVALID, f"操作应为 {', '.join(machine.State)} 之一，"
                                                f"说明不超过 {NOTE_MAX} 字")
    return machine.State(to)


def _mover_refusal(who: Principal) -> Refused | None:
    if who.role not in PERMISSIONS["case_moves"]:
        return Refused(ReadRefusal.FORBIDDEN, f"角色 {who.role} 不办理稽核案件"
                                              "（系统管理员管理用户，不办理案件）")
    return None


def move_case(who: Principal, case_id: str, to: str, *, note: str = "",
              amount: str | None = None, store: Store | None = None
              ) -> CaseDetail | Refused | MoveRefused:
    """Move a case (review, confirm, dismiss, appeal) as `who`, now; the case as it stands."""
    refused = _refusal(who) or _mover_refusal(who)
    if refused is not None:
        return refused
    target, amount_fen = _check_move(to, note), _amount(amount)
    if isinstance(target, MoveRefused):
        return target
    if isinstance(amount_fen, MoveRefused):
        return amount_fen
    with (store or default_store()).unit_of_work() as uow:
        outcome = _move_in(uow, who, case_id, target, note, amount_fen)
    return outcome if isinstance(outcome, Refused | MoveRefused) else get_case(
        who, case_id, store=store)


def _move_in(uow: UnitOfWork, who: Principal, case_id: str, target: machine.State, note: str,
             amount_fen: int | None) -> Refused | MoveRefused | None:
    repo = uow.cases
    row = repo.get(case_id, lock=True)
    if row is None or not who.sees(row.region):
        return Refused(ReadRefusal.NOT_FOUND, f"没有稽核案件 {case_id}（或不在管辖范围内）")
    now = datetime.now(UTC)
    moved = machine.move(_domain(row, repo.events(case_id)), target, who.username,
                         now.isoformat(), note, amount_fen,
                         approver=who.role in PERMISSIONS["case_approve"])
    if isinstance(moved, machine.Refusal):
        return MoveRefused(*MESSAGES[moved])
    event = EventRow(now, who.username, row.state, moved.state.value, note, moved.amount_fen)
    if not repo.moved(case_id, row.state, event, _money(uow, row, moved, now)):
        return MoveRefused(MoveRefusal.CONFLICT, "案件已被他人处理，请刷新后重试")
    _log(uow, who.username, "case.move", case_id,
         {"from": row.state, "to": moved.state.value, "amount_fen": moved.amount_fen},
         row.region)
    uow.commit()
    return None


__all__ = ["MoveRefusal", "MoveRefused", "Opened", "case_id_of", "get_case", "list_cases",
           "move_case", "open_cases"]
