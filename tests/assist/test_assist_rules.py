"""The §6 rules over plain values: refusals in order, the grant formula, the monitoring flags
(SETTLEMENT.md §6), each with its arithmetic."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from yibao.assist.rules import (
    ApplyRefusal,
    apply_window,
    check_application,
    grant_of,
    household_flag,
    income_threshold,
    person_flag,
    remaining_selfpay,
)
from yibao.policy.assist import AssistanceApply, Monitoring
from yibao.policy.model import Assistance

APPLY = AssistanceApply(group="yinbing", income_share=D("0.5"), months=12)
NAMED = ("tekun", "dibao", "yinbing")
YINBING = Assistance(threshold=D("8000"), ratio=D("0.50"), annual_cap=D("20000"))
WATCH = Monitoring(rural_income=D("16000"), share_low_income=D("0.5"), share_general=D("1"),
                   household_share=D("0.5"))


@pytest.mark.parametrize(("rule", "held", "oop", "income", "expected"), [
    # granted: 30000 ≥ 50000 × 0.5 = 25000
    (APPLY, (), D("30000"), D("50000"), ()),
    # exactly at the threshold: 25000 ≥ 25000, granted
    (APPLY, (), D("25000.00"), D("50000"), ()),
    # one cent below: 24999.99 < 25000
    (APPLY, (), D("24999.99"), D("50000"), (ApplyRefusal.BELOW_THRESHOLD,)),
    # the threshold is rounded half-up: 33333.33 × 0.5 = 16666.665 → 16666.67
    (APPLY, (), D("16666.66"), D("33333.33"), (ApplyRefusal.BELOW_THRESHOLD,)),
    (APPLY, (), D("16666.67"), D("33333.33"), ()),
    # a group the policy names is held: already assisted
    (APPLY, ("dibao",), D("30000"), D("50000"), (ApplyRefusal.ALREADY_ASSISTED,)),
    # a group the policy does not name (tuopin here) does not count
    (APPLY, ("tuopin",), D("30000"), D("50000"), ()),
    # both, in order
    (APPLY, ("yinbing",), D("0"), D("50000"),
     (ApplyRefusal.ALREADY_ASSISTED, ApplyRefusal.BELOW_THRESHOLD)),
    # no [assistance.apply]: only no_policy (and already_assisted) can be asked
    (None, (), None, D("50000"), (ApplyRefusal.NO_POLICY,)),
    (None, ("tekun",), None, D("50000"),
     (ApplyRefusal.NO_POLICY, ApplyRefusal.ALREADY_ASSISTED)),
])
def test_refusals_come_in_precedence_order(
    rule: AssistanceApply | None, held: tuple[str, ...], oop: D | None, income: D,
    expected: tuple[ApplyRefusal, ...],
) -> None:
    assert check_application(rule, NAMED, held, oop, income) == expected


def test_the_refusal_enum_is_in_precedence_order() -> None:
    assert [r.value for r in ApplyRefusal] == ["no_policy", "already_assisted",
                                               "below_threshold"]


def test_income_threshold_rounds_half_up() -> None:
    # 12345.67 × 0.5 = 6172.835 → 6172.84
    assert income_threshold(D("12345.67"), APPLY) == D("6172.84")


@pytest.mark.parametrize(("day", "months", "first"), [
    (date(2025, 6, 30), 12, date(2024, 7, 1)),
    # 31 March less one month clamps to 28 February; the window starts the day after
    (date(2025, 3, 31), 1, date(2025, 3, 1)),
    (date(2024, 2, 29), 12, date(2023, 3, 1)),
])
def test_apply_window_is_the_months_ending_on_the_day(day: date, months: int, first: date
                                                      ) -> None:
    assert apply_window(day, months) == (first, day)


def test_grant_worked_example() -> None:
    # B = 30000, nothing used yet: t = min(30000, max(0, 8000 − 0)) = 8000;
    # grant = min((30000 − 8000) × 0.50, max(0, 20000 − 0)) = min(11000, 20000) = 11000
    g = grant_of(D("30000"), YINBING, D("0"), D("0"))
    assert (g.t, g.grant, g.maf_dedc_used, g.maf_paid) == (
        D("8000"), D("11000.00"), D("8000"), D("11000.00"))


def test_grant_with_part_of_the_threshold_used_and_the_cap_binding() -> None:
    # t = min(50000, max(0, 8000 − 5000)) = 3000;
    # (50000 − 3000) × 0.5 = 23500, room max(0, 20000 − 12000) = 8000 → grant 8000
    g = grant_of(D("50000"), YINBING, D("5000"), D("12000"))
    assert (g.t, g.grant, g.maf_dedc_used, g.maf_paid) == (
        D("3000"), D("8000.00"), D("8000"), D("20000.00"))


def test_grant_below_the_threshold_pays_nothing() -> None:
    # t = min(6000, 8000) = 6000; (6000 − 6000) × 0.5 = 0
    g = grant_of(D("6000"), YINBING, D("0"), D("0"))
    assert (g.t, g.grant) == (D("6000"), D("0.00"))


def test_grant_rounds_half_up_and_the_cap_spent_pays_nothing() -> None:
    # t = max(0, 8000 − 8000) = 0; (100.01 − 0) × 0.5 = 50.005 → 50.01
    assert grant_of(D("100.01"), YINBING, D("8000"), D("0")).grant == D("50.01")
    # room max(0, 20000 − 25000) = 0
    assert grant_of(D("100000"), YINBING, D("8000"), D("25000")).grant == D("0.00")


def test_remaining_selfpay_is_b_of_one_visit() -> None:
    # 20000 − 14000 − 0 − 1200 − 0 − 300 = 4500
    assert remaining_selfpay(D("20000"), D("14000"), D("0"), D("1200"), D("0"), D("300")) == \
        D("4500")


@pytest.mark.parametrize(("oop", "held", "threshold", "flagged"), [
    # general: 16000 × 1 = 16000
    (D("16000.00"), (), D("16000.00"), True),
    (D("15999.99"), (), D("16000.00"), False),
    # a §1 group (dibao, or tuopin: any of them) halves it: 16000 × 0.5 = 8000
    (D("8000"), ("dibao",), D("8000.00"), True),
    (D("8000"), ("tuopin",), D("8000.00"), True),
    (D("7999.99"), ("dibao",), D("8000.00"), False),
    # a tag that is no §1 group does not
    (D("8000"), ("other",), D("16000.00"), False),
])
def test_person_flag(oop: D, held: tuple[str, ...], threshold: D, flagged: bool) -> None:
    flag = person_flag(oop, held, WATCH)
    assert (flag.threshold, flag.flagged) == (threshold, flagged)


def test_person_flag_needs_some_out_of_pocket() -> None:
    zero = Monitoring(rural_income=D("0"))
    # threshold 0 × 1 = 0, and oop 0 is not > 0
    assert not person_flag(D("0"), (), zero).flagged
    assert person_flag(D("0.01"), (), zero).flagged


def test_household_flag() -> None:
    # 16000 × 0.5 × 3 members = 24000
    assert household_flag(D("24000"), 3, WATCH).flagged
    assert household_flag(D("24000"), 3, WATCH).threshold == D("24000.00")
    assert not household_flag(D("23999.99"), 3, WATCH).flagged
    # rounded: 16000.01 × 0.5 × 1 = 8000.005 → 8000.01
    odd = Monitoring(rural_income=D("16000.01"))
    assert household_flag(D("8000.00"), 1, odd).threshold == D("8000.01")
    assert not household_flag(D("8000.00"), 1, odd).flagged
