"""Point value and hospital amounts (点值与医院清算), monthly pre-settlement and year-end clearing.

    point value = (fund budget + patient and other-fund parts of all cases) / total points
    hospital amount = its points × point value − its cases' patient and other-fund parts

The point value is an exact fraction (fen per 0.0001 point), so the exact hospital amounts sum to
the budget exactly; they are then rounded to the fen with the largest-remainder method, so the
rounded amounts sum to the budget to the fen and each moves by less than one fen. The same
settlement serves DRG points and DIP scores (分值).

Monthly pre-settlement (按月预结) pays a share (e.g. 85 %) of the month's fund part of each
hospital's cases; year-end clearing (年终清算) pays the annual amount less what was pre-paid.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import polars as pl

from yibao.core.checks import invariant
from yibao.payment.exact import (
    POINT_SCALE,
    RATIO_SCALE,
    div_half_up,
    largest_remainder,
    scaled,
    to_decimal,
)


@dataclass(frozen=True, slots=True)
class HospitalAmount:
    """One hospital's year: cases, points (e4), other parts (fen), exact and rounded amount."""

    hospital: str
    cases: int
    points_e4: int
    other_pay_fen: int
    exact_fen: Fraction
    amount_fen: int


@dataclass(frozen=True, slots=True)
class PointSettlement:
    """The year's point value and every hospital's fund amount."""

    budget_fen: int
    other_pay_fen: int
    points_e4: int
    point_value: Fraction  # fen per 0.0001 point
    hospitals: tuple[HospitalAmount, ...]

    def point_value_yuan(self, places: int = 4) -> Decimal:
        """元/点: fen per 0.0001 point × 10 000 / 100."""
        return to_decimal(self.point_value * POINT_SCALE / 100, places)

    def to_frame(self) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "hospital": [h.hospital for h in self.hospitals],
                "cases": [h.cases for h in self.hospitals],
                "points_e4": [h.points_e4 for h in self.hospitals],
                "other_pay_fen": [h.other_pay_fen for h in self.hospitals],
                "amount_fen": [h.amount_fen for h in self.hospitals],
            },
            schema={"hospital": pl.String, "cases": pl.Int64, "points_e4": pl.Int64,
                    "other_pay_fen": pl.Int64, "amount_fen": pl.Int64},
        )


def settle_points(rows: list[tuple[str, int, int, int]], budget_fen: int) -> PointSettlement:
    """Settle hospitals given as (hospital, cases, points e4, other parts fen) rows."""
    invariant(budget_fen >= 0, "negative budget", budget_fen)
    rows = sorted(rows)
    total_points = sum(r[2] for r in rows)
    other = sum(r[3] for r in rows)
    invariant(total_points > 0, "no points to settle")
    value = Fraction(budget_fen + other, total_points)
    exact = [points * value - parts for _, _, points, parts in rows]
    rounded = largest_remainder(exact, budget_fen)
    hospitals = tuple(
        HospitalAmount(h, n, points, parts, x, amount)
        for (h, n, points, parts), x, amount in zip(rows, exact, rounded, strict=True)
    )
    invariant(sum(h.amount_fen for h in hospitals) == budget_fen, "amounts miss the budget")
    return PointSettlement(budget_fen, other, total_points, value, hospitals)


def hospital_rows(cases: pl.DataFrame) -> list[tuple[str, int, int, int]]:
    """(hospital, cases, points e4, other parts fen) from cases with `points_e4`."""
    sums = cases.group_by("hospital").agg(
        pl.len().alias("n"), pl.col("points_e4").sum(), pl.col("other_pay_fen").sum()
    ).sort("hospital")
    return [(h, int(n), int(p), int(o)) for h, n, p, o in sums.iter_rows()]


def settle_cases(cases: pl.DataFrame, budget_fen: int) -> PointSettlement:
    """Settle a year of cases that carry `points_e4` against the fund budget (fen)."""
    return settle_points(hospital_rows(cases), budget_fen)


def monthly_presettlement(cases: pl.DataFrame, share: Decimal) -> pl.DataFrame:
    """Per hospital and month: the cases' fund part and the pre-payment (share × it, half-up)."""
    months = cases.group_by("hospital", pl.col("dscg_date").dt.month().alias("month")).agg(
        pl.col("fund_pay_fen").sum()
    ).sort("hospital", "month")
    fund = months["fund_pay_fen"].to_numpy()
    prepay = div_half_up(fund * scaled(share), RATIO_SCALE)
    return months.with_columns(pl.Series("prepay_fen", prepay, dtype=pl.Int64))


def year_end_clearing(settlement: PointSettlement, prepaid: pl.DataFrame) -> pl.DataFrame:
    """Per hospital: the annual amount, the pre-payments and the balance (negative: recovered)."""
    paid = prepaid.group_by("hospital").agg(pl.col("prepay_fen").sum())
    return (
        settlement.to_frame()
        .join(paid, on="hospital", how="left")
        .with_columns(pl.col("prepay_fen").fill_null(0))
        .with_columns((pl.col("amount_fen") - pl.col("prepay_fen")).alias("balance_fen"))
        .sort("hospital")
    )
