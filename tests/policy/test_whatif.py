"""The pure parts of policy what-if (`yibao.policy.whatif`): the bisection over a grid of key
values (reaches the nearest point, refuses a result that does not move or does not move one
way, refuses a target out of reach with the range), and catastrophic out-of-pocket cost per
household, at its threshold ± 1 fen; which schemes' settlements a policy change reaches."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from yibao.policy.keys import parse_key, with_value
from yibao.policy.loader import SHIPPED_DIR, parse_policy
from yibao.policy.whatif import (
    NotMonotone,
    OutOfReach,
    bisect,
    catastrophic_persons,
    changed_schemes,
)


def counted(f: Callable[[int], Fraction]) -> tuple[Callable[[int], Fraction], list[int]]:
    calls: list[int] = []

    def evaluate(point: int) -> Fraction:
        calls.append(point)
        return f(point)
    return evaluate, calls


@pytest.mark.parametrize(("f", "target", "expected"), [
    (lambda p: Fraction(p, 10_000), Fraction(7_941, 10_000), 7_941),  # exact grid point
    (lambda p: Fraction(3 * p + 1, 7), Fraction(100), 233),  # 233 → 700/7 = 100.0 exactly
    (lambda p: Fraction(3 * p + 1, 7), Fraction(1001, 10), 233),  # between 233 (100) and 234
    (lambda p: Fraction(10_000 - p, 5_000), Fraction(1, 2), 7_500),  # falling
    (lambda p: Fraction(min(p, 4_000), 1_000), Fraction(2), 2_000),  # flat beyond 4,000
])
def test_bisection_reaches_the_nearest_point(f: Callable[[int], Fraction], target: Fraction,
                                             expected: int) -> None:
    evaluate, calls = counted(f)
    found = bisect(evaluate, 0, 10_000, target)
    assert found.point == expected
    assert found.result == f(expected)
    assert len(calls) == len(set(calls)) == found.evaluations <= 2 + 14  # ends + log2(10,000)


def test_a_known_point_is_not_evaluated_again() -> None:
    evaluate, calls = counted(lambda p: Fraction(p, 100))
    found = bisect(evaluate, 0, 100, Fraction(1, 4), known={77: Fraction(77, 100)})
    assert 77 not in calls and found.point == 25


def test_a_key_that_does_not_move_the_result_is_refused() -> None:
    with pytest.raises(NotMonotone, match="不改变结果"):
        bisect(lambda p: Fraction(1), 0, 10_000, Fraction(1))


@pytest.mark.parametrize("f", [
    lambda p: Fraction(abs(p - 3_000), 1_000),  # V: down then up, ends differ
    lambda p: Fraction(p % 1_000 + p // 100, 1_000),  # saw-tooth rising overall
])
def test_a_result_that_does_not_move_one_way_is_refused(f: Callable[[int], Fraction]) -> None:
    with pytest.raises(NotMonotone, match="不是单调关系"):
        bisect(f, 0, 10_000, f(10_000) - Fraction(1, 10_000))


def test_a_known_point_out_of_order_is_refused_before_bisecting() -> None:
    evaluate, calls = counted(lambda p: Fraction(p))
    with pytest.raises(NotMonotone, match="不是单调关系"):
        bisect(evaluate, 0, 10, Fraction(5), known={4: Fraction(20)})
    assert sorted(calls) == [0, 10]


@pytest.mark.parametrize("target", [Fraction(-1, 10_000), Fraction(10_001, 10_000)])
def test_a_target_out_of_reach_names_the_range(target: Fraction) -> None:
    with pytest.raises(OutOfReach, match=r"\[0\.0000, 1\.0000\]") as caught:
        bisect(lambda p: Fraction(p, 10_000), 0, 10_000, target)
    assert (caught.value.low, caught.value.high) == (0, 1)


# ---------- catastrophic out-of-pocket cost ----------

@pytest.mark.parametrize(("spent", "share", "expected"), [
    (4_000_000, "0.40", False),  # exactly 40 % of 10,000,000 fen: not above
    (4_000_001, "0.40", True),  # one fen above
    (3_999_999, "0.40", False),
    (2_500_001, "0.25", True),
    (2_500_000, "0.25", False),
])
def test_catastrophic_at_the_threshold(spent: int, share: str, expected: bool) -> None:
    # household 0: persons 0 and 1 with 6,000,000 and 4,000,000 fen of income; the self-pay is
    # split over two visits of different members; household 1: person 2, no visit.
    household = np.array([0, 0, 1], dtype=np.int64)
    income = np.array([6_000_000, 4_000_000, 1_000], dtype=np.int64)
    visit_person = np.array([0, 1], dtype=np.int64)
    self_pay = np.array([spent - 1_000, 1_000], dtype=np.int64)
    found = catastrophic_persons(household, income, visit_person, self_pay, Decimal(share))
    assert found.tolist() == [expected, expected, False]


# ---------- which schemes a change reaches ----------

@pytest.mark.parametrize(("key", "value", "schemes"), [
    ("resident.inpatient.ratio.2", "0.80", ("390",)),
    ("resident.serious_illness.threshold", "10000", ("390",)),
    ("employee.outpatient.deductible.1", "150", ("310",)),
    ("employee.large_expense.annual_cap", "300000", ("310",)),
    ("assistance.groups.dibao.ratio", "0.75", ("310", "390")),
    ("policy.class_b_selfpay", "0.15", ("310", "390")),
    ("resident.inpatient.ratio.2", "0.77", ()),  # the same value
])
def test_changed_schemes(key: str, value: str, schemes: tuple[str, ...]) -> None:
    text = (SHIPPED_DIR / "511623-2020.toml").read_text(encoding="utf-8")
    base = parse_policy(text, "base.toml")
    new = parse_policy(with_value(text, parse_key(key), Decimal(value)), "new.toml")
    assert changed_schemes(base, new) == schemes


def test_a_change_of_contributions_reaches_no_settlement() -> None:
    text = (SHIPPED_DIR / "511623-2020.toml").read_text(encoding="utf-8")
    other = text.replace('individual = "280"', 'individual = "320"')
    assert other != text
    assert changed_schemes(parse_policy(text), parse_policy(other, "other.toml")) == ()
