"""DRG point method (DRG 点数法): the points of every case.

Base points (基准点数) = RW × 100. A case's points (病例点数), in this order of precedence
(facts/drg.md §3.2):

1. **special** (特病单议): approved for review, ungroupable, or in a group with no weight or marked
   for review. Points are the panel's (`review_points_e4`) or, without them, cost-based:
   `cost / regional mean cost × 100`.
2. **per_diem** (床日 DRG): points per day × length of stay.
3. **incomplete** (未完成住院): `base × coefficient × cost / group mean`, capped at
   `base × coefficient`.
4. **high** (高倍率): cost ≥ high multiple × group mean:
   `base × coefficient + (cost / group mean − high multiple) × base`.
5. **low** (低倍率): cost ≤ low multiple × group mean: `base × cost / group mean`.
6. **normal**: `base × coefficient` (调整系数 by hospital and group, else by level and group,
   else by level, else 1).

Then **readmission** (15 日内再入院): a stay followed, within `readmission_days` of its discharge,
by an unjustified admission of the same person to the same group (and hospital) has its points
multiplied by `readmission_factor` (½); `readmission_halves="later"` halves the later stay instead.

Points are integers of 0.0001 point; each product is rounded half-up once, in the order written
in `_points` (adjusted base first). Outlier multiples may be tiered by base points.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Final

import numpy as np
import polars as pl

from yibao.payment.cases import UNGROUPABLE
from yibao.payment.exact import POINT_SCALE, RATIO_SCALE, div_half_up, scaled
from yibao.payment.weights import Weights


class CaseKind(StrEnum):
    """How a case's points were set (病例类型), in order of precedence."""

    SPECIAL = "special"  # 特病单议
    PER_DIEM = "per_diem"  # 床日付费病组
    INCOMPLETE = "incomplete"  # 未完成住院
    HIGH = "high"  # 高倍率
    LOW = "low"  # 低倍率
    NORMAL = "normal"  # 正常病例


KINDS: Final = tuple(CaseKind)


@dataclass(frozen=True, slots=True)
class OutlierTier:
    """Outlier multiples for groups whose base points are ≤ `up_to_base_points` (None: all)."""

    up_to_base_points: Decimal | None
    high_multiple: Decimal
    low_multiple: Decimal


#: Fixed multiples (Jilin 2022: 0.35× and 2.0× the payment standard, facts/drg.md §3.2 [V]).
JILIN_TIERS: Final = (OutlierTier(None, Decimal("2.0"), Decimal("0.35")),)
#: Tiered by base points (Zhejiang 2020 high multiples [S]; the low multiple 0.4 is [U]).
ZHEJIANG_TIERS: Final = (
    OutlierTier(Decimal(100), Decimal(3), Decimal("0.4")),
    OutlierTier(Decimal(300), Decimal(2), Decimal("0.4")),
    OutlierTier(None, Decimal("1.5"), Decimal("0.4")),
)


@dataclass(frozen=True, slots=True)
class Coefficients:
    """调整系数: by hospital and group, by level and group, by level; 1 where none is set."""

    by_level: tuple[tuple[str, Decimal], ...] = ()
    by_level_drg: tuple[tuple[str, str, Decimal], ...] = ()
    by_hospital_drg: tuple[tuple[str, str, Decimal], ...] = ()

    @staticmethod
    def of(
        by_level: Mapping[str, Decimal] | None = None,
        by_level_drg: Mapping[tuple[str, str], Decimal] | None = None,
        by_hospital_drg: Mapping[tuple[str, str], Decimal] | None = None,
    ) -> Coefficients:
        return Coefficients(
            tuple(sorted((by_level or {}).items())),
            tuple(sorted((k[0], k[1], v) for k, v in (by_level_drg or {}).items())),
            tuple(sorted((k[0], k[1], v) for k, v in (by_hospital_drg or {}).items())),
        )


