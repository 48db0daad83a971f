"""Stateful settlement on SQLite and PostgreSQL: the person, scheme, groups, accumulators and
account come from the store; a resent request is answered from the store; a different request
under the same identity is a conflict; every refusal names its reason; reversal restores."""

from __future__ import annotations

import pytest

from tests.services.population import (
    CITY,
    CLINIC,
    DIBAO,
    HOSPITAL,
    LAPSED,
    LATE,
    RESIDENT,
    UNREGISTERED,
    WORKER,
    visit,
)
from tests.services.snapshot import snapshot
from yibao.core.money import fmt
from yibao.services.calculate import settle_document
from yibao.services.fund import fund_balances
from yibao.services.settle_service import (
    Refused,
    ReverseRefusal,
    Settled,
    SettleRefusal,
    accumulators_of,
    preview_settlement,
    reverse_settlement,
    settle_committed,
)
from yibao.store import Store


def _settled(outcome: Settled | Refused) -> Settled:
    assert isinstance(outcome, Settled), outcome
    return outcome


def test_settles_with_the_engine_and_the_stored_person(populated: Store) -> None:
    outcome = _settled(settle_committed(visit(DIBAO, "M1"), store=populated))
    stateless = settle_document({
        **visit(DIBAO, "M1"), "policy": "511623-2024", "setl_id": outcome.setl_id,
        "person": {"psn_no": DIBAO, "insutype": "390", "psn_type": "resident", "age": 63,
                   "groups": ["dibao"]},
        "visit": {**visit(DIBAO, "M1")["visit"], "hosp_lv": "2"}})
    assert outcome.result == stateless
    assert not outcome.replayed
    ytd, version = accumulators_of(DIBAO, "390", 2024, store=populated) or (None, 0)
    assert version == 1 and ytd is not None
    assert ytd.to_json() == outcome.result["ytd_after"]


def test_second_visit_uses_the_accumulators_of_the_first(populated: Store) -> None:
    first = _settled(settle_committed(visit(RESIDENT, "A1"), store=populated))
    second = _settled(settle_committed(visit(RESIDENT, "A2"), store=populated))
    assert first.result["act_pay_dedc"] == "250.00"
    assert second.result["act_pay_dedc"] == "125.00"  # repeat admission: deductible × 0.5
    assert second.result["ytd_after"]["admissions"] == 2


def test_same_request_again_is_answered_from_the_store(populated: Store) -> None:
    first = _settled(settle_committed(visit(RESIDENT, "M1"), store=populated))
    before = snapshot(populated)
    again = _settled(settle_committed(visit(RESIDENT, "M1"), store=populated))
    assert again.replayed and again.result == first.result
    assert again.commit_seq == first.commit_seq
    assert snapshot(populated) == before


def test_different_request_under_same_identity_is_a_conflict(populated: Store) -> None:
    settle_committed(visit(RESIDENT, "M1"), store=populated)
    before = snapshot(populated)
    other = settle_committed(visit(RESIDENT, "M1", amount="10.00"), store=populated)
    assert isinstance(other, Refused) and other.reason is SettleRefusal.CONFLICT
    other_person = settle_committed(visit(DIBAO, "M1"), store=populated)
    assert isinstance(other_person, Refused) and other_person.reason is SettleRefusal.CONFLICT
    assert snapshot(populated) == before


REFUSALS = [
    # (request, reason, field) in precedence order of SettleRefusal
    (visit(RESIDENT, "R1", amount="-1"), SettleRefusal.INVALID_REQUEST, "fees[0].pric"),
    (visit(RESIDENT, "R2", day=None), SettleRefusal.INVALID_REQUEST, "visit.enddate"),
    ({**visit(RESIDENT, "R3"), "visit": {"mdtrt_id": "R3", "med_type": "21",
                                         "enddate": "2024-03-09"}},
     SettleRefusal.INVALID_REQUEST, "visit.fixmedins_code"),
    (visit(RESIDENT, "R4", hospital=UNREGISTERED), SettleRefusal.UNKNOWN_INSTITUTION,
     "visit.hosp_lv"),
    (visit("511623197001010011", "R5"), SettleRefusal.NOT_ENROLLED, "person.psn_no"),
    (visit(RESIDENT, "R6", day="2023-06-01"), SettleRefusal.NOT_ENROLLED, "person.psn_no"),
    (visit(CITY, "R7", insuplc_admdvs="511623"), SettleRefusal.OTHER_REGION, "person.psn_no"),
    (visit(RESIDENT, "R8", policy="511600-2024"), SettleRefusal.OTHER_REGION, "person.psn_no"),
    (visit(LAPSED, "R9"), SettleRefusal.LAPSED, "person.psn_no"),
    (visit(RESIDENT, "R10", day="2025-02-01"), SettleRefusal.LAPSED, "person.psn_no"),
    (visit(LATE, "R11", day="2025-07-14"), SettleRefusal.WAITING_PERIOD, "person.psn_no"),
    (visit(CITY, "R12", day="2024-05-01"), SettleRefusal.NO_POLICY, "policy"),
]


@pytest.mark.parametrize(("doc", "reason", "field"), REFUSALS,
                         ids=[f"{r[1].value}-{i}" for i, r in enumerate(REFUSALS)])
def test_refusals_name_their_reason_and_write_nothing(
    populated: Store, doc: dict[str, object], reason: SettleRefusal, field: str
) -> None:
    if doc["visit"].get("enddate") is None:  # type: ignore[union-attr]
        doc = {**doc, "visit": {k: v for k, v in doc["visit"].items()  # type: ignore[union-attr]
                                if k not in ("begndate", "enddate")}}
    before = snapshot(populated)
    previewed = preview_settlement(doc, store=populated)
    assert isinstance(previewed, Refused)
    outcome = settle_committed(doc, store=populated)
    assert isinstance(outcome, Refused), outcome
    assert (outcome.reason, outcome.field) == (reason, field), outcome.message
    assert outcome.message
    assert (previewed.reason, previewed.field) == (reason, field)
    assert snapshot(populated) == before


