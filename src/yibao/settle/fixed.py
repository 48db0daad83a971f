"""Exact fixed-point arithmetic on int64 numpy arrays for the batch engine.

Amounts are integer fen (分); ratios are integers in units of 10^-4 (`RATIO_SCALE`); quantities
`cnt` in 10^-4 and prices in 10^-6 (`CNT_SCALE`, `PRICE_SCALE`). Each function rounds half-up
exactly as `Decimal.quantize(ROUND_HALF_UP)` does on the same operands, and splits its operands
so that no intermediate product leaves int64 for any input the request validator accepts.
All operands are non-negative.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

I64 = npt.NDArray[np.int64]

RATIO_SCALE: Final = 10_000  # ratios have at most 4 decimal places
CNT_SCALE: Final = 10_000  # cnt has at most 4 decimal places
PRICE_SCALE: Final = 1_000_000  # prices have at most 6 decimal places
_PRICE_PER_FEN: Final = PRICE_SCALE // 100  # 10^4 price units in one fen
_LINE_DENOM: Final = CNT_SCALE * _PRICE_PER_FEN  # cnt_e4 × pric_e6 / 10^8 = fen


#: Products below this bound cannot overflow int64 even after adding the rounding half.
_SAFE_PRODUCT: Final = 2**62


def _fits(left: I64, right: I64) -> bool:
    """True when every element-wise product of two non-negative arrays stays within int64."""
    if left.size == 0:
        return True
    return int(left.max()) * int(right.max()) < _SAFE_PRODUCT


def mul_ratio(amount_fen: I64, ratio_e4: I64) -> I64:
    """round_half_up(amount × ratio) in fen; splits the amount when the product could overflow."""
    if _fits(amount_fen, ratio_e4):
        product: I64 = (amount_fen * ratio_e4 + RATIO_SCALE // 2) // RATIO_SCALE
        return product
    high, low = np.divmod(amount_fen, RATIO_SCALE)
    return high * ratio_e4 + (low * ratio_e4 + RATIO_SCALE // 2) // RATIO_SCALE


def line_amount(cnt_e4: I64, price_e6: I64) -> I64:
    """round_half_up(cnt × price) in fen: `a` and the over-cap `o` (docs/settlement.md §3, 1)."""
    if _fits(cnt_e4, price_e6):
        amount: I64 = (cnt_e4 * price_e6 + _LINE_DENOM // 2) // _LINE_DENOM
        return amount
    price_fen, price_rest = np.divmod(price_e6, _PRICE_PER_FEN)
    whole_1, rest_1 = np.divmod(cnt_e4 * price_fen, CNT_SCALE)  # fen, 10^-4 fen
    whole_2, rest_2 = np.divmod(cnt_e4 * price_rest, _LINE_DENOM)  # fen, 10^-8 fen
    rest = rest_1 * _PRICE_PER_FEN + rest_2  # 10^-8 fen, < 2 × 10^8
    amount_split: I64 = whole_1 + whole_2 + (rest + _LINE_DENOM // 2) // _LINE_DENOM
    return amount_split


def over_cap(base_fen: I64, paid_fen: I64, ratio_e4: I64) -> I64:
    """round_half_up(base − paid / ratio) in fen, for ratio > 0 and paid / ratio ≤ base.

    `paid / ratio` is split as q + rest / ratio_e4 with q = paid // ratio_e4 so that the products
    stay small; then round_half_up(base − y) = base − ceil(y − 1/2).
    """
    quotient, rest = np.divmod(paid_fen, ratio_e4)
    numerator = 2 * rest * RATIO_SCALE - ratio_e4  # ceil((2·rest·10^4 − k) / 2k)
    denominator = 2 * ratio_e4
    above: I64 = base_fen - (quotient * RATIO_SCALE - (-numerator // denominator))
    return above


def ratio_e4_of(value: object) -> int:
    """A validated Decimal ratio or factor as an integer of 10^-4 units."""
    from decimal import Decimal

    assert isinstance(value, Decimal)
    scaled = value.scaleb(4)
    assert scaled == scaled.to_integral_value(), value
    return int(scaled)
