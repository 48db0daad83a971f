"""Settlement lists (医疗保障基金结算清单) of inpatient stays, in the DRG grouper's layout
(`yibao.payment.drg.layout.SETTLEMENT_SCHEMA`) plus identifiers and dates.

Principal diagnosis and procedure come from the case type (CHS-DRG 1.1 codes, casemix.toml);
secondary diagnoses are comorbidities drawn by age; long severe stays get ICU and ventilator hours.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from yibao.sim.profile import Profile

SEVERE = ("brain_bleed", "heart_failure", "copd", "pneumonia", "stroke", "gastric_cancer")


def _secondary(stays: pl.DataFrame, age: np.ndarray, profile: Profile,
               rng: np.random.Generator) -> pl.Series:
    mix = profile.casemix
    n = stays.height
    elder = (age >= 60).astype(np.int64)
    p = mix.comorbid_p[:, elder].T * (age >= 15)[:, None]  # (stays, codes)
    hit = rng.random(p.shape) < p
    principal = np.array(mix.dx)[stays["case"].to_numpy()]
    codes = np.array(mix.comorbid_codes)
    hit &= codes[None, :] != principal[:, None]
    rows, cols = np.nonzero(hit)
    long = pl.DataFrame({"row": rows, "code": codes[cols]})
    lists = long.group_by("row", maintain_order=True).agg("code")
    full = pl.DataFrame({"row": np.arange(n)}).join(lists, on="row", how="left",
                                                    maintain_order="left")
    return full["code"].fill_null(pl.lit([], dtype=pl.List(pl.Utf8))).alias(
        "secondary_diagnoses")


def settlement_lists(visits: pl.DataFrame, persons: pl.DataFrame, profile: Profile,
                     rng: np.random.Generator) -> pl.DataFrame:
    """One row per inpatient stay; `setl_id` is "S" + mdtrt_id."""
    mix = profile.casemix
    stays = visits.filter(pl.col("kind") == "inpatient").join(
        persons.select("person", "sex", "birth_date", "death_date"), on="person", how="left",
        maintain_order="left")
    case = stays["case"].to_numpy()
    age_days = (stays["begndate"] - stays["birth_date"]).dt.total_days().to_numpy()
    age = (age_days / 365.25).astype(np.int64)
    n = stays.height
    severe = np.isin(np.array(mix.keys)[case], SEVERE) & (rng.random(n) < 0.08)
    icu = np.where(severe, rng.integers(12, 120, n), 0)
    vent = np.where(severe & (rng.random(n) < 0.4), np.minimum(icu, rng.integers(4, 90, n)), 0)
    died = stays["death_date"].to_numpy() == stays["enddate"].to_numpy()
    proc = np.array(mix.proc)[case]
    return pl.DataFrame({
        "setl_id": ("S" + stays["mdtrt_id"]).to_numpy(),
        "mdtrt_id": stays["mdtrt_id"], "psn_no": stays["psn_no"],
        "fixmedins_code": stays["fixmedins_code"], "chfpdr_code": stays["chfpdr_code"],
        "gender": np.where(stays["sex"].to_numpy() == "M", 1, 2).astype(np.int8),
        "age": age.astype(np.int16), "age_days": age_days.astype(np.int32),
        "weight_g": pl.Series([None] * n, dtype=pl.Int32),
        "los_days": stays["los_days"].cast(pl.Int32),
        "dscg_way": np.where(died, "5", "1"),
        "principal_diagnosis": np.array(mix.dx)[case],
        "secondary_diagnoses": _secondary(stays, age, profile, rng),
        "procedures": pl.Series([[p] if p else [] for p in proc.tolist()],
                                dtype=pl.List(pl.Utf8)),
        "icu_hours": icu.astype(np.int32), "vent_hours": vent.astype(np.int32),
        "adm_time": stays["begndate"], "dscg_time": stays["enddate"],
        "case_type": np.array(mix.keys)[case],
    })
