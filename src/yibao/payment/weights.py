"""Relative weights (相对权重 RW) from a year of costed cases, and adjustment coefficients.

`RW_g = mean cost of group g / mean cost of all cases` (facts/drg.md §3.2), both over the cases
kept by the trimming: per group, cases outside the IQR fences `[Q1 − k·IQR, Q3 + k·IQR]` are left
out (k = 1.5 by default; quartiles are order statistics, so nothing is interpolated). Costs are
integer fen; the means and RW are exact fractions, published as integer fen (half-up) and as a
`Decimal` RW with four places. Ungroupable cases (`0000`) carry no weight.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction
from typing import Final

import numpy as np
import polars as pl

from yibao.payment.cases import UNGROUPABLE
from yibao.payment.exact import fraction_half_up, to_decimal

RW_PLACES: Final = 4
COEFFICIENT_PLACES: Final = 4


@dataclass(frozen=True, slots=True)
class Trim:
    """IQR trimming per group; `iqr_multiple=None` keeps every case (untrimmed)."""

    iqr_multiple: Fraction | None = Fraction(3, 2)


NO_TRIM: Final = Trim(None)


@dataclass(frozen=True, slots=True)
class GroupWeight:
    """One group's weight: cases seen and kept, trimmed mean cost (fen), RW, mean stay."""

    drg: str
    cases: int
    cases_kept: int
    mean_cost_fen: int
    rw: Decimal
    mean_los_days: Fraction


@dataclass(frozen=True, slots=True)
class Weights:
    """The weights of a year: per group, and the overall trimmed mean cost (fen)."""

    groups: tuple[GroupWeight, ...]
    mean_cost_fen: int

    def by_drg(self) -> dict[str, GroupWeight]:
        return {g.drg: g for g in self.groups}

    def to_frame(self) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "drg": [g.drg for g in self.groups],
                "cases": [g.cases for g in self.groups],
                "cases_kept": [g.cases_kept for g in self.groups],
                "mean_cost_fen": [g.mean_cost_fen for g in self.groups],
                "rw": [str(g.rw) for g in self.groups],
            },
            schema={"drg": pl.String, "cases": pl.Int64, "cases_kept": pl.Int64,
                    "mean_cost_fen": pl.Int64, "rw": pl.String},
        )


def trim_mask(group: np.ndarray, cost: np.ndarray, trim: Trim) -> np.ndarray:
    """Whether each case is kept: inside its group's IQR fences (all kept when untrimmed)."""
    n = cost.size
    if trim.iqr_multiple is None or n == 0:
        return np.ones(n, dtype=bool)
    order = np.lexsort((cost, group))
    sorted_group, sorted_cost = group[order], cost[order]
    starts = np.flatnonzero(np.r_[True, sorted_group[1:] != sorted_group[:-1]])
    counts = np.diff(np.r_[starts, n])
    q1 = sorted_cost[starts + (counts - 1) // 4]
    q3 = sorted_cost[starts + (3 * (counts - 1) + 3) // 4]
    iqr = q3 - q1
    p, q = trim.iqr_multiple.numerator, trim.iqr_multiple.denominator
    which = np.repeat(np.arange(starts.size), counts)
    c = q * sorted_cost
    kept_sorted = (c >= q * q1[which] - p * iqr[which]) & (c <= q * q3[which] + p * iqr[which])
    kept = np.empty(n, dtype=bool)
    kept[order] = kept_sorted
    return kept


def kept_cases(frame: pl.DataFrame, trim: Trim = Trim()) -> pl.DataFrame:
    """The grouped cases (not `0000`) that the trimming keeps."""
    grouped = frame.filter(pl.col("drg") != UNGROUPABLE)
    codes = grouped["drg"].cast(pl.Categorical).to_physical().to_numpy()
    mask = trim_mask(codes.astype(np.int64), grouped["medfee_sumamt"].to_numpy(), trim)
    return grouped.filter(pl.Series(mask))


def relative_weights(frame: pl.DataFrame, trim: Trim = Trim()) -> Weights:
    """RW of every group in a conformed case frame (`cases.conform_cases`)."""
    grouped = frame.filter(pl.col("drg") != UNGROUPABLE)
    seen = dict(grouped.group_by("drg").len().iter_rows())
    kept = kept_cases(frame, trim)
    sums = kept.group_by("drg").agg(
        pl.len().alias("n"), pl.col("medfee_sumamt").sum().alias("cost"),
        pl.col("los_days").cast(pl.Int64).sum().alias("los"),
    ).sort("drg")
    total_cost, total_n = int(sums["cost"].sum() or 0), int(sums["n"].sum() or 0)
    if total_n == 0 or total_cost == 0:
        return Weights((), 0)
    overall = Fraction(total_cost, total_n)
    groups = []
    for drg, n, cost, los in sums.iter_rows():
        mean = Fraction(cost, n)
        groups.append(GroupWeight(
            drg=drg, cases=int(seen[drg]), cases_kept=n, mean_cost_fen=fraction_half_up(mean),
            rw=to_decimal(mean / overall, RW_PLACES), mean_los_days=Fraction(los, n),
        ))
    return Weights(tuple(groups), fraction_half_up(overall))


def _expected_cost(frame: pl.DataFrame, weights: Weights) -> pl.DataFrame:
    means = pl.DataFrame(
        {"drg": [g.drg for g in weights.groups],
         "group_mean": [g.mean_cost_fen for g in weights.groups]},
        schema={"drg": pl.String, "group_mean": pl.Int64},
    )
    return frame.join(means, on="drg", how="inner")


def level_coefficients(frame: pl.DataFrame, weights: Weights) -> dict[str, Decimal]:
    """调整系数 by hospital level: the level's cost over its cases' regional group means."""
    costs = _expected_cost(frame, weights).group_by("level").agg(
        pl.col("medfee_sumamt").sum().alias("cost"), pl.col("group_mean").sum().alias("expected")
    )
    return {
        level: to_decimal(Fraction(cost, expected), COEFFICIENT_PLACES)
        for level, cost, expected in costs.sort("level").iter_rows() if expected > 0
    }


def hospital_group_coefficients(
    frame: pl.DataFrame, weights: Weights, min_cases: int = 5
) -> dict[tuple[str, str], Decimal]:
    """调整系数 by hospital and group: the cell's mean cost over the group's mean cost.

    Cells with fewer than `min_cases` cases get none (the level coefficient applies to them).
    """
    cells = _expected_cost(frame, weights).group_by("hospital", "drg").agg(
        pl.len().alias("n"), pl.col("medfee_sumamt").sum().alias("cost"),
        pl.col("group_mean").first().alias("group_mean"),
    ).filter((pl.col("n") >= min_cases) & (pl.col("group_mean") > 0))
    return {
        (h, g): to_decimal(Fraction(cost, n * mean), COEFFICIENT_PLACES)
        for h, g, n, cost, mean in cells.sort("hospital", "drg").iter_rows()
    }


def with_published_rw(weights: Weights, published: Mapping[str, Decimal]) -> Weights:
    """The same weights with each group's RW replaced by a city's published RW where it has one.

    The group mean costs (used by the outlier rules) stay those of the data.
    """
    groups = tuple(
        replace(g, rw=published[g.drg]) if published.get(g.drg) else g for g in weights.groups
    )
    return replace(weights, groups=groups)
