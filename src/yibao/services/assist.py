"""依申请救助 and 防止因病致贫返贫 monitoring use cases (SETTLEMENT.md §6; docs/benefits.md
"依申请救助与监测").

`apply` records an application (the household's declared annual income and the application day)
for the person's enrollment covering that day; one open or granted application per person and
year. `decide` approves or refuses it once, in one unit of work under the application's row lock
(PostgreSQL `SELECT … FOR UPDATE`; SQLite's `BEGIN IMMEDIATE` serialises writers) and the
person's accumulator row lock (the one settlements of the person queue on): an approval asks the
§6 rules (`yibao.assist.rules.check_application`) — a rule that refuses refuses the application
with its reason — else computes the grant, posts it from the assistance fund (`610100`) to the
person (`TxnKind.ASSIST_GRANT`, transaction `AG<region>-<app_id>`, so a second posting could not
even be written), adds `t` and the grant to `maf_dedc_used` and `maf_paid` (a new accumulator
version, as a settlement does) and grants `apply.group` from the decision day to the end of the
application's year (`person_group_grants`; nothing when decided after that year). Deciding an
application already decided changes nothing and says so (`already_decided`). Every write is
logged (`log_write`, target `assist:<app_id>`), and the log is the application's audit trail.

`monitor(year)` lists the persons and households flagged by the `[monitoring]` section of each
person's insured region's policy for the year (`monitor.json`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

from yibao.assist.model import HANDLER_REFUSAL, STATE_NAMES, Application, AppState
from yibao.assist.rules import (
    GRANT_MED_TYPES,
    REFUSAL_NAMES,
    ApplyRefusal,
    apply_window,
    check_application,
    grant_of,
    household_flag,
    income_threshold,
    person_flag,
)
from yibao.core import labels
from yibao.core.beijing import beijing_text
from yibao.core.money import DecimalError, fmt, from_fen, parse_amount, to_fen
from yibao.core.xlsx import SheetData, write_workbook
from yibao.enroll.eligibility import Refusal as Ineligible
from yibao.enroll.eligibility import covering_enrollment
from yibao.fund.events import assistance_grant_postings
from yibao.policy.assist import Monitoring
from yibao.policy.model import Policy
from yibao.services.accounts import Principal, scope_prefix
from yibao.services.bureau import PAGE_SIZE_MAX, PERMISSIONS
from yibao.services.fund import post_entry
from yibao.services.offsite import beijing_today, log_write, parse_day, region_policy
from yibao.store import Store, default_store
from yibao.store.assist import Decision
from yibao.store.ledger import beijing_day
from yibao.store.uow import UnitOfWork

#: Who records and decides applications at the bureau: handlers (经办).
WRITERS: Final = frozenset({"handler"})
READERS: Final = PERMISSIONS["persons"]
PSN_NO_MAX: Final = 32
NOTE_MAX: Final = 500
#: The largest declared household income (元) an application takes.
INCOME_MAX: Final = Decimal("100000000")
TARGET: Final = "assist:"


class AssistProblem(StrEnum):
    """Why a request is refused before (or instead of) the §6 rules."""

    INVALID = "invalid"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    OUT_OF_SCOPE = "out_of_scope"
    NOT_ENROLLED = "not_enrolled"
    DUPLICATE = "duplicate"
    ALREADY_DECIDED = "already_decided"


@dataclass(frozen=True, slots=True)
class AssistRefused:
    """A refused request: `reason` is an `AssistProblem` value."""

    reason: str
    message: str


@dataclass(frozen=True, slots=True)
class TrailEntry:
    at: str  # Beijing time
    actor: str
    action: str
    detail: str


def _money(value: Decimal | None) -> str | None:
    return None if value is None else fmt(value)


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def reason_name(reason: str) -> str:
    """The zh-CN name of a refused application's reason."""
    if reason == HANDLER_REFUSAL:
        return "经办审核未通过"
    try:
        return REFUSAL_NAMES[ApplyRefusal(reason)]
    except ValueError:
        return reason


