"""Which method pays each inpatient stay, and the plan's indicator on it, written once.

The Linshui plan's indicator 住院费用按 DRG 结合点数法等非项目付费占比 is the share of the
inpatient medical cost (医疗费用总额 of every inpatient settlement) in stays paid by a
non-itemised method: DRG or DIP points, or per bed-day. The region pays its own stays (本地就医)
by DRG points, and those longer than `PER_DIEM_AFTER_DAYS` per bed-day; its insured's stays
elsewhere (异地就医) are paid by the region where they were treated, itemised from this region's
point of view.

The year job assigns each stay its method with `stay_method` and computes the report's figure
with `non_itemised_share`; the store keeps each stay's method with its settlement list, and the
bureau's indicators apply the same `non_itemised_share` to the same sums, so the report, the API
and the console show one figure.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

import polars as pl

from yibao.indicators.table import ratio

PER_DIEM_AFTER_DAYS: Final = 60  # local stays longer than this are paid per bed-day (按床日)
#: The methods that are not fee-for-service (非项目付费), as named in `payment.budget.METHODS`.
NON_ITEMISED: Final = ("drg", "dip", "per_diem")


def stay_method(local: pl.Expr, los_days: pl.Expr) -> pl.Expr:
    """The method that pays each stay: `drg`, `per_diem` (local stays longer than
    `PER_DIEM_AFTER_DAYS`) or `fee_for_service` (stays elsewhere, paid there by item)."""
    return (pl.when(~local).then(pl.lit("fee_for_service"))
            .when(los_days > PER_DIEM_AFTER_DAYS).then(pl.lit("per_diem"))
            .otherwise(pl.lit("drg")).alias("payment_method"))


def non_itemised_share(non_itemised_fen: int, inpatient_fen: int) -> Decimal:
    """The indicator: medical cost of the stays paid by a `NON_ITEMISED` method over the
    medical cost of all inpatient settlements, a fraction to six places (0 when none)."""
    return ratio(non_itemised_fen, inpatient_fen)
