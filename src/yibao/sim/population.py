"""Households and persons by quota: scheme, status, age band, sex, group and residence counts are
exact proportions of the profile's totals at any scale (`quota`)."""

from __future__ import annotations

from datetime import date

import numpy as np
import numpy.typing as npt
import polars as pl

from yibao.sim.amounts import scale_fen, yuan_to_fen
from yibao.sim.idnum import I64, id_numbers, serials
from yibao.sim.profile import Profile
from yibao.sim.quota import quota, scaled

GROUP_ORDER = ("tekun", "dibao", "fanpin", "jianche", "dibao_edge", "yinbing", "tuopin")
MAX_AGE = 95


def _cells(total: int, band_shares: npt.ArrayLike, male_share: float) -> tuple[I64, I64]:
    """Band index and male flag for `total` people: bands by quota, then sex by quota per band."""
    per_band = quota(total, band_shares)
    band = np.repeat(np.arange(len(per_band)), per_band)
    male = np.concatenate([np.repeat([1, 0], quota(int(c), [male_share, 1 - male_share]))
                           for c in per_band]) if total else np.zeros(0, np.int64)
    return band, male


def top_k(weights: npt.NDArray[np.float64], k: int, rng: np.random.Generator) -> I64:
    """Indexes of exactly k items drawn without replacement with probability ∝ weights."""
    keys = np.log(np.maximum(weights, 1e-300)) + rng.gumbel(size=len(weights))
    if k >= len(weights):
        return np.arange(len(weights))
    return np.sort(np.argpartition(-keys, k)[:k])


def _base(profile: Profile, scale: float) -> pl.DataFrame:
    pop = profile.population
    male = profile.number("population", "male_share")
    n_emp = scaled(int(pop["employees"]), scale)
    retired_n = quota(n_emp, [1 - float(pop["retired_share"]), float(pop["retired_share"])])
    ages = pop["ages"]
    parts = []
    for kind, count, shares in (("in_service", retired_n[0], ages["in_service"]),
                                ("retired", retired_n[1], ages["retired"]),
                                ("resident", scaled(int(pop["residents"]), scale),
                                 ages["residents"])):
        band, is_male = _cells(int(count), [float(s) for s in shares], male)
        parts.append(pl.DataFrame({"psn_type": [kind] * len(band), "band": band,
                                   "male": is_male.astype(bool)}))
    return pl.concat(parts)


def _ages(band: I64, bands: I64, rng: np.random.Generator) -> I64:
    upper = np.r_[bands[1:], MAX_AGE + 1]
    return rng.integers(bands[band], upper[band])


def _birth(profile: Profile, age: I64, rng: np.random.Generator) -> tuple[I64, I64]:
    """Birth day (days since 1970-01-01) and YYYYMMDD; each person is `age` on 1 January."""
    jan1 = np.array([f"{profile.year - a - 1}-01-01" for a in range(MAX_AGE + 1)],
                    dtype="datetime64[D]")
    day = jan1[age] + rng.integers(1, 366, len(age))
    ymd = day.astype("datetime64[D]").astype(str)
    yyyymmdd = np.char.replace(ymd, "-", "").astype(np.int64)
    return day.astype(np.int64), yyyymmdd


def _groups(frame: pl.DataFrame, profile: Profile, rng: np.random.Generator) -> list[str]:
    residents = np.flatnonzero(frame["psn_type"].to_numpy() == "resident")
    shares = profile.population["groups"]
    names = [g for g in GROUP_ORDER if g in shares]
    counts = quota(len(residents), [float(shares[g]) for g in names]
                   + [1 - sum(float(shares[g]) for g in names)])
    labels = np.repeat(np.array([*names, ""], dtype=object), counts)
    out = np.full(frame.height, "", dtype=object)
    out[rng.permutation(residents)] = labels
    return list(out)


