"""The utilisation model: visits per person by scheme and age band, case type, level, place of
care (county, city, province, where an insured living outside lives), filing status and cost.

Counts are Poisson draws per person, laid out with `np.repeat`: no loop per person or visit.
`total_fen` is the visit's cost budget that `fees.fee_lines` spends on fee lines.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl

from yibao.sim.amounts import scale_fen, yuan_to_fen
from yibao.sim.profile import Profile

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
KINDS: Final = ("outpatient", "chronic", "inpatient", "pharmacy")
MED_TYPE: Final = {"outpatient": "11", "chronic": "14", "inpatient": "21", "pharmacy": "11"}
OFFSITE: Final = ("local", "filed", "referral", "temporary", "unfiled")
LOCAL, FILED, REFERRAL, TEMPORARY, UNFILED = range(5)
#: Days at least between a discharge and the same person's next admission: a person is never in
#: two stays at once, and a readmission within a day of discharge (the trace of 分解住院 that
#: bureaus flag, facts/audit.md §1.4) is left to the injected abuse.
READMIT_GAP_DAYS: Final = 2


def _lognormal(rng: np.random.Generator, sigma: float, n: int) -> F64:
    """Multiplicative noise with mean 1."""
    return np.exp(rng.normal(-sigma * sigma / 2, sigma, n))


def _counts(persons: pl.DataFrame, profile: Profile, rng: np.random.Generator) -> dict[str, I64]:
    band = persons["band"].to_numpy()
    employee = persons["insutype"].to_numpy() == "310"
    outside = persons["lives_outside"].to_numpy()
    u = profile.utilisation
    ip_rate = np.where(employee, profile.vector("utilisation", "employee_inpatient")[band]
                       * float(u["inpatient_scale_employee"]),
                       profile.vector("utilisation", "resident_inpatient")[band]
                       * float(u["inpatient_scale_resident"]))
    op_rate = np.where(employee, profile.vector("utilisation", "employee_outpatient")[band],
                       profile.vector("utilisation", "resident_outpatient")[band])
    op_rate = np.where(outside, op_rate * 0.5, op_rate)
    chronic = rng.random(len(band)) < profile.vector("utilisation", "chronic_prevalence")[band]
    ph_rate = np.where(employee, profile.vector("utilisation", "employee_pharmacy")[band], 0.0)
    return {"inpatient": rng.poisson(ip_rate), "outpatient": rng.poisson(op_rate),
            "chronic": np.where(chronic, rng.poisson(float(u["chronic_visits"]), len(band)), 0),
            "pharmacy": rng.poisson(np.where(outside, ph_rate * 0.3, ph_rate))}


def _cases(age: I64, male: npt.NDArray[np.bool_], profile: Profile,
           rng: np.random.Generator) -> I64:
    mix = profile.casemix
    group = np.where(age < 15, 0, np.where(age < 60, 1, 2))
    sex = np.array(mix.sex)
    out = np.empty(len(age), dtype=np.int64)
    for g in range(3):
        for is_male in (False, True):
            rows = np.flatnonzero((group == g) & (male == is_male))
            ok = (sex == "") | (sex == ("M" if is_male else "F"))
            if g == 0:
                ok &= ~np.isin(np.array(mix.keys), ["caesarean", "delivery", "threatened_birth"])
            p = np.where(ok, mix.weight[:, g], 0.0)
            out[rows] = rng.choice(len(p), size=len(rows), p=p / p.sum())
    return out


def _pick_level(probs: F64, rng: np.random.Generator) -> I64:
    cum = np.cumsum(probs, axis=1)
    u = rng.random(len(probs)) * cum[:, -1]
    return (u > cum[:, 0]).astype(np.int64) + (u > cum[:, 1])


def _place(kind: str, lv: I64, outside: npt.NDArray[np.bool_], profile: Profile,
           rng: np.random.Generator) -> tuple[npt.NDArray[np.object_], I64, I64]:
    """Area of care, level (0–2) and offsite status for each visit of one kind."""
    u = profile.utilisation
    n = len(lv)
    area = np.full(n, "county", dtype=object)
    offsite = np.full(n, LOCAL, dtype=np.int64)
    away_share = {"inpatient": float(u["inpatient_outside_care"]),
                  "outpatient": float(u["outpatient_offsite_direct"]),
                  "chronic": float(u["outpatient_offsite_direct"]), "pharmacy": 0.0}[kind]
    away = outside & (rng.random(n) < away_share)
    area[away] = "outside"
    lv = np.where(away, np.maximum(lv, 1), lv)
    if kind == "inpatient":
        offsite[away] = np.where(rng.random(int(away.sum())) < float(u["outside_filed"]),
                                 FILED, UNFILED)
    else:
        offsite[away] = FILED
    up = ~away & (lv == 2)
    # The city's hospitals share the city-level pool (市级统筹): settled as local care.
    province = up & (rng.random(n) < float(u["province_share"]))
    area[up] = "city"
    area[province] = "province"
    offsite[province] = np.where(rng.random(int(province.sum())) < float(u["referral_filed"]),
                                 REFERRAL, UNFILED)
    if "neighbour_share" in u and kind != "pharmacy":
        # A deployment (docs/sim.md): some county care is in another county of the city; its
        # status here is only the intent the deployment's filings follow (`sim.deployment`).
        near = ~away & ~up & (rng.random(n) < float(u["neighbour_share"]))
        area[near] = "neighbour"
        offsite[near] = UNFILED
    return area, lv, offsite


def _institution(area: npt.NDArray[np.object_], region: npt.NDArray[np.object_], lv: I64,
                 kind: str, insts: pl.DataFrame, rng: np.random.Generator) -> I64:
    """A random institution of the visit's area (and region outside) and level."""
    shop = kind == "pharmacy"
    table = insts.filter((pl.col("kind") == "pharmacy") == shop)
    t_area, t_region = table["area"].to_numpy(), table["admdvs"].to_numpy()
    t_lv = table["hosp_lv"].cast(pl.Int64).to_numpy() - 1
    t_inst = table["inst"].to_numpy()
    key = np.char.add(np.char.add(area.astype(str), np.where(area == "outside", region, "")
                                  .astype(str)), lv.astype(str))
    out = np.empty(len(lv), dtype=np.int64)
    for value in np.unique(key):
        rows = np.flatnonzero(key == value)
        a, lvl = rows[0], lv[rows[0]]
        place = (t_area == area[a]) & ((area[a] != "outside") | (t_region == region[a]))
        pool = t_inst[place & (t_lv == lvl)] if not shop else t_inst[place]
        if len(pool) == 0:
            levels = t_lv[place]
            pool = t_inst[place][levels == levels[np.argmin(np.abs(levels - lvl))]]
        out[rows] = pool[rng.integers(0, len(pool), len(rows))]
    return out


