"""Credit scores and grades follow the scheme's table, staff points stop at the limit, the draw
replays from its seed and respects conflicts, and cases move only along the allowed states with
a trail, a confirmed case recovering its amount in a balanced posting set."""

from __future__ import annotations

from decimal import Decimal

import pytest

from yibao.fund.postings import Side
from yibao.supervise.cases import Case, Refusal, State, move, recovery_postings
from yibao.supervise.credit import load_scheme, score_institution, staff_points
from yibao.supervise.draw import Inspector, draw, published

SCHEME = load_scheme()


@pytest.mark.parametrize(("facts", "score", "grade"), [
    ({}, 1000, "A"),
    ({"violation_rate_e3": 20}, 900, "A"),
    ({"violation_rate_e3": 21}, 895, "B"),
    ({"confirmed_cases": 100}, 700, "C"),  # capped at 300
    ({"confirmed_cases": 31, "recovered_e3": 10}, 660, "D"),
    ({"fraud_cases": 1}, 1000, "D"),  # override
])
def test_credit_table(facts: dict[str, int], score: int, grade: str) -> None:
    r = score_institution(SCHEME, "H1", facts)
    assert (r.score, r.grade) == (score, grade)


@pytest.mark.parametrize(("cases", "points", "suspended"), [
    ([("low",)], 1, False),
    ([("high",), ("medium",)], 9, False),
    ([("high",), ("high",)], 12, True),
    ([("high",)] * 3, 12, True),  # capped at the limit
])
def test_staff_points(cases: list[tuple[str]], points: int, suspended: bool) -> None:
    (s,) = staff_points(SCHEME, [("D1", c[0]) for c in cases])
    assert (s.points, s.suspended) == (points, suspended)


REGISTER = (Inspector("I1", "甲", frozenset({"H1"})), Inspector("I2", "乙"),
            Inspector("I3", "丙"), Inspector("I4", "丁", frozenset({"H2"})))
GRADES = {f"H{i}": "ABCD"[i % 4] for i in range(1, 41)}


def test_draw_replays_and_avoids_conflicts() -> None:
    a, b = draw(GRADES, REGISTER, 42), draw(GRADES, REGISTER, 42)
    assert a == b and published(a, {}) == published(b, {})
    per = {g: sum(d.grade == g for d in a.drawn) for g in "ABCD"}
    assert per == {"A": 1, "B": 1, "C": 2, "D": 5}  # ceil(ratio × 10) per grade
    for d in a.drawn:
        assert len(d.inspectors) == 2
        assert all(d.fixmedins_code not in p.conflicts for p in REGISTER if p.id in d.inspectors)
    assert "随机种子 42" in published(a, {})[0]


def test_draw_takes_the_exact_ceiling_of_ratio_times_count() -> None:
    # A bureau's 7 % of 100 institutions is 7; as floats 0.07 × 100 = 7.000000000000001, whose
    # ceiling drew 8. Ratios are exact decimals now (and floats are refused in this room by
    # tests/test_style.py).
    grades = {f"H{i}": "B" for i in range(100)}
    assert len(draw(grades, REGISTER, 7, ratios={"B": Decimal("0.07")}).drawn) == 7


CASE = Case("C1", "R001", "M1", "H1", "D1", "390", 12_345)


@pytest.mark.parametrize(("path", "last"), [
    ([State.UNDER_REVIEW, State.CONFIRMED], State.CONFIRMED),
    ([State.DISMISSED], State.DISMISSED),
    ([State.UNDER_REVIEW, State.CONFIRMED, State.APPEALED, State.DISMISSED], State.DISMISSED),
    ([State.CONFIRMED], Refusal.NOT_ALLOWED),
    ([State.DISMISSED, State.UNDER_REVIEW], Refusal.NOT_ALLOWED),
])
def test_case_moves(path: list[State], last: object) -> None:
    case: Case | Refusal = CASE
    for i, to in enumerate(path):
        assert isinstance(case, Case)
        case = move(case, to, f"审核员{i}", f"2020-06-0{i + 1}T09:00")
    assert (case.state if isinstance(case, Case) else case) == last
    if isinstance(case, Case):
        assert [e.to_state for e in case.trail] == path


def test_confirmed_amount_needed_and_recovered() -> None:
    review = move(CASE, State.UNDER_REVIEW, "a", "t")
    assert isinstance(review, Case)
    assert move(review, State.CONFIRMED, "b", "t", amount_fen=0) is Refusal.AMOUNT_NEEDED
    done = move(review, State.CONFIRMED, "b", "t", amount_fen=10_000)
    assert isinstance(done, Case)
    ps = recovery_postings(done, "511623", "REC-C1")
    assert ps.amount_fen == 10_000
    debit = next(p for p in ps.postings if p.side is Side.DEBIT)
    assert debit.account.holder == "H1"


@pytest.mark.parametrize(("by", "amount_fen", "approver", "expected"), [
    ("a", 10_000, False, Refusal.SAME_PERSON),  # the reviewer cannot confirm alone
    ("a", 10_000, True, Refusal.SAME_PERSON),
    ("b", 12_345, False, State.CONFIRMED),  # a second person, within the hit's amount
    ("b", 12_346, False, Refusal.SECOND_REVIEW_NEEDED),
    ("b", 5_000_000_000, True, State.CONFIRMED),  # an approver (复审) allows more
    ("b", 10_000_000_001, True, Refusal.AMOUNT_TOO_LARGE),
    ("a", 10_000_000_001, False, Refusal.AMOUNT_TOO_LARGE),  # precedence: amount first
    ("b", 0, True, Refusal.AMOUNT_NEEDED),
])
def test_confirmation_needs_a_second_person(by: str, amount_fen: int, approver: bool,
                                            expected: object) -> None:
    review = move(CASE, State.UNDER_REVIEW, "a", "t", amount_fen=99_999)
    assert isinstance(review, Case) and review.amount_fen == 12_345  # only confirming sets it
    done = move(review, State.CONFIRMED, by, "t", amount_fen=amount_fen, approver=approver)
    assert (done.state if isinstance(done, Case) else done) == expected


def test_the_bound_stays_the_hit_after_an_appeal() -> None:
    steps = [(State.UNDER_REVIEW, "a", None), (State.CONFIRMED, "b", 10_000),
             (State.APPEALED, "c", None)]
    case: Case | Refusal = CASE
    for to, by, amount in steps:
        assert isinstance(case, Case)
        case = move(case, to, by, "t", amount_fen=amount)
    assert isinstance(case, Case) and case.bound_fen == 12_345
    assert move(case, State.CONFIRMED, "c", "t") is Refusal.SAME_PERSON
    assert move(case, State.CONFIRMED, "d", "t", amount_fen=20_000) is \
        Refusal.SECOND_REVIEW_NEEDED
