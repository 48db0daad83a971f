"""Proves that point settlement pays out the DRG fund budget to the cent and that each hospital
gets its points × point value − its patient and other-fund parts, within the one fen that the
largest-remainder rounding moves."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from yibao.payment.exact import largest_remainder
from yibao.payment.points import PointRules, case_points
from yibao.payment.settlement import settle_cases, settle_points
from yibao.payment.synthetic import generate_cases
from yibao.payment.weights import relative_weights

hospital = st.tuples(
    st.integers(1, 5_000),  # cases
    st.integers(1, 10**12),  # points e4
    st.integers(0, 10**11),  # other parts fen
)


@settings(max_examples=200, deadline=None)
@given(st.lists(hospital, min_size=1, max_size=40), st.integers(0, 10**13))
def test_amounts_sum_to_budget_and_match_points(rows, budget_fen):
    named = [(f"H{i:03d}", n, p, o) for i, (n, p, o) in enumerate(rows)]
    result = settle_points(named, budget_fen)
    assert sum(h.amount_fen for h in result.hospitals) == budget_fen
    assert result.point_value == Fraction(budget_fen + sum(r[3] for r in named),
                                          sum(r[2] for r in named))
    for h in result.hospitals:
        exact = h.points_e4 * result.point_value - h.other_pay_fen
        assert h.exact_fen == exact
        assert abs(h.amount_fen - exact) < 1


@settings(max_examples=200, deadline=None)
@given(st.lists(st.fractions(min_value=-10**6, max_value=10**6), min_size=1, max_size=30),
       st.integers(-50, 50))
def test_largest_remainder_keeps_total_and_moves_under_one(shares, shift):
    total = sum(shares, Fraction(0))
    # make the total an integer by moving the last share
    shares[-1] += Fraction(int(total // 1) + shift) - total
    rounded = largest_remainder(shares, int(total // 1) + shift)
    assert sum(rounded) == int(total // 1) + shift
    assert all(abs(r - s) < 1 for r, s in zip(rounded, shares, strict=True))


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(200, 2_000), st.integers(1, 12))
def test_generated_year_settles_to_budget(seed, n, hospitals):
    frame = generate_cases(np.random.default_rng(seed), n, hospitals=hospitals)
    points = case_points(frame, relative_weights(frame), PointRules())
    budget = int(frame["fund_pay_fen"].sum())
    result = settle_cases(points, budget)
    assert sum(h.amount_fen for h in result.hospitals) == budget
    for h in result.hospitals:
        mine = points.filter(points["hospital"] == h.hospital)
        assert h.points_e4 == mine["points_e4"].sum()
        assert h.other_pay_fen == mine["other_pay_fen"].sum()
        assert abs(h.amount_fen - (h.points_e4 * result.point_value - h.other_pay_fen)) < 1
