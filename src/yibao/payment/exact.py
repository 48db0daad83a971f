"""Exact integer arithmetic for payment: half-up division and largest-remainder rounding.

Money is integer fen and points are integer units of 0.0001 point (`POINT_SCALE`), so every
payment quantity is an exact integer; a ratio is a `Fraction` or a `Decimal`. These helpers round
the one time a quantity is stored, half-up, and share an exact total out to the fen.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Final

import numpy as np
from numpy.typing import NDArray

from yibao.core.checks import invariant

#: Points are stored as integers of 0.0001 point (点数 × 10 000).
POINT_SCALE: Final = 10_000
#: Ratios and coefficients (RW, 调整系数, multiples) are laid out as integers of 0.0001.
RATIO_SCALE: Final = 10_000


def div_half_up(numerator: NDArray[np.int64], denominator: NDArray[np.int64] | int) -> NDArray:
    """`numerator / denominator` rounded half-up, for numerator ≥ 0 and denominator > 0."""
    numerator = np.asarray(numerator, dtype=np.int64)
    denominator = np.asarray(denominator, dtype=np.int64)
    invariant(bool((denominator > 0).all()), "division by a non-positive integer")
    invariant(bool((numerator >= 0).all()), "half-up division of a negative numerator")
    return (2 * numerator + denominator) // (2 * denominator)


def fraction_half_up(value: Fraction) -> int:
    """The integer nearest to `value`, halves away from zero."""
    sign = -1 if value < 0 else 1
    magnitude = abs(value)
    return sign * int((2 * magnitude.numerator + magnitude.denominator)
                      // (2 * magnitude.denominator))


def scaled(value: Decimal | Fraction, scale: int = RATIO_SCALE) -> int:
    """`value × scale` rounded half-up to an integer (a ratio laid out as int64)."""
    return fraction_half_up(Fraction(value) * scale)


def to_decimal(value: Fraction, places: int) -> Decimal:
    """A fraction as a `Decimal` with `places` decimals, half-up."""
    quantum = Decimal(1).scaleb(-places)
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(quantum, rounding=ROUND_HALF_UP)


def largest_remainder(exact: Sequence[Fraction], total: int) -> list[int]:
    """Integers that sum to `total`, each within 1 of its exact share (Hamilton's method).

    `exact` must sum to `total` exactly. Each share is floored; the units still missing go to the
    largest fractional parts, ties to the earlier position, so the result is deterministic.
    """
    invariant(sum(exact, Fraction(0)) == total, "exact shares do not sum to the total")
    floors = [x.numerator // x.denominator for x in exact]
    missing = total - sum(floors)
    invariant(0 <= missing <= len(exact), "largest remainder out of range", missing)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:missing]:
        floors[i] += 1
    return floors