@dataclass(frozen=True, slots=True)
class PointRules:
    """The parameters of the point method (all optional; defaults as in facts/drg.md §3.2)."""

    scale: int = 100  # 基准点数 = RW × scale
    tiers: tuple[OutlierTier, ...] = JILIN_TIERS
    coefficients: Coefficients = Coefficients()
    #: 床日 DRG groups: points per day, or None to derive base points / mean stay of the group.
    per_diem: tuple[tuple[str, Decimal | None], ...] = ()
    special_review_drgs: frozenset[str] = field(default_factory=frozenset)  # 单议病组
    readmission_days: int = 15
    readmission_factor: Decimal = Decimal("0.5")
    readmission_halves: str = "earlier"  # or "later"
    readmission_same_hospital: bool = True
    low_uses_coefficient: bool = False


def _tier(rules: PointRules, base_points: Decimal) -> OutlierTier:
    for tier in rules.tiers:
        if tier.up_to_base_points is None or base_points <= tier.up_to_base_points:
            return tier
    return rules.tiers[-1]


def group_table(weights: Weights, rules: PointRules) -> pl.DataFrame:
    """Per group: base points, mean cost, outlier multiples and per-day points (-1: none)."""
    per_diem = dict(rules.per_diem)
    rows = []
    for g in weights.groups:
        base = g.rw * rules.scale
        tier = _tier(rules, base)
        base_e4 = scaled(base, POINT_SCALE)
        per_day = -1
        if g.drg in per_diem:
            given = per_diem[g.drg]
            derived = Fraction(base) / g.mean_los_days if g.mean_los_days else Fraction(0)
            per_day = scaled(given if given is not None else derived, POINT_SCALE)
        rows.append((g.drg, base_e4, g.mean_cost_fen, scaled(tier.high_multiple),
                     scaled(tier.low_multiple), per_day, g.drg in rules.special_review_drgs))
    return pl.DataFrame(
        rows, orient="row",
        schema={"drg": pl.String, "base_e4": pl.Int64, "group_mean_fen": pl.Int64,
                "high_e4": pl.Int64, "low_e4": pl.Int64, "per_day_e4": pl.Int64,
                "review_group": pl.Boolean},
    )


def _coefficient_frames(c: Coefficients) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    def frame(keys: tuple[str, ...], rows: list[tuple[object, ...]], name: str) -> pl.DataFrame:
        schema = {**{k: pl.String for k in keys}, name: pl.Int64}
        return pl.DataFrame(rows, orient="row", schema=schema)

    return (
        frame(("level",), [(k, scaled(v)) for k, v in c.by_level], "c_level"),
        frame(("level", "drg"), [(a, b, scaled(v)) for a, b, v in c.by_level_drg], "c_ld"),
        frame(("hospital", "drg"), [(a, b, scaled(v)) for a, b, v in c.by_hospital_drg], "c_hd"),
    )


def _attach(frame: pl.DataFrame, weights: Weights, rules: PointRules) -> pl.DataFrame:
    """The cases, in their order, with their group's figures and their coefficient (e4)."""
    by_level, by_level_drg, by_hospital_drg = _coefficient_frames(rules.coefficients)
    out = (
        frame.with_row_index("_row")
        .join(group_table(weights, rules), on="drg", how="left")
        .join(by_level, on="level", how="left")
        .join(by_level_drg, on=["level", "drg"], how="left")
        .join(by_hospital_drg, on=["hospital", "drg"], how="left")
        .sort("_row")
    )
    coefficient = pl.coalesce("c_hd", "c_ld", "c_level", pl.lit(RATIO_SCALE, pl.Int64))
    return out.with_columns(coefficient.alias("coefficient_e4")).drop(
        "_row", "c_hd", "c_ld", "c_level"
    )


def _kinds(t: dict[str, np.ndarray]) -> np.ndarray:
    """The kind of each case (index into `KINDS`), first that holds in order of precedence."""
    cost, mean = t["medfee_sumamt"], t["group_mean_fen"]
    special = t["special_review"] | t["review_group"] | (t["base_e4"] < 0) | (mean <= 0)
    special |= t["drg"] == UNGROUPABLE
    conditions = [
        special,
        t["per_day_e4"] >= 0,
        t["incomplete"],
        cost * RATIO_SCALE >= t["high_e4"] * mean,
        cost * RATIO_SCALE <= t["low_e4"] * mean,
    ]
    return np.select(conditions, list(range(5)), 5).astype(np.int8)