def to_json(app: Application) -> dict[str, Any]:
    """An application as the API and the console show it (money as strings)."""
    return {"app_id": app.app_id, "psn_no": app.psn_no, "scheme": app.scheme,
            "region": app.region, "year": app.year, "income": fmt(app.income),
            "applied_on": app.applied_on.isoformat(), "applied_by": app.applied_by,
            "state": app.state.value, "state_name": STATE_NAMES[app.state],
            "reason": app.reason, "reason_name": reason_name(app.reason) if app.reason else "",
            "note": app.note, "decided_on": _day(app.decided_on), "decided_by": app.decided_by,
            "household_oop": _money(app.household_oop), "threshold": _money(app.threshold),
            "b": _money(app.b), "t": _money(app.t), "grant": _money(app.grant),
            "txn_id": app.txn_id}


def _may(who: Principal | None, roles: frozenset[str], doing: str) -> AssistRefused | None:
    if who is not None and who.role not in roles:
        return AssistRefused(AssistProblem.FORBIDDEN, f"角色 {who.role} 无权{doing}医疗救助申请")
    return None


def check_psn_no(value: str) -> AssistRefused | None:
    if not (0 < len(value) <= PSN_NO_MAX and value.isascii() and value.isalnum()):
        return AssistRefused(AssistProblem.INVALID,
                             f"人员编号 {value!r} 无效："
                             "应为身份证号（人员编号），1 至 32 位字母或数字")
    return None


def parse_income(value: str) -> Decimal | AssistRefused:
    """The declared household annual income in yuan: ≥ 0, at most two places."""
    try:
        return parse_amount(value.strip(), maximum=INCOME_MAX)
    except DecimalError as err:
        return AssistRefused(AssistProblem.INVALID, f"家庭年收入 {value!r} 无效：{err.message}")


def parse_apply_day(value: str) -> date | AssistRefused:
    day = parse_day(value.strip(), "申请日期")
    return day if isinstance(day, date) else AssistRefused(AssistProblem.INVALID, day.message)


def _not_found(what: str) -> AssistRefused:
    return AssistRefused(AssistProblem.NOT_FOUND, f"没有{what}（或不在您的管辖范围内）")


def target_of(app_id: int) -> str:
    return f"{TARGET}{app_id}"


# ---------- apply ----------


def _apply_input(who: Principal | None, psn_no: str, income: Decimal | str, day: date | str,
                 today: date) -> tuple[Decimal, date] | AssistRefused:
    """The checks of an application made before the store is asked: the role, the person
    number, the income and the day (not after `today`)."""
    refused = _may(who, WRITERS, "登记") or check_psn_no(psn_no)
    if refused is not None:
        return refused
    amount = parse_income(income) if isinstance(income, str) else income
    if isinstance(amount, AssistRefused):
        return amount
    on = parse_apply_day(day) if isinstance(day, str) else day
    if isinstance(on, AssistRefused):
        return on
    if on > today:
        return AssistRefused(AssistProblem.INVALID, f"申请日期 {on} 不能晚于今天（{today}）")
    return amount, on


def apply(psn_no: str, income: Decimal | str, day: date | str, *, actor: str,
          who: Principal | None = None, today: date | None = None, store: Store | None = None
          ) -> Application | AssistRefused:
    """Record an application of `psn_no` with the household's declared annual `income` on
    `day` (see the module doc); refused, writing nothing, when the input is wrong, the person
    has no enrollment covering `day`, or already has an open or granted application that year."""
    checked = _apply_input(who, psn_no, income, day, today or beijing_today())
    if isinstance(checked, AssistRefused):
        return checked
    amount, on = checked

    def work(uow: UnitOfWork) -> Application | AssistRefused:
        if not uow.filings.lock_person(psn_no):
            return _not_found(f"参保人 {psn_no}")
        enrollments = uow.registry.enrollments_of(psn_no)
        if who is not None and not any(who.sees(e.region) for e in enrollments):
            return _not_found(f"参保人 {psn_no}")
        cover = covering_enrollment(enrollments, on)
        if isinstance(cover, Ineligible):
            return AssistRefused(AssistProblem.NOT_ENROLLED,
                                 f"申请日 {on} 无有效参保，不能申请医疗救助：{cover.message}")
        if who is not None and not who.sees(cover.region):
            return AssistRefused(AssistProblem.OUT_OF_SCOPE,
                                 f"参保地 {cover.region} 不在您的管辖范围（{who.region}）内")
        for other in uow.assist.of_person(psn_no, on.year):
            if other.state is not AppState.REFUSED:
                return AssistRefused(
                    AssistProblem.DUPLICATE,
                    f"参保人 {psn_no} 在 {on.year} 年已有{STATE_NAMES[other.state]}的医疗救助申请"
                    f"（编号 {other.app_id}），不能重复申请")
        app_id = uow.assist.add(psn_no, cover.scheme, cover.region, on.year, to_fen(amount),
                                on, actor)
        log_write(uow, actor, "assist.apply", target_of(app_id),
                  {"psn_no": psn_no, "income": fmt(amount), "applied_on": on.isoformat(),
                   "scheme": cover.scheme, "year": on.year}, cover.region)
        found = uow.assist.get(app_id)
        assert found is not None
        uow.commit()
        return found

    return (store or default_store()).transaction(work)


