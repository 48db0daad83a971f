"""Provider-level features (机构画像) from a year's visits and rule hits.

Peers are institutions of the same level and type (`hosp_lv`, `kind`). Costs are compared with
the median of visits of the same kind and principal diagnosis (a case-mix adjustment standing in
for CMI where no grouper weights are given).
"""

from __future__ import annotations

from typing import Final

import polars as pl

FEATURES: Final = ("cost_index", "los_index", "high_cost_share", "readmit_share",
                   "hit_share", "violation_share", "repeat_stay_share", "shared_patient_share")
FEATURE_ZH: Final = {
    "cost_index": "次均费用指数（同类病例中位数=1）", "los_index": "平均住院日指数",
    "high_cost_share": "高费用病例占比", "readmit_share": "15 日再入院占比",
    "hit_share": "规则命中就诊占比", "violation_share": "违规命中就诊占比",
    "repeat_stay_share": "同院重复住院患者占比", "shared_patient_share": "多医生共享患者占比",
}


def _visit_frame(visits: pl.DataFrame) -> pl.DataFrame:
    v = visits.with_columns(pl.col("total_fen").median().over("kind", "pdx").alias("med_fen"),
                            pl.col("los_days").median().over("kind", "pdx").alias("med_los"))
    return v.with_columns(
        (pl.col("total_fen") / pl.col("med_fen").clip(lower_bound=1)).alias("cost_ratio"),
        pl.when(pl.col("kind") == "inpatient").then(
            pl.col("los_days") / pl.col("med_los").clip(lower_bound=1)).alias("los_ratio"))


def _readmits(visits: pl.DataFrame) -> pl.DataFrame:
    stays = visits.filter(pl.col("kind") == "inpatient").sort("psn_no", "begndate", "mdtrt_id")
    return stays.with_columns(
        ((pl.col("begndate") - pl.col("enddate").shift(1).over("psn_no")).dt.total_days()
         .is_between(0, 15) & (pl.col("pdx").str.slice(0, 3)
                                == pl.col("pdx").shift(1).over("psn_no").str.slice(0, 3)))
        .fill_null(False).alias("readmit")).select("mdtrt_id", "readmit")


def _graph(visits: pl.DataFrame) -> pl.DataFrame:
    """Per institution: inpatients with two or more stays there, and patients seen by two or
    more of its doctors for stays (a dense institution–doctor–patient block)."""
    stays = visits.filter(pl.col("kind") == "inpatient")
    per = stays.group_by("fixmedins_code", "psn_no").agg(
        pl.len().alias("stays"), pl.col("chfpdr_code").n_unique().alias("doctors"))
    return per.group_by("fixmedins_code").agg(
        (pl.col("stays") >= 2).mean().alias("repeat_stay_share"),
        (pl.col("doctors") >= 2).mean().alias("shared_patient_share"))


def provider_features(visits: pl.DataFrame, hits: pl.DataFrame, results: dict[str, str],
                      institutions: pl.DataFrame) -> pl.DataFrame:
    """One row per institution: peer keys, volume and FEATURES (nulls filled with 0)."""
    v = _visit_frame(visits).join(_readmits(visits), on="mdtrt_id", how="left")
    hit = hits.with_columns(pl.col("rule_id").replace_strict(results, default="可疑")
                            .alias("result")).group_by("mdtrt_id").agg(
        pl.lit(True).alias("hit"), (pl.col("result") == "违规").any().alias("violation"))
    v = v.join(hit, on="mdtrt_id", how="left").with_columns(
        pl.col("hit").fill_null(False), pl.col("violation").fill_null(False))
    agg = v.group_by("fixmedins_code").agg(
        pl.len().alias("visits"), pl.col("cost_ratio").mean().alias("cost_index"),
        pl.col("los_ratio").mean().alias("los_index"),
        (pl.col("cost_ratio") > 2).mean().alias("high_cost_share"),
        pl.col("readmit").cast(pl.Float64).mean().alias("readmit_share"),
        pl.col("hit").mean().alias("hit_share"),
        pl.col("violation").mean().alias("violation_share"))
    peers = institutions.select("fixmedins_code", "hosp_lv", pl.col("kind").alias("inst_kind"))
    out = agg.join(_graph(visits), on="fixmedins_code", how="left").join(
        peers, on="fixmedins_code", how="left")
    return out.with_columns(
        *(pl.col(f).cast(pl.Float64).fill_null(0.0).fill_nan(0.0) for f in FEATURES),
        pl.concat_str(pl.col("hosp_lv").fill_null("?"), pl.col("inst_kind").fill_null("?"),
                      separator="/").alias("peer")).sort("fixmedins_code")
