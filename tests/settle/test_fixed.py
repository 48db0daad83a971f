"""The batch engine's int64 fixed-point helpers round as Decimal half-up does, up to the limits."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from yibao.core.money import MONEY_CONTEXT
from yibao.settle.fixed import line_amount, mul_ratio, over_cap

CENT = Decimal("0.01")
# Validator limits: cnt ≤ 10,000 with 4 places, prices ≤ 10,000,000 with 6 places.
cnts = st.integers(1, 10_000 * 10_000)
prices = st.integers(0, 10_000_000 * 1_000_000)
amounts = st.integers(0, 2 * 10**16)  # 2,000 lines at the largest amount, in fen
ratios = st.integers(0, 10_000)


def half_up(value: Decimal) -> int:
    with localcontext(MONEY_CONTEXT):
        return int((value / 100).quantize(CENT, rounding=ROUND_HALF_UP) * 100)


def arr(values: list[int]) -> np.ndarray:
    return np.array(values, dtype=np.int64)


@given(st.lists(st.tuples(cnts, prices), min_size=1, max_size=20))
def test_line_amount_matches_decimal(pairs: list[tuple[int, int]]) -> None:
    got = line_amount(arr([c for c, _ in pairs]), arr([p for _, p in pairs]))
    want = [half_up(Decimal(c).scaleb(-4) * Decimal(p).scaleb(-6) * 100) for c, p in pairs]
    assert got.tolist() == want


@given(st.lists(st.tuples(amounts, ratios), min_size=1, max_size=20))
def test_mul_ratio_matches_decimal(pairs: list[tuple[int, int]]) -> None:
    got = mul_ratio(arr([a for a, _ in pairs]), arr([r for _, r in pairs]))
    assert got.tolist() == [half_up(Decimal(a) * Decimal(r).scaleb(-4)) for a, r in pairs]


@given(st.integers(0, 10**12), st.integers(1, 10_000), st.data())
def test_over_cap_matches_decimal(base: int, ratio: int, data: st.DataObject) -> None:
    want_paid = half_up(Decimal(base) * Decimal(ratio).scaleb(-4))
    paid = data.draw(st.integers(0, max(0, want_paid - 1)))
    got = over_cap(arr([base]), arr([paid]), arr([ratio]))
    with localcontext(MONEY_CONTEXT):
        exact = Decimal(base) - Decimal(paid) / Decimal(ratio).scaleb(-4)
    assert got.tolist() == [half_up(exact)]


def test_half_cent_rounds_up_on_both_paths() -> None:
    # 0.5 fen exactly: 1 × 0.005 yuan, and 1 fen × 0.5; the split path is forced by size.
    assert line_amount(arr([10_000]), arr([5_000])).tolist() == [1]
    big = 10_000 * 10_000
    assert line_amount(arr([big, 10_000]), arr([10**13, 5_000])).tolist() == [10**11 * 100, 1]
    assert mul_ratio(arr([1, 2 * 10**16]), arr([5_000, 5_000])).tolist() == [1, 10**16]