# ---------- decide ----------


def _refusal_message(refusals: tuple[ApplyRefusal, ...], oop: Decimal | None,
                     threshold: Decimal | None, months: int | None) -> str:
    parts = []
    for r in refusals:
        text = REFUSAL_NAMES[r]
        if r is ApplyRefusal.BELOW_THRESHOLD and oop is not None and threshold is not None:
            text += (f"：近 {months} 个月家庭自付 {fmt(oop)} 元，"
                     f"低于家庭年收入×比例 {fmt(threshold)} 元")
        parts.append(text)
    return "；".join(parts)


def _approve(uow: UnitOfWork, app: Application, today: date, actor: str
             ) -> tuple[Decision, dict[str, Any]]:
    """The decision of an approval under the locks: a §6 refusal, or the grant (posted)."""
    policy: Policy | None = region_policy(app.region, app.year)
    rule = policy.assistance_apply if policy is not None else None
    named = dict(policy.assistance) if policy is not None else {}
    held = uow.assist.groups_on(app.psn_no, app.applied_on)
    oop = threshold = None
    if rule is not None:
        first, last = apply_window(app.applied_on, rule.months)
        oop = from_fen(uow.assist.oop_fen(uow.assist.household_of(app.psn_no), first, last))
        threshold = income_threshold(app.income, rule)
    refusals = check_application(rule, named, held, oop, app.income)
    evidence = {"household_oop_fen": None if oop is None else to_fen(oop),
                "threshold_fen": None if threshold is None else to_fen(threshold)}
    if refusals:
        message = _refusal_message(refusals, oop, threshold, rule.months if rule else None)
        return (Decision(AppState.REFUSED, refusals[0].value, message, today, actor, **evidence),
                {"refusals": [r.value for r in refusals]})
    assert rule is not None
    ytd, version = uow.accumulators.lock(app.psn_no, app.scheme, app.year, app.region)
    b = from_fen(uow.assist.remaining_fen(app.psn_no, app.scheme, app.year, GRANT_MED_TYPES))
    grant = grant_of(b, named[rule.group], ytd.maf_dedc_used, ytd.maf_paid)
    txn_id = None
    entry = assistance_grant_postings(f"AG{app.region}-{app.app_id}", app.region, app.psn_no,
                                      to_fen(grant.grant))
    if entry.postings:
        post_entry(uow, entry, app.psn_no, datetime.now(UTC), today)
        txn_id = entry.txn_id
    uow.step("grant")
    uow.accumulators.save(app.psn_no, app.scheme, app.year,
                          replace(ytd, maf_dedc_used=grant.maf_dedc_used,
                                  maf_paid=grant.maf_paid), version + 1)
    uow.step("accumulators")
    until = date(app.year, 12, 31)
    if today <= until:
        uow.assist.add_grant(app.psn_no, rule.group, today, until, app.app_id)
    decision = Decision(AppState.GRANTED, "", f"救助人群 {rule.group}", today, actor,
                        b_fen=to_fen(grant.b), t_fen=to_fen(grant.t),
                        grant_fen=to_fen(grant.grant), txn_id=txn_id, **evidence)
    return decision, {"group": rule.group, "b": fmt(grant.b), "t": fmt(grant.t),
                      "grant": fmt(grant.grant), "maf_dedc_used": fmt(grant.maf_dedc_used),
                      "maf_paid": fmt(grant.maf_paid), "txn_id": txn_id,
                      "group_from": today.isoformat() if today <= until else None,
                      "group_until": until.isoformat() if today <= until else None}