def _outside(age: I64, employee: npt.NDArray[np.bool_], profile: Profile,
             rng: np.random.Generator) -> tuple[I64, list[str]]:
    """Exactly `outside_share` of the insured live outside, mostly residents of working age."""
    n = len(age)
    k = quota(n, [1 - profile.number("population", "outside_share"),
                  profile.number("population", "outside_share")])[1]
    weight = np.where((age >= 18) & (age < 55), 1.0, np.where(age < 15, 0.35, 0.15))
    weight = np.where(employee, weight * 0.1, weight)
    chosen = top_k(weight, int(k), rng)
    spec = profile.population["outside"]
    regions = np.repeat(np.array(spec["regions"], dtype=object),
                        quota(int(k), [float(s) for s in spec["shares"]]))
    residence = np.full(n, profile.region, dtype=object)
    residence[rng.permutation(chosen)] = regions
    flag = np.zeros(n, dtype=bool)
    flag[chosen] = True
    return flag, list(residence)


def _households(n: int, mean: float, rng: np.random.Generator) -> I64:
    sizes = 1 + rng.poisson(mean - 1, size=n)
    return np.searchsorted(np.cumsum(sizes), np.arange(n), side="right")


def persons(profile: Profile, scale: float, rng: np.random.Generator) -> pl.DataFrame:
    """The insured of the region, one row a person (see docs/sim.md for the columns)."""
    base = _base(profile, scale)
    base = base[rng.permutation(base.height)]
    n = base.height
    age = _ages(base["band"].to_numpy(), profile.bands(), rng)
    day, yyyymmdd = _birth(profile, age, rng)
    male = base["male"].to_numpy()
    region = np.full(n, int(profile.region), dtype=np.int64)
    employee = base["psn_type"].to_numpy() != "resident"
    outside, residence = _outside(age, employee, profile, rng)
    return base.with_columns(
        pl.Series("person", np.arange(n, dtype=np.int64)),
        (pl.lit(profile.region) + pl.int_range(n, dtype=pl.Int64).cast(pl.Utf8).str.zfill(8))
        .alias("psn_no"),
        id_numbers(region, yyyymmdd, serials(day, male, rng)),
        pl.Series("birth_date", day.astype("datetime64[D]")),
        pl.Series("sex", np.where(male, "M", "F")),
        pl.Series("age", age.astype(np.int16)),
        pl.Series("insutype", np.where(employee, "310", "390")),
        pl.Series("groups", _groups(base, profile, rng), dtype=pl.Utf8),
        pl.Series("lives_outside", outside),
        pl.Series("residence_admdvs", residence, dtype=pl.Utf8),
    ).pipe(_attributes, profile, rng)


def _attributes(frame: pl.DataFrame, profile: Profile, rng: np.random.Generator) -> pl.DataFrame:
    n = frame.height
    pop = profile.population
    kind = frame["psn_type"].to_numpy()
    employee = kind != "resident"
    emp_rows = np.flatnonzero(employee)
    share = float(pop["civil_servant_share"])
    k = int(quota(len(emp_rows), [1 - share, share])[1])
    civil_flag = np.zeros(n, dtype=bool)
    civil_flag[emp_rows[top_k(np.ones(len(emp_rows)), k, rng)]] = True
    base_fen = np.full(n, yuan_to_fen(pop["wage_base_yuan"]), dtype=np.int64)
    wage = scale_fen(base_fen, np.exp(rng.normal(0, float(pop["wage_sigma"]), n)))
    wage_fen = np.where(kind == "in_service", wage // 100 * 100, 0)  # whole yuan
    age = frame["age"].to_numpy().astype(np.int64)
    death_p = np.where(age >= 65, float(pop["death_rate_65"]), float(pop["death_rate_under_65"]))
    dies = rng.random(n) < death_p
    death_day = np.datetime64(date(profile.year, 1, 1)) + rng.integers(30, 365, n)
    household = _households(n, float(pop["household_size_mean"]), rng)
    return frame.with_columns(
        pl.Series("civil_servant", civil_flag),
        pl.Series("wage_base_fen", wage_fen),
        pl.Series("death_date", np.where(dies, death_day, np.datetime64("NaT"))),
        (pl.lit("HH" + profile.region)
         + pl.Series(household).cast(pl.Utf8).str.zfill(7)).alias("household_id"),
    ).drop("male")