def _costs(kind: str, rows: dict[str, np.ndarray], profile: Profile,
           rng: np.random.Generator) -> tuple[I64, I64]:
    """Cost budget in fen and length of stay in days for the visits of one kind."""
    c, n = profile.costs, len(rows["lv"])
    lv = rows["lv"]
    if kind == "inpatient":
        mix = profile.casemix
        case = rows["case"]
        factor = profile.vector("costs", "level_factor")[lv]
        factor = factor * np.where(rows["employee"], float(c["employee_factor"]),
                                   float(c["resident_inpatient_scale"]))
        far = rows["area"] == "outside"
        factor = factor * np.where(far, float(c["outside_province_factor"]), 1.0)
        cost = scale_fen(mix.cost_fen[case], factor * _lognormal(rng, float(c["sigma"]), n))
        los = mix.los_days[case] * (0.9 + 0.1 * lv) * _lognormal(rng, 0.35, n)
        return cost, np.clip(np.round(los), 1, 60).astype(np.int64)
    if kind == "pharmacy":
        base = np.full(n, yuan_to_fen(c["pharmacy_yuan"]), dtype=np.int64)
        return scale_fen(base, _lognormal(rng, 0.7, n)), np.zeros(n, np.int64)
    mean = profile.fen_vector("costs", "outpatient_yuan" if kind == "outpatient"
                              else "chronic_yuan")
    sigma = 0.7 if kind == "outpatient" else 0.5
    return scale_fen(mean[lv], _lognormal(rng, sigma, n)), np.zeros(n, np.int64)


def _levels(kind: str, case: I64, employee: npt.NDArray[np.bool_], profile: Profile,
            rng: np.random.Generator) -> I64:
    n = len(case)
    if kind == "inpatient":
        return _pick_level(profile.casemix.levels[case], rng)
    probs = {"outpatient": [0.64, 0.33, 0.03], "chronic": [0.45, 0.47, 0.08],
             "pharmacy": [1.0, 0.0, 0.0]}[kind]
    p = np.tile(np.array(probs, dtype=np.float64), (n, 1))
    if kind != "pharmacy":
        p[employee] = [0.35, 0.55, 0.10]
    return _pick_level(p, rng)


def _kind_rows(kind: str, counts: I64, persons: pl.DataFrame, insts: pl.DataFrame,
               profile: Profile, rng: np.random.Generator) -> dict[str, np.ndarray]:
    person = np.repeat(np.arange(persons.height), counts)
    age = persons["age"].to_numpy().astype(np.int64)[person]
    employee = persons["insutype"].to_numpy()[person] == "310"
    male = persons["sex"].to_numpy()[person] == "M"
    case = _cases(age, male, profile, rng) if kind == "inpatient" else np.full(len(person), -1)
    lv = _levels(kind, case, employee, profile, rng)
    outside = persons["lives_outside"].to_numpy()[person]
    area, lv, offsite = _place(kind, lv, outside, profile, rng)
    region = persons["residence_admdvs"].to_numpy()[person]
    rows = {"person": person, "case": case, "lv": lv, "area": area, "offsite": offsite,
            "employee": employee}
    rows["inst"] = _institution(area, region, lv, kind, insts, rng)
    cost, los = _costs(kind, rows, profile, rng)
    rows["total_fen"] = np.maximum(cost, 500)
    rows["los_days"] = los
    rows["kind"] = np.full(len(person), kind, dtype=object)
    return rows