def decide(app_id: int, approve: bool, reason: str = "", *, actor: str,
           who: Principal | None = None, today: date | None = None,
           store: Store | None = None, on_step: Any = None) -> Application | AssistRefused:
    """Decide an application once (see the module doc): `approve` asks the §6 rules and
    grants, else the handler refuses it with `reason` (required). The decided application,
    or why nothing was decided."""
    reason = reason.strip()
    refused = _may(who, WRITERS, "审核")
    if refused is None and not approve and not reason:
        refused = AssistRefused(AssistProblem.INVALID, "不予救助须写明原因")
    if refused is None and len(reason) > NOTE_MAX:
        refused = AssistRefused(AssistProblem.INVALID, f"原因不得超过 {NOTE_MAX} 个字符")
    if refused is not None:
        return refused
    today = today or beijing_today()

    def work(uow: UnitOfWork) -> Application | AssistRefused:
        app = uow.assist.get(app_id, lock=True)
        if app is None or (who is not None and not who.sees(app.region)):
            return _not_found(f"医疗救助申请 {app_id}")
        if app.state is not AppState.APPLIED:
            return AssistRefused(
                AssistProblem.ALREADY_DECIDED,
                f"医疗救助申请 {app_id} 已于 {app.decided_on} 由 {app.decided_by} 审核"
                f"（{STATE_NAMES[app.state]}），不能重复审核")
        if today < app.applied_on:
            return AssistRefused(AssistProblem.INVALID,
                                 f"审核日期 {today} 早于申请日期 {app.applied_on}")
        if approve:
            decision, detail = _approve(uow, app, today, actor)
            if reason:
                decision = replace(decision, note=f"{decision.note}；{reason}"[:NOTE_MAX])
        else:
            decision, detail = Decision(AppState.REFUSED, HANDLER_REFUSAL, reason, today,
                                        actor), {}
        done = uow.assist.decide(app_id, decision)
        assert done, "decided under the application's row lock after reading it applied"
        log_write(uow, actor, "assist.decide", target_of(app_id),
                  {"psn_no": app.psn_no, "approve": approve, "state": decision.state.value,
                   "reason": decision.reason, "note": decision.note,
                   "decided_on": today.isoformat(), **detail}, app.region)
        found = uow.assist.get(app_id)
        assert found is not None
        uow.commit()
        return found

    return (store or default_store()).transaction(work, on_step=on_step)


# ---------- reads ----------


@dataclass(frozen=True, slots=True)
class AppPage:
    total: int
    items: list[Application]


def applications(*, state: str | None = None, year: int | None = None,
                 psn_no: str | None = None, limit: int = 50, offset: int = 0,
                 who: Principal | None = None, store: Store | None = None
                 ) -> AppPage | AssistRefused:
    """The queue: applications matching the filters, newest first, in `who`'s scope."""
    refused = _may(who, READERS, "查看")
    if refused is None and state and state not in {s.value for s in AppState}:
        refused = AssistRefused(AssistProblem.INVALID,
                                f"状态 {state!r} 无效：应为 applied、granted 或 refused")
    if refused is None and psn_no:
        refused = check_psn_no(psn_no)
    if refused is not None:
        return refused
    limit = max(1, min(limit, PAGE_SIZE_MAX))
    regions = "" if who is None else scope_prefix(who.region)
    with (store or default_store()).unit_of_work(read_only=True) as uow:
        total, items = uow.assist.page(state=state or None, year=year, regions=regions,
                                       psn_no=psn_no or None, limit=limit,
                                       offset=max(0, offset))
    return AppPage(total, items)


def application(app_id: int, *, who: Principal | None = None, store: Store | None = None
                ) -> tuple[Application, list[TrailEntry]] | AssistRefused:
    """One application with its audit trail (the write log of its target, oldest first)."""
    refused = _may(who, READERS, "查看")
    if refused is not None:
        return refused
    with (store or default_store()).unit_of_work(read_only=True) as uow:
        app = uow.assist.get(app_id)
        if app is None or (who is not None and not who.sees(app.region)):
            return _not_found(f"医疗救助申请 {app_id}")
        trail = [TrailEntry(beijing_text(e.at), e.actor, e.action, e.detail)
                 for e in uow.assist.trail(target_of(app_id))]
    return app, trail


def groups_on(psn_no: str, day: date, *, store: Store | None = None) -> frozenset[str]:
    """The groups a person holds on `day` (`persons.groups` and the granted ones)."""
    with (store or default_store()).unit_of_work(read_only=True) as uow:
        return uow.assist.groups_on(psn_no, day)


# ---------- monitoring ----------


