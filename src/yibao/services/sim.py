"""Simulate a region-year and write its tables as Parquet (docs/sim.md); read them back as the
batch engine's columns (`sim_to_columns`) and run the calibration check."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from yibao.policy.loader import load_policy
from yibao.settle.columns import RequestColumns
from yibao.sim.abuse import AbuseRates
from yibao.sim.calibrate import Indicators, compare, indicators, settle_year
from yibao.sim.columns import to_columns
from yibao.sim.profile import load_profile
from yibao.sim.simulate import SimTables, simulate

Progress = Callable[[str], None]
META = "profile.txt"


@dataclass(frozen=True, slots=True)
class SimSummary:
    out: Path
    rows: dict[str, int]


def simulate_year(profile_name: str, scale: float, seed: int, abuse: AbuseRates | None = None,
                  progress: Progress | None = None) -> SimTables:
    """Generate the year in memory (deterministic for `seed`)."""
    profile = load_profile(profile_name)
    return simulate(profile, load_policy(profile.policy), scale, np.random.default_rng(seed),
                    abuse, progress)


def run_sim(profile_name: str, scale: float, seed: int, out: Path,
            abuse: AbuseRates | None = None, progress: Progress | None = None) -> SimSummary:
    """Generate the year (deterministic for `seed`) and write one Parquet file per table."""
    tables = simulate_year(profile_name, scale, seed, abuse, progress)
    out.mkdir(parents=True, exist_ok=True)
    rows = {}
    for name, frame in tables.items():
        frame.write_parquet(out / f"{name}.parquet", statistics=False)
        rows[name] = frame.height
        if progress:
            progress(f"write {name}")
    (out / META).write_text(f"{profile_name}\n{scale}\n{seed}\n", encoding="utf-8")
    return SimSummary(out, rows)


def read_tables(directory: Path, **read: pl.DataFrame) -> SimTables:
    """The tables of a simulated year; those in `read` (by name) were read already."""
    return SimTables(**{name: read[name] if name in read
                        else pl.read_parquet(directory / f"{name}.parquet")
                        for name in SimTables.__dataclass_fields__})


def read_meta(directory: Path) -> tuple[str, float, int]:
    """The profile name, scale and seed a simulated year was made with."""
    meta = directory / META
    if not meta.is_file():
        raise FileNotFoundError(
            f"{directory} 不是模拟数据目录（缺少 {META}，先运行 yibao sim）")
    name, scale, seed = meta.read_text("utf-8").split()
    return name, float(scale), int(seed)


def _meta(directory: Path) -> tuple[str, float]:
    name, scale, _seed = read_meta(directory)
    return name, scale


def sim_to_columns(directory: Path) -> RequestColumns:
    """The simulated visits of `directory` as settlement requests, in visit order."""
    name, _scale = _meta(directory)
    profile = load_profile(name)
    t = read_tables(directory)
    return to_columns(t.visits, t.fee_lines, t.persons, t.contributions,
                      load_policy(profile.policy), profile.year)


def calibration_check(directory: Path) -> tuple[Indicators, list[dict[str, object]]]:
    """Settle the simulated year and compare the indicators with the profile's targets."""
    name, scale = _meta(directory)
    profile = load_profile(name)
    t = read_tables(directory)
    cols = to_columns(t.visits, t.fee_lines, t.persons, t.contributions,
                      load_policy(profile.policy), profile.year)
    found = indicators(t.persons, t.contributions, t.visits, cols, settle_year(cols))
    return found, compare(found, profile.targets, scale)
