"""The audit work queue (稽核工作队列): cases opened from the rule hits of the batch analysis
(事后) — `yibao audit open` over a region-year's stored settlements, or the year job over the
year it holds in memory — listed and moved through the pure state machine of
`yibao.supervise.cases` with who and when, in the reader's scope.

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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Final

from yibao.core.labels import CASE_STATE
from yibao.core.money import fmt, from_fen, parse_amount, to_fen
from yibao.fund.postings import reversal_of
from yibao.services.accounts import Principal, scope_prefix
from yibao.services.bureau import PAGE_SIZE_MAX, PERMISSIONS, Page, Query, ReadRefusal, Refused
from yibao.services.fund import post_entry
from yibao.services.views import CaseDetail, CaseEvent, CaseItem
from yibao.store import Store, default_store
from yibao.store.accounts import WriteEntry
from yibao.store.cases import CaseRow, EventRow, SettledVisit, SettlementKey
from yibao.store.uow import UnitOfWork
from yibao.supervise import cases as machine
from yibao.supervise.load import load_rules
from yibao.supervise.model import Hit, Line, Rule, RuleBase, Visit

if TYPE_CHECKING:  # the rule engine (DuckDB) is imported only when the rules run
    import polars as pl

    from yibao.services.audit import Claims

#: Settlements read per page by a batch run (`open_cases` reads every page of the region-year,
#: keeping only the facts the rules read of each, not its stored request).
VISITS_PER_PAGE: Final = 20_000
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
    skipped: int = 0  # settlements whose stored request the rules cannot read


def case_id_of(region: str, year: int, rule_id: str, mdtrt_id: str) -> str:
    digest = hashlib.sha256(f"{region}|{year}|{rule_id}|{mdtrt_id}".encode()).hexdigest()
    return "AC" + digest[:20].upper()


# ---------- the batch rules over stored settlements ----------

#: A fee line's own number is read as a line number when it is 1 to 9 ASCII digits; any other
#: (say "²", for which `str.isdigit` is true and `int` fails) gets a number after the others.
SN_DIGITS_MAX: Final = 9
#: (rule, visit) findings opened per transaction.
CASES_PER_CHUNK: Final = 2_000
Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class OpenRefused:
    """Why no case can be opened for that region-year (one zh-CN sentence)."""

    message: str


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule on one visit with what its case records: the hit lines (the number as
    submitted, the code, the fee in fen; none for the visit as a whole), the visit's whole fee
    and the visit as the evidence shows it."""

    rule_id: str
    mdtrt_id: str
    lines: tuple[tuple[str, str, int], ...]
    visit_fee_fen: int
    shown: dict[str, Any]


@dataclass(frozen=True, slots=True)
class VisitFacts:
    """A stored settlement as the rules read it, with each line's number as submitted."""

    visit: Visit
    lines: tuple[Line, ...]
    shown: dict[str, Any]
    submitted: dict[int, str]


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _number(text: str) -> int | None:
    ok = text.isascii() and text.isdigit() and len(text) <= SN_DIGITS_MAX
    return int(text) if ok and int(text) > 0 else None


def _lines(fees: Sequence[dict[str, Any]]) -> tuple[tuple[Line, ...], dict[int, str]]:
    """The fee lines, numbered by their own number when it is a plain one (and not taken
    already), else after the largest plain number."""
    texts = [str(raw.get("feedetl_sn", "")) for raw in fees]
    numbers: list[int | None] = []
    for text in texts:
        n = _number(text)
        numbers.append(None if n in numbers else n)
    free = max((n for n in numbers if n is not None), default=0)
    lines, submitted = [], {}
    for raw, text, n in zip(fees, texts, numbers, strict=True):
        if n is None:
            free += 1
            n = free
        cnt, pric = Decimal(str(raw["cnt"])), Decimal(str(raw["pric"]))
        lines.append(Line(n, str(raw["hilist_code"]), int(cnt * 10_000), int(pric * 1_000_000),
                          to_fen(cnt * pric)))
        submitted[n] = text
    return tuple(lines), submitted


def rule_facts(stored: SettledVisit) -> VisitFacts | None:
    """The facts the rules read, from a stored settlement's request document; None when the
    document has no visit the rules can read (a bulk-loaded settlement of the year job stores
    no request, its hits are opened by the job itself)."""
    try:
        doc = json.loads(stored.request_json)
        visit = doc["visit"]
        begin, end = date.fromisoformat(visit["begndate"]), date.fromisoformat(visit["enddate"])
        lines, submitted = _lines(doc.get("fees", ()))
    except (KeyError, TypeError, ValueError, ArithmeticError, AttributeError):
        return None
    return VisitFacts(Visit(
        stored.mdtrt_id, stored.id_number, stored.fixmedins_code, stored.hosp_lv,
        KIND_OF_MED_TYPE.get(str(visit.get("med_type")), ""), stored.scheme, "local",
        begin, end, max(0, (end - begin).days), sum(x.fee_fen for x in lines),
        str(visit.get("chfpdr_code", "")), stored.sex, _age(stored.birth_date, end),
        None, str(visit.get("pdx", ""))), lines, visit, submitted)


