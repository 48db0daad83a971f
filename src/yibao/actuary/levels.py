"""Months of payable balance (累计结余可支付月数) and its level.

The one place the projection takes levels from, so that it can be swapped for the thresholds file
of `fund analyze` when that lands. Defaults from facts/policy.md §6 (人社部发〔2009〕67号 [K]):
below 3 months insufficient (red), 3–6 low, 6–9 reasonable, 9–15 high, above 15 excess.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Final

MONTHS_PLACES: Final = Decimal("0.0001")
LEVELS: Final = {"insufficient": "不足", "low": "偏低", "reasonable": "合理", "high": "偏高",
                 "excess": "过多"}


def months_payable(closing_fen: int, expenditure_fen: int) -> Decimal | None:
    """closing balance ÷ (the year's expenditure ÷ 12), four places half up (None: no spending)."""
    if expenditure_fen <= 0:
        return None
    return (Decimal(closing_fen) * 12 / Decimal(expenditure_fen)).quantize(
        MONTHS_PLACES, rounding=ROUND_HALF_UP)


def months_level(months: Decimal | None) -> str:
    """The level of a months-payable figure (a key of `LEVELS`; "" when there is none)."""
    if months is None:
        return ""
    if months < 3:
        return "insufficient"
    if months < 6:
        return "low"
    if months < 9:
        return "reasonable"
    if months <= 15:
        return "high"
    return "excess"
