"""Regional global budget (区域总额预算) and the county medical community (县域医共体) budget.

* `split_budget`: the region's fund budget shared between payment methods (DRG, DIP, per-diem,
  capitation, fee-for-service, reserve 调剂金) by ratios that sum to 1; the shares are rounded to
  the fen by largest remainder, so they sum to the budget exactly.
* `community_result`: "一个总额付费、结余留用、超支不补". The fund pays the community its whole
  budget; the community pays its members' care (inside and referred out); a surplus is kept by the
  community (all of it, or `retain_share` with the rest returned to the fund); an overrun is not
  covered and the community bears it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Final

from yibao.core.money import ZERO, cents
from yibao.payment.cases import PaymentInputError
from yibao.payment.exact import largest_remainder, to_decimal

METHODS: Final = {"drg": "DRG 付费", "dip": "DIP 付费", "per_diem": "床日付费",
                  "capitation": "按人头付费", "fee_for_service": "按项目付费", "reserve": "调剂金"}


def split_budget(budget_fen: int, shares: Mapping[str, Decimal]) -> dict[str, int]:
    """Each method's budget (fen); the shares must be ≥ 0 and sum to 1."""
    unknown = set(shares) - set(METHODS)
    if unknown:
        raise PaymentInputError(f"未知的支付方式：{sorted(unknown)}")
    exact_sum = sum((Fraction(v) for v in shares.values()), Fraction(0))
    if any(v < 0 for v in shares.values()) or exact_sum != 1:
        raise PaymentInputError(f"各支付方式占比应非负且合计为 1，实为 {to_decimal(exact_sum, 6)}")
    names = sorted(shares)
    exact = [Fraction(shares[n]) * budget_fen for n in names]
    return dict(zip(names, largest_remainder(exact, budget_fen), strict=True))


@dataclass(frozen=True, slots=True)
class CommunityResult:
    """The year of a county medical community (yuan)."""

    budget: Decimal  # paid by the fund to the community
    spent: Decimal  # the community's members' care, inside and referred out
    surplus: Decimal  # budget − spent when positive (结余)
    overrun: Decimal  # spent − budget when positive (超支), borne by the community
    retained: Decimal  # surplus kept by the community (结余留用)
    returned: Decimal  # surplus returned to the fund
    fund_outlay: Decimal  # what the fund paid in the end: budget − returned


def community_result(budget: Decimal, spent: Decimal, retain_share: Decimal = Decimal(1)
                     ) -> CommunityResult:
    """Settle a community's year: the fund never pays more than the budget."""
    if budget < 0 or spent < 0 or not ZERO <= retain_share <= 1:
        raise PaymentInputError("医共体预算、支出应非负，结余留用比例应在 0–1")
    surplus = max(budget - spent, ZERO)
    overrun = max(spent - budget, ZERO)
    retained = cents(surplus * retain_share)
    returned = surplus - retained
    return CommunityResult(cents(budget), cents(spent), cents(surplus), cents(overrun),
                           retained, cents(returned), cents(budget - returned))