def batch_hits_of(facts: Sequence[VisitFacts], base: RuleBase) -> list[Hit]:
    """Every hit of the rule base over the visits (the `yibao audit` batch engine)."""
    from yibao.services.audit import batch_hits, claims_of

    if not facts:
        return []
    claims = claims_of([f.visit for f in facts],
                       {f.visit.mdtrt_id: list(f.lines) for f in facts}, {})
    frame = batch_hits(base, claims)
    return [Hit(str(r), str(m), int(s)) for r, m, s in
            frame.select("rule_id", "mdtrt_id", "feedetl_sn").iter_rows()]


def _grouped(hits: Iterable[tuple[str, str, int]]) -> dict[tuple[str, str], set[int]]:
    grouped: dict[tuple[str, str], set[int]] = {}
    for rule_id, mdtrt_id, sn in hits:
        if sn >= 0:
            grouped.setdefault((rule_id, mdtrt_id), set()).add(sn)
    return grouped


def findings_of(hits: Iterable[Hit], facts: Sequence[VisitFacts]) -> list[Finding]:
    """The (rule, visit) findings of hits on stored settlements."""
    by_visit = {f.visit.mdtrt_id: f for f in facts}
    found = []
    for (rule_id, mdtrt_id), sns in sorted(_grouped(
            (h.rule_id, h.mdtrt_id, h.feedetl_sn) for h in hits).items()):
        f = by_visit.get(mdtrt_id)
        if f is not None:
            found.append(Finding(rule_id, mdtrt_id, tuple(
                (f.submitted[x.feedetl_sn], x.hilist_code, x.fee_fen)
                for x in f.lines if x.feedetl_sn in sns), f.visit.total_fen, f.shown))
    return found


def claim_findings(hits: pl.DataFrame, claims: Claims) -> list[Finding]:
    """The (rule, visit) findings of batch hits (`rule_id, mdtrt_id, feedetl_sn`) over claims
    held in memory (the year job's), without running the rules again."""
    wanted = hits.select("mdtrt_id").unique()
    visits = {r[0]: r for r in claims.visits.join(wanted, on="mdtrt_id").select(
        "mdtrt_id", "total_fen", "kind", "begndate", "enddate", "pdx", "chfpdr_code").iter_rows()}
    lines = {(m, s): (c, f) for m, s, c, f in hits.join(
        claims.lines, on=["mdtrt_id", "feedetl_sn"]).select(
        "mdtrt_id", "feedetl_sn", "hilist_code", "fee_fen").iter_rows()}
    found = []
    for (rule_id, mdtrt_id), sns in sorted(_grouped(hits.select(
            "rule_id", "mdtrt_id", "feedetl_sn").iter_rows()).items()):
        if mdtrt_id not in visits:
            continue
        _m, total, kind, begin, end, pdx, doctor = visits[mdtrt_id]
        hit = tuple((str(s), *lines[(mdtrt_id, s)]) for s in sorted(sns)
                    if (mdtrt_id, s) in lines)
        found.append(Finding(rule_id, mdtrt_id, hit, int(total), {
            "mdtrt_id": mdtrt_id, "kind": kind, "begndate": begin.isoformat(),
            "enddate": end.isoformat(), "pdx": pdx, "chfpdr_code": doctor}))
    return found


def _case_row(region: str, year: int, rule: Rule, finding: Finding, key: SettlementKey,
              actor: str, now: datetime) -> CaseRow:
    amount = (sum(fee for _sn, _code, fee in finding.lines) if finding.lines
              else finding.visit_fee_fen)
    evidence = {
        "rule": {"id": rule.id, "name": rule.name, "category": rule.category,
                 "result": rule.result, "severity": rule.severity, "message": rule.message,
                 "source": rule.source},
        "visit": finding.shown, "setl_id": key.setl_id,
        "lines": [{"feedetl_sn": sn, "hilist_code": code, "fee": fmt(from_fen(fee))}
                  for sn, code, fee in finding.lines],
        "visit_level": not finding.lines}
    return CaseRow(case_id_of(region, year, rule.id, finding.mdtrt_id), region, year, rule.id,
                   rule.name[:128], finding.mdtrt_id, key.setl_id, key.fixmedins_code,
                   key.id_number, "", key.scheme, amount, machine.State.NEW.value,
                   json.dumps(evidence, ensure_ascii=False, sort_keys=True), None, None, now,
                   actor)


def _checked(region: str, year: int, store: Store) -> OpenRefused | None:
    if not (region.isascii() and region.isdigit() and len(region) == 6):
        return OpenRefused(f"区划代码 {region!r} 有误：应为 6 位数字的行政区划代码")
    with store.unit_of_work(read_only=True) as uow:
        repo = uow.cases
        if not repo.settlement_count(region):
            return OpenRefused(f"库中没有区划 {region} 的结算记录：请检查区划代码或数据库")
        if not repo.settlement_count(region, year):
            return OpenRefused(f"区划 {region} 在 {year} 年度没有结算记录：请检查年度")
    return None


