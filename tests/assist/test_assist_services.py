"""依申请救助 and monitoring against the store, on SQLite and PostgreSQL: an application
granted with the §6 formula (posted once, accumulators and group updated), each refusal, a
decision never made twice, a failed decision leaving no trace, and the monitoring list."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP
from decimal import Decimal as D
from typing import Any

import pytest

from tests.assist.helpers import b_of, settle_on
from tests.services.population import CITY, DIBAO, LAPSED, RESIDENT, TEKUN
from yibao.assist.model import AppState
from yibao.services import assist
from yibao.services.assist import AssistProblem, AssistRefused
from yibao.services.fund import fund_balances
from yibao.services.settle_service import accumulators_of
from yibao.store import Store

APPLIED, DECIDED = date(2025, 11, 30), date(2025, 12, 1)
# 511623-2025: [assistance.groups.yinbing] threshold 8000, ratio 0.50, cap 20000;
# [assistance.apply] income_share 0.5, months 12; [monitoring] rural_income 16000.
THRESHOLD, RATIO, CAP = D("8000"), D("0.50"), D("20000")


def _cents(value: D) -> D:
    return value.quantize(D("0.01"), rounding=ROUND_HALF_UP)


def _visits(store: Store) -> list[dict[str, Any]]:
    return [settle_on(store, RESIDENT, "A1", "30000.00", date(2025, 5, 10)),
            settle_on(store, RESIDENT, "A2", "12000.00", date(2025, 6, 10)),
            settle_on(store, DIBAO, "B1", "5000.00", date(2025, 7, 1))]


def _assistance(store: Store) -> dict[str, tuple[int, int]]:
    return {f"{b.code.value}:{b.holder}": (b.debit_fen, b.credit_fen)
            for b in fund_balances("511623", detail=True, store=store)
            if b.code.value in ("assistance", "assistance_payable")}


def _apply(store: Store, psn_no: str = RESIDENT, income: str = "15000") -> int:
    done = assist.apply(psn_no, income, APPLIED, actor="t", today=APPLIED, store=store)
    assert not isinstance(done, AssistRefused), done
    return done.app_id


def test_a_granted_application_pays_the_formula_once(assisted: Store) -> None:
    a1, a2, b1 = _visits(assisted)
    before = _assistance(assisted)
    app_id = _apply(assisted)
    done = assist.decide(app_id, True, actor="t", today=DECIDED, store=assisted)
    assert not isinstance(done, AssistRefused), done
    # household HH1's oop over 2024-12-01 … 2025-11-30: both members' psn_part_amt
    oop = sum(D(r["psn_part_amt"]) for r in (a1, a2, b1))
    # B: RESIDENT's 21 visits (for the values here: 7092.50 + 2856.25 = 9948.75)
    b = b_of(a1) + b_of(a2)
    t = min(b, THRESHOLD)  # nothing used yet: max(0, 8000 − 0)
    grant = _cents(min((b - t) * RATIO, CAP))  # (9948.75 − 8000) × 0.5 = 974.375 → 974.38
    assert (done.state, done.household_oop, done.threshold) == (AppState.GRANTED, oop,
                                                                D("7500.00"))  # 15000 × 0.5
    assert (done.b, done.t, done.grant) == (b, t, grant)
    assert grant == D("974.38")
    fen = int(grant * 100)
    after = _assistance(assisted)
    assert after["assistance:"][0] - before.get("assistance:", (0, 0))[0] == fen
    assert after[f"assistance_payable:{RESIDENT}"] == (0, fen)
    ytd, version = accumulators_of(RESIDENT, "390", 2025, store=assisted) or (None, 0)
    assert ytd is not None and (ytd.maf_dedc_used, ytd.maf_paid) == (t, grant)
    assert version == 3  # two settlements, then the grant
    # the group from the decision day to the end of that year
    assert "yinbing" in assist.groups_on(RESIDENT, DECIDED, store=assisted)
    assert "yinbing" in assist.groups_on(RESIDENT, date(2025, 12, 31), store=assisted)
    assert "yinbing" not in assist.groups_on(RESIDENT, APPLIED, store=assisted)
    assert "yinbing" not in assist.groups_on(RESIDENT, date(2026, 1, 1), store=assisted)
    # deciding again pays nothing more and changes nothing
    again = assist.decide(app_id, True, actor="t2", today=DECIDED, store=assisted)
    assert isinstance(again, AssistRefused) and again.reason == AssistProblem.ALREADY_DECIDED
    again = assist.decide(app_id, False, "复核", actor="t2", today=DECIDED, store=assisted)
    assert isinstance(again, AssistRefused) and again.reason == AssistProblem.ALREADY_DECIDED
    assert _assistance(assisted) == after
    assert accumulators_of(RESIDENT, "390", 2025, store=assisted) == (ytd, version)
    shown = assist.application(app_id, store=assisted)
    assert not isinstance(shown, AssistRefused)
    assert [e.action for e in shown[1]] == ["assist.apply", "assist.decide"]
    assert '"grant": "974.38"' in shown[1][1].detail


def test_after_a_refusal_on_review_the_person_may_apply_again(assisted: Store) -> None:
    # A handler's refusal (reason `handler`, with the note) pays nothing and leaves the year
    # open: a second application is recorded and granted on the same figures.
    _visits(assisted)
    first = _apply(assisted)
    refused = assist.decide(first, False, "材料不全", actor="t", today=DECIDED, store=assisted)
    assert not isinstance(refused, AssistRefused)
    assert (refused.state, refused.reason, refused.note) == (AppState.REFUSED, "handler",
                                                             "材料不全")
    second = _apply(assisted)
    done = assist.decide(second, True, actor="t", today=DECIDED, store=assisted)
    assert not isinstance(done, AssistRefused) and done.grant == D("974.38")


@pytest.mark.parametrize(("psn_no", "income", "reason"), [
    (RESIDENT, "30000", "below_threshold"),  # 30000 × 0.5 = 15000 > 10591.50
    (DIBAO, "1000", "already_assisted"),  # holds dibao, which the policy names
    (CITY, "1000", "no_policy"),  # 511602 ships no policy
])
def test_rule_refusals_are_recorded_with_their_reason(
    assisted: Store, psn_no: str, income: str, reason: str
) -> None:
    _visits(assisted)
    before = _assistance(assisted)
    app_id = _apply(assisted, psn_no, income)
    done = assist.decide(app_id, True, actor="t", today=DECIDED, store=assisted)
    assert not isinstance(done, AssistRefused)
    assert (done.state, done.reason, done.grant) == (AppState.REFUSED, reason, None)
    assert _assistance(assisted) == before
    assert not assist.groups_on(psn_no, DECIDED, store=assisted) & {"yinbing"}


@pytest.mark.parametrize(("args", "reason"), [
    ((RESIDENT, "-1", APPLIED), AssistProblem.INVALID),
    ((RESIDENT, "1.001", APPLIED), AssistProblem.INVALID),
    ((RESIDENT, "1000", "2025-13-01"), AssistProblem.INVALID),
    ((RESIDENT, "1000", date(2025, 12, 2)), AssistProblem.INVALID),  # after today
    (("511623199901010000", "1000", APPLIED), AssistProblem.NOT_FOUND),
    ((LAPSED, "1000", APPLIED), AssistProblem.NOT_ENROLLED),  # enrolled 2023 only
])
def test_bad_applications_write_nothing(assisted: Store, args: tuple[Any, ...],
                                        reason: AssistProblem) -> None:
    done = assist.apply(*args, actor="t", today=date(2025, 12, 1), store=assisted)
    assert isinstance(done, AssistRefused) and done.reason == reason, done
    assert assist.applications(store=assisted) == assist.AppPage(0, [])


def test_one_open_application_per_person_and_year(assisted: Store) -> None:
    _apply(assisted)
    done = assist.apply(RESIDENT, "1", APPLIED, actor="t", today=APPLIED, store=assisted)
    assert isinstance(done, AssistRefused) and done.reason == AssistProblem.DUPLICATE


def test_a_handler_refusal_needs_a_reason(assisted: Store) -> None:
    app_id = _apply(assisted)
    done = assist.decide(app_id, False, "  ", actor="t", today=DECIDED, store=assisted)
    assert isinstance(done, AssistRefused) and done.reason == AssistProblem.INVALID
    missing = assist.decide(999, True, actor="t", today=DECIDED, store=assisted)
    assert isinstance(missing, AssistRefused) and missing.reason == AssistProblem.NOT_FOUND


@pytest.mark.parametrize("step", ["grant", "accumulators", "commit"])
def test_a_failed_decision_leaves_no_trace(assisted: Store, step: str) -> None:
    _visits(assisted)
    app_id = _apply(assisted)
    before = (_assistance(assisted), accumulators_of(RESIDENT, "390", 2025, store=assisted))

    def fail(name: str) -> None:
        if name == step:
            raise RuntimeError(name)

    with pytest.raises(RuntimeError):
        assist.decide(app_id, True, actor="t", today=DECIDED, store=assisted, on_step=fail)
    assert (_assistance(assisted),
            accumulators_of(RESIDENT, "390", 2025, store=assisted)) == before
    shown = assist.application(app_id, store=assisted)
    assert not isinstance(shown, AssistRefused) and shown[0].state is AppState.APPLIED
    assert not assist.groups_on(RESIDENT, DECIDED, store=assisted) & {"yinbing"}
    done = assist.decide(app_id, True, actor="t", today=DECIDED, store=assisted)
    assert not isinstance(done, AssistRefused) and done.grant == D("974.38")


def test_the_queue_filters_and_pages(assisted: Store) -> None:
    ids = [_apply(assisted, who) for who in (RESIDENT, DIBAO, TEKUN)]
    assist.decide(ids[1], True, actor="t", today=DECIDED, store=assisted)
    page = assist.applications(state="applied", store=assisted)
    assert not isinstance(page, AssistRefused)
    assert page.total == 2 and {a.app_id for a in page.items} == {ids[0], ids[2]}
    one = assist.applications(limit=1, offset=1, store=assisted)
    assert not isinstance(one, AssistRefused) and one.total == 3 and len(one.items) == 1
    mine = assist.applications(psn_no=DIBAO, store=assisted)
    assert not isinstance(mine, AssistRefused)
    assert [a.state for a in mine.items] == [AppState.REFUSED]
    bad = assist.applications(state="lost", store=assisted)
    assert isinstance(bad, AssistRefused) and bad.reason == AssistProblem.INVALID


def test_monitoring_flags_persons_and_households(assisted: Store) -> None:
    a1, a2, b1 = _visits(assisted)
    a3 = settle_on(assisted, RESIDENT, "A3", "50000.00", date(2025, 8, 1))
    resident = sum(D(r["psn_part_amt"]) for r in (a1, a2, a3))
    dibao = D(b1["psn_part_amt"])
    assert resident >= D("16000")  # 16000 × share_general 1
    assert dibao < D("8000")  # 16000 × share_low_income 0.5
    doc = assist.monitor(2025, store=assisted)
    assert doc == {
        "year": 2025,
        "persons": [{"psn_no": RESIDENT, "household_id": "HH1", "groups": [],
                     "oop": str(resident), "threshold": "16000.00"}],
        # two insured members: 16000 × 0.5 × 2 = 16000
        "households": [{"household_id": "HH1", "members": 2, "oop": str(resident + dibao),
                        "threshold": "16000.00"}]}
    assert assist.monitor(2024, store=assisted) == {"year": 2024, "persons": [],
                                                    "households": []}


def test_monitoring_reads_groups_granted_by_the_last_settlement(assisted: Store) -> None:
    _visits(assisted)
    app_id = _apply(assisted)
    assist.decide(app_id, True, actor="t", today=DECIDED, store=assisted)
    # a visit after the grant: RESIDENT then holds yinbing, flagged at 16000 × 0.5 = 8000
    late = settle_on(assisted, RESIDENT, "A9", "100.00", date(2025, 12, 10))
    doc = assist.monitor(2025, store=assisted)
    assert not isinstance(doc, AssistRefused)
    (person,) = doc["persons"]
    assert (person["groups"], person["threshold"]) == (["yinbing"], "8000.00")
    assert D(person["oop"]) >= D("8000") and D(late["psn_part_amt"]) > 0
