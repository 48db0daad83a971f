"""Evaluation of a grouping and its weights (分组效能评价), facts/drg.md §4.

* **RIV** (reduction in variance, R²) of cost: `1 − Σ_g Σ_i (y_gi − ȳ_g)² / Σ_i (y_i − ȳ)²`,
  over the grouped cases, untrimmed and after the IQR trimming of `weights.trim_mask`.
* **CV** per group: sample standard deviation / mean of cost; a group with CV ≥ 1 is flagged.
* **CMI** per hospital: `Σ RW_g × n_g / Σ n_g` over the hospital's grouped cases.
* **Grouping rate** (入组率) = grouped / (all − excluded), excluded: stay > 60 days or cost < 5
  yuan; **QY rate** = cases in a QY group (code ending in `QY`) / all.
* **Weight stability** between two years: relative change of RW per common group, its mean, the
  share above 10 %, and the rank correlation (Spearman) of RW.
* **Sibling splits** (…1/…3/…5 of one ADRG): mean costs must fall from 1 to 3 to 5, and each
  adjacent pair must differ (Mann–Whitney U, normal approximation, two-sided p < 0.05).

Statistics are floats (they are not money); RW and CMI stay exact decimals.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Final

import numpy as np
import polars as pl

from yibao.payment.cases import UNGROUPABLE
from yibao.payment.exact import to_decimal
from yibao.payment.weights import NO_TRIM, Trim, Weights, trim_mask

EXCLUDE_LOS_DAYS_OVER: Final = 60
EXCLUDE_COST_FEN_UNDER: Final = 500
CV_FLAG: Final = 1.0
STABILITY_CHANGE: Final = 0.10
SPLIT_P: Final = 0.05
SPLIT_DIGITS: Final = ("1", "3", "5")


@dataclass(frozen=True, slots=True)
class GroupStats:
    drg: str
    cases: int
    mean_fen: float
    cv: float | None  # None below two cases
    flagged: bool


@dataclass(frozen=True, slots=True)
class SplitCheck:
    adrg: str
    means_fen: tuple[tuple[str, float], ...]  # (DRG, mean cost) in split order
    ordered: bool
    p_values: tuple[float, ...]  # adjacent pairs
    separates: bool


def riv(group: np.ndarray, cost: np.ndarray) -> float:
    """Reduction in variance of `cost` by `group` (1 when all within-group variance is 0)."""
    if cost.size == 0:
        return 0.0
    y = cost.astype(np.float64)
    total = float(((y - y.mean()) ** 2).sum())
    _, inverse = np.unique(group, return_inverse=True)
    means = np.bincount(inverse, y) / np.bincount(inverse)
    within = float(((y - means[inverse]) ** 2).sum())
    return 1.0 - within / total if total > 0 else 1.0


def _grouped(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.filter(pl.col("drg") != UNGROUPABLE)


def riv_of(frame: pl.DataFrame, trim: Trim = NO_TRIM) -> float:
    grouped = _grouped(frame)
    codes = grouped["drg"].cast(pl.Categorical).to_physical().to_numpy().astype(np.int64)
    cost = grouped["medfee_sumamt"].to_numpy()
    keep = trim_mask(codes, cost, trim)
    return riv(codes[keep], cost[keep])


def group_stats(frame: pl.DataFrame) -> tuple[GroupStats, ...]:
    stats = _grouped(frame).group_by("drg").agg(
        pl.len().alias("n"), pl.col("medfee_sumamt").cast(pl.Float64).mean().alias("mean"),
        pl.col("medfee_sumamt").cast(pl.Float64).std(ddof=1).alias("sd"),
    ).sort("drg")
    out = []
    for drg, n, mean, sd in stats.iter_rows():
        cv = sd / mean if sd is not None and mean else None
        out.append(GroupStats(drg, n, mean, cv, cv is not None and cv >= CV_FLAG))
    return tuple(out)


def cmi(frame: pl.DataFrame, weights: Weights) -> dict[str, Decimal]:
    """CMI per hospital, four places; cases of groups without a weight are left out."""
    rw = pl.DataFrame({"drg": [g.drg for g in weights.groups],
                       "rw_e4": [int(g.rw.scaleb(4)) for g in weights.groups]},
                      schema={"drg": pl.String, "rw_e4": pl.Int64})
    sums = _grouped(frame).join(rw, on="drg", how="inner").group_by("hospital").agg(
        pl.len().alias("n"), pl.col("rw_e4").sum()).sort("hospital")
    return {h: to_decimal(Fraction(total, n * 10_000), 4) for h, n, total in sums.iter_rows()}


def grouping_rates(frame: pl.DataFrame) -> dict[str, float | int]:
    excluded = (pl.col("los_days") > EXCLUDE_LOS_DAYS_OVER) | (
        pl.col("medfee_sumamt") < EXCLUDE_COST_FEN_UNDER)
    counted = frame.filter(~excluded)
    grouped = int((counted["drg"] != UNGROUPABLE).sum())
    qy = int(frame["drg"].str.ends_with("QY").sum())
    return {
        "cases": frame.height, "excluded": frame.height - counted.height, "grouped": grouped,
        "grouping_rate": grouped / counted.height if counted.height else 0.0,
        "qy_cases": qy, "qy_rate": qy / frame.height if frame.height else 0.0,
    }


def _ranks(values: np.ndarray) -> np.ndarray:
    """Average ranks (1-based), ties sharing their mean rank."""
    order = np.argsort(values, kind="mergesort")
    ranks = np.empty(values.size, dtype=np.float64)
    ranks[order] = np.arange(1, values.size + 1)
    _, inverse = np.unique(values, return_inverse=True)
    return (np.bincount(inverse, ranks) / np.bincount(inverse))[inverse]


def weight_stability(previous: Weights, current: Weights) -> dict[str, object]:
    before, after = previous.by_drg(), current.by_drg()
    common = sorted(set(before) & set(after))
    old = np.array([float(before[d].rw) for d in common])
    new = np.array([float(after[d].rw) for d in common])
    change = np.abs(new - old) / np.where(old > 0, old, 1.0)
    rho = float(np.corrcoef(_ranks(old), _ranks(new))[0, 1]) if len(common) > 1 else 1.0
    return {
        "common_groups": len(common), "new_groups": sorted(set(after) - set(before)),
        "dropped_groups": sorted(set(before) - set(after)),
        "mean_relative_change": float(change.mean()) if common else 0.0,
        "share_changed_over_10pct": float((change > STABILITY_CHANGE).mean()) if common else 0.0,
        "spearman_rw": rho,
        "pairs": [(d, str(before[d].rw), str(after[d].rw)) for d in common],
    }


def mann_whitney_p(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sided p of the Mann–Whitney U test, normal approximation with tie correction."""
    n1, n2 = a.size, b.size
    if n1 == 0 or n2 == 0:
        return 1.0
    both = np.concatenate([a, b]).astype(np.float64)
    ranks = _ranks(both)
    u = ranks[:n1].sum() - n1 * (n1 + 1) / 2
    _, counts = np.unique(both, return_counts=True)
    n = n1 + n2
    tie = float((counts**3 - counts).sum()) / (n * (n - 1)) if n > 1 else 0.0
    variance = n1 * n2 / 12 * ((n + 1) - tie)
    if variance <= 0:
        return 1.0
    z = (abs(u - n1 * n2 / 2) - 0.5) / math.sqrt(variance)
    return math.erfc(max(z, 0.0) / math.sqrt(2))


def sibling_splits(frame: pl.DataFrame) -> tuple[SplitCheck, ...]:
    grouped = _grouped(frame).select("drg", "medfee_sumamt").with_columns(
        pl.col("drg").str.slice(0, 3).alias("adrg"), pl.col("drg").str.slice(3, 1).alias("digit"))
    costs = {d: s.to_numpy() for (d,), s in
             grouped.partition_by("drg", as_dict=True, include_key=False).items()
             for s in [s["medfee_sumamt"]]}
    checks = []
    for adrg in sorted(set(grouped["adrg"].to_list())):
        drgs = [adrg + d for d in SPLIT_DIGITS if adrg + d in costs]
        if len(drgs) < 2:
            continue
        means = tuple((d, float(costs[d].mean())) for d in drgs)
        ordered = all(means[i][1] > means[i + 1][1] for i in range(len(means) - 1))
        p = tuple(mann_whitney_p(costs[drgs[i]], costs[drgs[i + 1]]) for i in range(len(drgs) - 1))
        checks.append(SplitCheck(adrg, means, ordered, p, ordered and all(x < SPLIT_P for x in p)))
    return tuple(checks)