@pytest.mark.parametrize("psn_no", [DIBAO, WORKER, RESIDENT])
def test_preview_is_the_settlement_to_come_and_writes_nothing(populated: Store,
                                                               psn_no: str) -> None:
    """预结算: the engine's answer on the stored accumulators and account, before and after
    another visit of the person; the store is unchanged by it."""
    for mdtrt_id in ("P1", "P2"):
        before = snapshot(populated)
        previewed = preview_settlement(visit(psn_no, mdtrt_id), store=populated)
        assert not isinstance(previewed, Refused), previewed
        assert snapshot(populated) == before
        settled = _settled(settle_committed(visit(psn_no, mdtrt_id), store=populated))
        expected = {k: v for k, v in settled.result.items() if k != "setl_id"}
        assert {k: v for k, v in previewed.to_json().items() if k != "setl_id"} == expected


def test_waiting_period_ends_on_the_benefit_start(populated: Store) -> None:
    # Enrolled 2023, none in 2024, back on 2025-03-15: 3 fixed + 1 variable month.
    assert isinstance(settle_committed(visit(LATE, "W1", day="2025-07-14"), store=populated),
                      Refused)
    _settled(settle_committed(visit(LATE, "W2", day="2025-07-15"), store=populated))


def test_hospital_level_comes_from_the_registry_unless_the_request_gives_it(
    populated: Store,
) -> None:
    clinic = _settled(settle_committed(visit(RESIDENT, "L1", hospital=CLINIC), store=populated))
    assert clinic.result["act_pay_dedc"] == "100.00"  # level 1 deductible
    doc = visit(RESIDENT, "L2", hospital=UNREGISTERED)
    doc["visit"]["hosp_lv"] = "3"
    third = _settled(settle_committed(doc, store=populated))
    assert third.result["pool_prop_selfpay"] == "0.65"


def test_employee_account_pays_from_the_stored_balance(populated: Store) -> None:
    # 2024 contribution: 6000 × 2 % × 12 = 1440.00 to the personal account.
    first = _settled(settle_committed(visit(WORKER, "E1", use_acct=True), store=populated))
    assert first.result["acct_pay"] == "1398.00"
    assert first.result["balc"] == "42.00"
    second = _settled(settle_committed(visit(WORKER, "E2", use_acct=True), store=populated))
    assert second.result["acct_pay"] == "42.00" and second.result["balc"] == "0.00"


def test_reversal_restores_accumulators_and_balances(populated: Store) -> None:
    balances_before = fund_balances(detail=True, store=populated)
    first = _settled(settle_committed(visit(WORKER, "V1", use_acct=True), store=populated))
    reversed_ = reverse_settlement(first.setl_id, store=populated)
    assert not isinstance(reversed_, Refused)
    assert reversed_.returned_fen == 1860200 + 139800
    ytd, version = accumulators_of(WORKER, "310", 2024, store=populated) or (None, 0)
    assert version == 2 and ytd is not None and ytd.admissions == 0 and ytd.hifp_paid == 0
    before = {(b.region, b.code, b.holder): b.balance_fen for b in balances_before}
    after = {(b.region, b.code, b.holder): b.balance_fen
             for b in fund_balances(detail=True, store=populated)}
    assert after == {key: before.get(key, 0) for key in after}
    assert set(after) - set(before)  # the hospital's and the civil-servant accounts, now at 0
    again = _settled(settle_committed(visit(WORKER, "V1", use_acct=True), store=populated))
    assert again.replayed and again.reversed


def test_reversing_twice_or_unknown_is_refused(populated: Store) -> None:
    first = _settled(settle_committed(visit(RESIDENT, "V1"), store=populated))
    assert not isinstance(reverse_settlement(first.setl_id, store=populated), Refused)
    before = snapshot(populated)
    twice = reverse_settlement(first.setl_id, store=populated)
    assert isinstance(twice, Refused) and twice.reason is ReverseRefusal.ALREADY_REVERSED
    assert "不能重复冲销" in twice.message
    unknown = reverse_settlement("S0000", store=populated)
    assert isinstance(unknown, Refused) and unknown.reason is ReverseRefusal.NOT_FOUND
    assert snapshot(populated) == before


def test_reversal_of_an_earlier_visit_keeps_the_later_one(populated: Store) -> None:
    first = _settled(settle_committed(visit(RESIDENT, "K1"), store=populated))
    second = _settled(settle_committed(visit(RESIDENT, "K2", hospital=CLINIC), store=populated))
    assert not isinstance(reverse_settlement(first.setl_id, store=populated), Refused)
    ytd, _ = accumulators_of(RESIDENT, "390", 2024, store=populated) or (None, 0)
    assert ytd is not None and ytd.admissions == 1
    assert fmt(ytd.hifp_paid) == second.result["hifp_pay"] != "0.00"


def test_hospital_is_owed_every_fund_payment(populated: Store) -> None:
    outcome = _settled(settle_committed(visit(WORKER, "P1", use_acct=True), store=populated))
    owed = {b.holder: b.balance_fen for b in fund_balances(detail=True, store=populated)
            if b.code == "payable_institution"}
    paid = outcome.result["fund_pay_sumamt"], outcome.result["acct_pay"]
    assert owed == {HOSPITAL: sum(int(p.replace(".", "")) for p in paid)}
