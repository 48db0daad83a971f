"""DIP (按病种分值付费, big-data diagnosis-intervention packet): catalogue, scores, deviation.

* **Combinations** (病种组合): principal diagnosis (亚目, first five characters, `K80.1`) +
  principal procedure (`51.23`), or + `保守治疗` when there is none.
* **Core groups** (核心病种): the combinations with at least `threshold` cases, the threshold being
  the largest case count at which the core groups cover more than `coverage` (85 %) of the cases
  (facts/drg.md §3.3). The rest fall into **comprehensive groups** (综合病种): diagnosis category
  (类目, three characters) + treatment type (保守治疗 / 诊断性操作 / 治疗性操作 / 相关手术).
* **Score** (分值) = group mean cost / mean cost of all cases × `scale` (100).
* **Deviation** (偏差病例): cost above 200 % of the group mean: `score × ((cost/mean − 2) + 1)`;
  below 50 %: `score × cost/mean`; else the score; times the level coefficient (机构系数) if set.
* **Point value** from the budget, and hospital amounts, exactly as the DRG point method
  (`settlement.settle_cases`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Final

import numpy as np
import polars as pl

from yibao.payment.exact import POINT_SCALE, RATIO_SCALE, div_half_up, scaled

#: Treatment types of comprehensive groups, in the order of the DIP catalogue.
TREATMENT_TYPES: Final = ("conservative", "diagnostic", "therapeutic", "surgery")
TREATMENT_TEXT: Final = {"conservative": "保守治疗", "diagnostic": "诊断性操作",
                         "therapeutic": "治疗性操作", "surgery": "相关手术"}
CONSERVATIVE: Final = "保守治疗"


@dataclass(frozen=True, slots=True)
class DipRules:
    coverage: Fraction = Fraction(85, 100)  # core groups cover more than this share of cases
    scale: int = 100
    high_multiple: Decimal = Decimal(2)  # deviation above (strictly)
    low_multiple: Decimal = Decimal("0.5")  # deviation below (strictly)
    level_coefficients: tuple[tuple[str, Decimal], ...] = ()


@dataclass(frozen=True, slots=True)
class DipGroup:
    key: str
    core: bool
    cases: int
    mean_cost_fen: int
    score_e4: int  # 分值 × 10 000


@dataclass(frozen=True, slots=True)
class DipCatalogue:
    groups: tuple[DipGroup, ...]
    threshold_cases: int  # a combination with at least this many cases is a core group
    core_cases: int
    cases: int

    @property
    def core_share(self) -> Fraction:
        return Fraction(self.core_cases, self.cases) if self.cases else Fraction(0)


def combination_key() -> pl.Expr:
    procedure = pl.col("principal_procedure").str.slice(0, 5)
    return pl.concat_str(
        pl.col("principal_diagnosis").str.slice(0, 5), pl.lit("+"),
        pl.when(procedure == "").then(pl.lit(CONSERVATIVE)).otherwise(procedure),
    )


def comprehensive_key() -> pl.Expr:
    kind = pl.col("procedure_type").replace_strict(TREATMENT_TEXT, default=CONSERVATIVE)
    return pl.concat_str(pl.col("principal_diagnosis").str.slice(0, 3), pl.lit(":"), kind)


def core_threshold(counts: np.ndarray, coverage: Fraction) -> int:
    """The largest case count t such that combinations with ≥ t cases cover > coverage."""
    ordered = np.sort(counts)[::-1]
    total = int(ordered.sum())
    if total == 0:
        return 1
    covered = np.cumsum(ordered) * coverage.denominator > coverage.numerator * total
    return int(ordered[int(np.argmax(covered))])


def _scored(frame: pl.DataFrame, key: str, overall: Fraction, scale: int) -> pl.DataFrame:
    sums = frame.group_by(key).agg(pl.len().alias("n"), pl.col("medfee_sumamt").sum())
    rows = []
    for k, n, cost in sums.sort(key).iter_rows():
        mean = Fraction(cost, n)
        score = scaled(mean / overall * scale, POINT_SCALE) if overall else 0
        rows.append((k, n, scaled(mean, 1), score))
    return pl.DataFrame(rows, orient="row", schema={"key": pl.String, "n": pl.Int64,
                        "mean_fen": pl.Int64, "score_e4": pl.Int64})


def build_catalogue(frame: pl.DataFrame, rules: DipRules = DipRules()) -> DipCatalogue:
    """The catalogue of a year of cases: core combinations and comprehensive groups, scored."""
    keyed = frame.with_columns(combination_key().alias("combo"), comprehensive_key().alias("wide"))
    counts = keyed.group_by("combo").len()
    threshold = core_threshold(counts["len"].to_numpy(), rules.coverage)
    core_keys = counts.filter(pl.col("len") >= threshold)["combo"]
    keyed = keyed.with_columns(
        pl.when(pl.col("combo").is_in(core_keys.implode())).then("combo").otherwise("wide")
        .alias("dip_group"),
        pl.col("combo").is_in(core_keys.implode()).alias("core"),
    )
    total = int(keyed["medfee_sumamt"].sum())
    overall = Fraction(total, keyed.height) if keyed.height else Fraction(0)
    scored = _scored(keyed, "dip_group", overall, rules.scale)
    core_set = set(core_keys.to_list())
    groups = tuple(
        DipGroup(k, k in core_set, n, mean, score) for k, n, mean, score in scored.iter_rows()
    )
    core_cases = int(keyed["core"].sum())
    return DipCatalogue(groups, threshold, core_cases, keyed.height)


def assign_groups(frame: pl.DataFrame, catalogue: DipCatalogue) -> pl.Series:
    """The DIP group of each case: its combination if core, else its comprehensive group."""
    core = pl.Series([g.key for g in catalogue.groups if g.core], dtype=pl.String)
    return frame.select(
        pl.when(combination_key().is_in(core.implode())).then(combination_key())
        .otherwise(comprehensive_key()).alias("dip_group")
    )["dip_group"]


def dip_points(frame: pl.DataFrame, catalogue: DipCatalogue, rules: DipRules = DipRules()
               ) -> pl.DataFrame:
    """The cases with `dip_group`, `dip_kind` (high/low/normal/unscored) and `points_e4`."""
    table = pl.DataFrame(
        [(g.key, g.mean_cost_fen, g.score_e4) for g in catalogue.groups], orient="row",
        schema={"dip_group": pl.String, "mean_fen": pl.Int64, "score_e4": pl.Int64})
    levels = pl.DataFrame([(k, scaled(v)) for k, v in rules.level_coefficients], orient="row",
                          schema={"level": pl.String, "coef_e4": pl.Int64})
    out = (frame.with_columns(assign_groups(frame, catalogue)).with_row_index("_row")
           .join(table, on="dip_group", how="left").join(levels, on="level", how="left")
           .sort("_row").drop("_row"))
    cost = out["medfee_sumamt"].to_numpy()
    mean = out["mean_fen"].fill_null(0).to_numpy()
    score = out["score_e4"].fill_null(0).to_numpy()
    coef = out["coef_e4"].fill_null(RATIO_SCALE).to_numpy()
    safe = np.where(mean > 0, mean, 1)
    by_cost = div_half_up(score * cost, safe)
    high = cost * RATIO_SCALE > scaled(rules.high_multiple) * mean
    low = cost * RATIO_SCALE < scaled(rules.low_multiple) * mean
    base = np.select([mean <= 0, high, low], [0, by_cost - score, by_cost], score)
    points = div_half_up(np.maximum(base, 0) * coef, RATIO_SCALE)
    kind = np.select([mean <= 0, high, low], ["unscored", "high", "low"], "normal")
    return out.drop("mean_fen", "coef_e4").with_columns(
        pl.Series("dip_kind", kind, dtype=pl.String), pl.Series("points_e4", points))


def treatment_type(principal_procedure: str, surgery: Mapping[str, bool]) -> str:
    """A procedure's treatment type: `surgery` if in the operating-room list, 87–91 diagnostic
    (ICD-9-CM-3 imaging and examinations), other codes therapeutic, none conservative."""
    if not principal_procedure:
        return "conservative"
    if surgery.get(principal_procedure, False):
        return "surgery"
    chapter = principal_procedure[:2]
    return "diagnostic" if chapter.isdigit() and 87 <= int(chapter) <= 91 else "therapeutic"