def monitor(year: int, *, who: Principal | None = None, store: Store | None = None
            ) -> dict[str, Any] | AssistRefused:
    """The monitoring list of `year` (`monitor.json`): the flagged persons and households,
    each with its out-of-pocket and threshold (money as strings), ordered by ID; the persons
    and households of regions whose policy has no `[monitoring]` are not monitored."""
    refused = _may(who, READERS, "查看")
    if refused is None and not 2000 <= year <= 2100:
        refused = AssistRefused(AssistProblem.INVALID, f"年度 {year} 无效")
    if refused is not None:
        return refused
    with (store or default_store()).unit_of_work(read_only=True) as uow:
        found = uow.assist.year_oop(year)
        ids = [o.psn_no for o in found]
        granted = uow.assist.granted(ids)
        households = {o.household_id for o in found if o.household_id}
        members = uow.assist.insured_members(households, year)
        regions = uow.assist.regions_in(ids + [m for ms in members.values() for m in ms], year)
    rules = _Rules(year, who, regions)
    oop = {o.psn_no: o.oop_fen for o in found}
    persons = []
    for o in found:
        monitoring = rules.of(o.psn_no)
        if monitoring is None:
            continue
        last = beijing_day(o.last_settled)
        held = set(o.groups) | {grp for grp, first, until in granted.get(o.psn_no, [])
                                if first <= last <= until}
        flag = person_flag(from_fen(o.oop_fen), held, monitoring)
        if flag.flagged:
            persons.append({"psn_no": o.psn_no, "household_id": o.household_id,
                            "groups": sorted(held), "oop": fmt(flag.oop),
                            "threshold": fmt(flag.threshold)})
    flagged_households = []
    for household in sorted(members):
        insured = members[household]
        monitoring = rules.of(insured[0])
        if monitoring is None:
            continue
        total = from_fen(sum(oop.get(m, 0) for m in insured))
        flag = household_flag(total, len(insured), monitoring)
        if flag.flagged:
            flagged_households.append({"household_id": household, "members": len(insured),
                                       "oop": fmt(flag.oop), "threshold": fmt(flag.threshold)})
    return {"year": year, "persons": persons, "households": flagged_households}


class _Rules:
    """The `[monitoring]` of a person's insured region's policy for the year; None when the
    region's policy has none, or the region is outside `who`'s scope. A household is monitored
    under the region of its first insured member (by ID number)."""

    def __init__(self, year: int, who: Principal | None, regions: dict[str, str]) -> None:
        self.year, self.who, self.regions = year, who, regions
        self.cache: dict[str, Monitoring | None] = {}

    def of(self, psn_no: str) -> Monitoring | None:
        region = self.regions.get(psn_no)
        if region is None or (self.who is not None and not self.who.sees(region)):
            return None
        if region not in self.cache:
            policy = region_policy(region, self.year)
            self.cache[region] = None if policy is None else policy.monitoring
        return self.cache[region]


# ---------- the monitoring list for the civil-affairs handover ----------

PERSON_HEADERS: Final = ("人员编号（身份证号）", "家庭编号", "救助人群", "年度个人自付（元）",
                         "监测标准（元）")
HOUSEHOLD_HEADERS: Final = ("家庭编号", "参保人数", "年度家庭自付（元）", "监测标准（元）")


def _group_names(groups: list[str]) -> str:
    return "、".join(labels.ASSISTANCE_GROUP.get(g, g) for g in groups)


def write_monitor(doc: dict[str, Any], folder: Path) -> tuple[Path, Path]:
    """Write a monitoring list to `folder`: `monitor.json` (the document, UTF-8) and
    `monitor.xlsx` (两张表：监测人员、监测家庭, zh-CN headers, money as numbers with two places)
    for the handover to civil affairs (民政部门); the two paths."""
    folder.mkdir(parents=True, exist_ok=True)
    json_path, xlsx_path = folder / "monitor.json", folder / "monitor.xlsx"
    json_path.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    year = doc["year"]
    write_workbook(xlsx_path, [
        SheetData(f"{year}年监测人员", PERSON_HEADERS, ("text", "text", "text", "money", "money"),
                  [(p["psn_no"], p["household_id"] or "", _group_names(p["groups"]), p["oop"],
                    p["threshold"]) for p in doc["persons"]]),
        SheetData(f"{year}年监测家庭", HOUSEHOLD_HEADERS, ("text", "count", "money", "money"),
                  [(h["household_id"], h["members"], h["oop"], h["threshold"])
                   for h in doc["households"]]),
    ])
    return json_path, xlsx_path