def open_findings(region: str, year: int, findings: Sequence[Finding], *, actor: str,
                  hits: int, base: RuleBase, store: Store, skipped: int = 0,
                  progress: Progress | None = None) -> Opened:
    """Open a case for each finding on an unreversed settlement of the region-year, in chunks
    of `CASES_PER_CHUNK` (one transaction each); cases already open are left as they are."""
    say = progress or (lambda _message: None)
    opened = existing = 0
    for start in range(0, len(findings), CASES_PER_CHUNK):
        chunk = findings[start:start + CASES_PER_CHUNK]
        with store.unit_of_work() as uow:
            repo = uow.cases
            keys = repo.settlement_keys(region, year, [f.mdtrt_id for f in chunk])
            now = datetime.now(UTC)
            rows = [_case_row(region, year, base.by_id(f.rule_id), f, keys[f.mdtrt_id], actor,
                              now) for f in chunk if f.mdtrt_id in keys]
            known = repo.existing(r.case_id for r in rows)
            repo.add(r for r in rows if r.case_id not in known)
            uow.commit()
        opened, existing = opened + len(rows) - len(known), existing + len(known)
        say(f"开立稽核案件 {min(len(findings), start + CASES_PER_CHUNK)}/{len(findings)}")
    with store.unit_of_work() as uow:
        _log(uow, actor, "case.open", f"{region}-{year}",
             {"hits": hits, "opened": opened, "existing": existing, "skipped": skipped}, region)
        uow.commit()
    return Opened(hits, opened, existing, skipped)


def _settled_facts(region: str, year: int, store: Store, say: Progress
                   ) -> tuple[list[VisitFacts], int]:
    """The rule facts of every unreversed settlement of the region-year, read page by page
    (`VISITS_PER_PAGE`, in commit order), and how many settlements were read (those whose
    stored request the rules cannot read have no facts)."""
    facts: list[VisitFacts] = []
    read = after = 0
    while True:
        with store.unit_of_work(read_only=True) as uow:
            page = uow.cases.settled_visits(region, year, VISITS_PER_PAGE, after)
        if not page:
            return facts, read
        facts += [f for f in map(rule_facts, page) if f is not None]
        read, after = read + len(page), page[-1].commit_seq
        say(f"读取结算 {read} 笔")


def open_cases(region: str, year: int, *, actor: str, base: RuleBase | None = None,
               store: Store | None = None, progress: Progress | None = None,
               hits: Sequence[Hit] | None = None) -> Opened | OpenRefused:
    """Run the batch rules over the region-year's stored settlements (`yibao audit open`), or
    take the `hits` given, and open a case for each (rule, visit) hit; cases already open are
    left as they are. Settlements whose stored request the rules cannot read are skipped."""
    base, store = base or load_rules(), store or default_store()
    say = progress or (lambda _message: None)
    refused = _checked(region, year, store)
    if refused is not None:
        return refused
    facts, read = _settled_facts(region, year, store, say)
    say(f"规则批量分析 {len(facts)} 笔（{read - len(facts)} 笔无可读的费用明细，跳过）")
    hits = batch_hits_of(facts, base) if hits is None else list(hits)
    return open_findings(region, year, findings_of(hits, facts), actor=actor, hits=len(hits),
                         base=base, store=store, skipped=read - len(facts), progress=say)


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
    note = "" if total else ("没有稽核案件（由年度作业 yibao year 或 yibao audit open "
                             "批量分析的规则命中开立）")
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


def _money(uow: UnitOfWork, row: CaseRow, moved: machine.Case, now: datetime
           ) -> dict[str, Any]:
    """Recovery on the first confirmation; its mirror when an appeal dismisses the case."""
    if moved.state is machine.State.CONFIRMED and row.recovery_txn_id is None:
        entry = machine.recovery_postings(moved, row.region, "RC" + row.case_id[2:])
        post_entry(uow, entry, row.fixmedins_code, now)
        return {"recovery_txn_id": entry.txn_id}
    if (moved.state is machine.State.DISMISSED and row.recovery_txn_id is not None
            and row.refund_txn_id is None):
        original = uow.ledger.postings_of(row.recovery_txn_id)
        assert original is not None, "a recorded recovery has its postings"
        entry = reversal_of(original, "RF" + row.case_id[2:])
        post_entry(uow, entry, row.fixmedins_code, now)
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


__all__ = [
    "Finding",
    "MoveRefusal",
    "MoveRefused",
    "OpenRefused",
    "Opened",
    "case_id_of",
    "claim_findings",
    "get_case",
    "list_cases",
    "move_case",
    "open_cases",
    "open_findings",
]