def _columns(frame: pl.DataFrame) -> dict[str, np.ndarray]:
    filled = frame.with_columns(
        pl.col("base_e4", "group_mean_fen", "per_day_e4").fill_null(-1),
        pl.col("high_e4", "low_e4").fill_null(0),
        pl.col("review_group").fill_null(False),
        pl.col("review_points_e4").fill_null(-1),
    )
    names = ("medfee_sumamt", "group_mean_fen", "base_e4", "coefficient_e4", "high_e4",
             "low_e4", "per_day_e4", "los_days", "review_points_e4", "special_review",
             "review_group", "incomplete", "drg")
    return {n: filled[n].to_numpy() for n in names}


def _points(t: dict[str, np.ndarray], kind: np.ndarray, overall_mean_fen: int, rules: PointRules
            ) -> np.ndarray:
    """Points (e4) of each case by its kind; see the module docstring."""
    cost, los = t["medfee_sumamt"], t["los_days"].astype(np.int64)
    mean = np.where(t["group_mean_fen"] > 0, t["group_mean_fen"], 1)
    base = np.maximum(t["base_e4"], 0)
    adjusted = div_half_up(base * t["coefficient_e4"], RATIO_SCALE)
    by_cost = div_half_up(base * cost, mean)  # base × cost / group mean
    incomplete = np.minimum(div_half_up(by_cost * t["coefficient_e4"], RATIO_SCALE), adjusted)
    beyond = by_cost - div_half_up(t["high_e4"] * base, RATIO_SCALE)
    high = adjusted + np.maximum(beyond, 0)
    low = div_half_up(by_cost * t["coefficient_e4"], RATIO_SCALE) if rules.low_uses_coefficient \
        else by_cost
    cost_based = div_half_up(cost * rules.scale * POINT_SCALE, max(overall_mean_fen, 1))
    special = np.where(t["review_points_e4"] >= 0, t["review_points_e4"], cost_based)
    per_diem = np.maximum(t["per_day_e4"], 0) * los
    choices = [special, per_diem, incomplete, high, low, adjusted]
    return np.choose(kind, choices).astype(np.int64)


def readmission_mask(frame: pl.DataFrame, rules: PointRules) -> np.ndarray:
    """Whether each case's points are cut for a readmission (same person and group, ≤ N days)."""
    keys = ["psn_no", "drg", *(["hospital"] if rules.readmission_same_hospital else [])]
    admitted = pl.col("dscg_date") - pl.duration(days=pl.col("los_days"))
    ordered = frame.select(*keys, "dscg_date", "readmit_justified", admitted.alias("adm")) \
        .with_row_index("_row").sort([*keys, "adm", "_row"])
    nxt = pl.col("adm").shift(-1).over(keys)
    gap = (nxt - pl.col("dscg_date")).dt.total_days()
    justified = pl.col("readmit_justified").shift(-1).over(keys).fill_null(True)
    earlier = ((gap >= 0) & (gap <= rules.readmission_days) & ~justified).fill_null(False)
    earlier &= pl.col("drg") != UNGROUPABLE
    ordered = ordered.with_columns(earlier.alias("cut"))
    if rules.readmission_halves == "later":
        ordered = ordered.with_columns(pl.col("cut").shift(1).over(keys).fill_null(False))
    flagged = ordered.select("_row", "cut").sort("_row")
    return flagged["cut"].to_numpy()


def case_points(frame: pl.DataFrame, weights: Weights, rules: PointRules) -> pl.DataFrame:
    """The conformed cases with `base_e4`, `coefficient_e4`, `group_mean_fen`, `kind`,
    `readmission` and `points_e4` (the case's final points, 0.0001 point) added."""
    attached = _attach(frame, weights, rules)
    t = _columns(attached)
    kind = _kinds(t)
    points = _points(t, kind, weights.mean_cost_fen, rules)
    cut = readmission_mask(frame, rules) & (kind != 0)
    factor = scaled(rules.readmission_factor)
    points = np.where(cut, div_half_up(points * factor, RATIO_SCALE), points)
    return attached.with_columns(
        pl.Series("kind", np.array([k.value for k in KINDS])[kind], dtype=pl.String),
        pl.Series("readmission", cut, dtype=pl.Boolean),
        pl.Series("points_e4", points, dtype=pl.Int64),
    )