def _in_turn(u: F64, person: I64, los: I64, last: I64, begin: I64) -> I64:
    """Begin offsets of stays so that a person's stays follow one another, each admission at
    least READMIT_GAP_DAYS after the previous discharge, the last ending by `last`: the
    person's free days are shared out at the sorted uniform draws `u` (no new draw). A person
    whose stays cannot fit keeps the independent `begin`."""
    frame = pl.DataFrame({"row": np.arange(len(u)), "person": person, "u": u, "los": los,
                          "last": last}).sort("person", "u")
    step = pl.col("los") + READMIT_GAP_DAYS
    frame = frame.with_columns(
        (step.cum_sum().over("person") - step).alias("before"),
        (pl.col("last") - step.sum().over("person") + READMIT_GAP_DAYS).alias("free"))
    offset = (pl.col("u") * (pl.col("free") + 1)).floor().cast(pl.Int64)
    frame = frame.with_columns(pl.when(pl.col("free").min().over("person") >= 0)
                               .then(offset + pl.col("before")).otherwise(None).alias("at"))
    out = begin.copy()
    placed = frame.filter(pl.col("at").is_not_null())
    out[placed["row"].to_numpy()] = placed["at"].to_numpy()
    return out


def _dates(rows: dict[str, np.ndarray], persons: pl.DataFrame, profile: Profile,
           rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Begin and end dates inside the year and before the person's death; a person's stays
    never overlap (`_in_turn`)."""
    jan1 = np.datetime64(f"{profile.year}-01-01")
    death = persons["death_date"].to_numpy()[rows["person"]]
    alive = np.where(np.isnat(death), 365, (death - jan1).astype("timedelta64[D]").astype(np.int64))
    window = np.maximum(alive - rows["los_days"], 1)
    u = rng.random(len(window))
    begin = (u * window).astype(np.int64)
    stay = np.flatnonzero(rows["kind"] == "inpatient")
    begin[stay] = _in_turn(u[stay], rows["person"][stay], rows["los_days"][stay],
                           np.maximum(alive[stay] - 1, 0), begin[stay])
    return jan1 + begin, jan1 + begin + rows["los_days"]


def visits(persons: pl.DataFrame, insts: pl.DataFrame, profile: Profile,
           rng: np.random.Generator) -> pl.DataFrame:
    """All visits of the year, ordered by end date (the order the year is settled in)."""
    counts = _counts(persons, profile, rng)
    parts = [_kind_rows(kind, counts[kind], persons, insts, profile, rng) for kind in KINDS]
    rows = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    begin, end = _dates(rows, persons, profile, rng)
    codes = insts["fixmedins_code"].to_numpy()
    frame = pl.DataFrame({
        "person": rows["person"], "kind": rows["kind"].astype(str), "case": rows["case"],
        "inst": rows["inst"], "hosp_lv": (rows["lv"] + 1).astype(str),
        "offsite": np.array(OFFSITE)[rows["offsite"]], "begndate": begin, "enddate": end,
        "los_days": rows["los_days"], "total_fen": rows["total_fen"],
        "fixmedins_code": codes[rows["inst"]],
        "doctor": rng.integers(0, int(profile.institutions["doctors_per_hospital"]),
                               len(begin)),
    })
    frame = frame.sort(["enddate", "begndate", "person"]).with_columns(
        pl.int_range(pl.len(), dtype=pl.Int64).alias("visit"))
    return _identify(frame, persons, profile)


def _identify(frame: pl.DataFrame, persons: pl.DataFrame, profile: Profile) -> pl.DataFrame:
    people = persons.select("person", "psn_no", "insutype")
    return frame.join(people, on="person", how="left").sort("visit").with_columns(
        (pl.lit(f"M{profile.year}{profile.visit_prefix}")
         + pl.col("visit").cast(pl.Utf8).str.zfill(9))
        .alias("mdtrt_id"),
        pl.col("kind").replace_strict(MED_TYPE).alias("med_type"),
        (pl.lit("D") + pl.col("fixmedins_code").str.slice(1, 6)
         + pl.col("fixmedins_code").str.slice(7, 5) + pl.col("doctor").cast(pl.Utf8).str.zfill(3))
        .alias("chfpdr_code"),
    ).drop("doctor")
