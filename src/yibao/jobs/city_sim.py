"""`yibao sim` of a deployment profile: every region's year written as a single-region data
directory, with the deployment's filings and institution register beside them (docs/sim.md,
"Several regions").

    DIR/deployment.toml      profile, scale, seed, city, regions
    DIR/filings.parquet      every filing (备案) of the city's insured
    DIR/institutions.parquet the deployment's institution register
    DIR/<region>/            the region's tables as `yibao sim` writes one region (profile.txt
                             names `<profile>:<region>`); its visits carry `care_region`,
                             `emergency`, `channel` and `filing_id`
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import polars as pl

from yibao.sim.deployment import city_institutions, load_deployment, simulate_regions
from yibao.sim.profile import ProfileError

Progress = Callable[[str], None]
DEPLOYMENT: Final = "deployment.toml"
META: Final = "profile.txt"


@dataclass(frozen=True, slots=True)
class CitySim:
    out: Path
    regions: dict[str, dict[str, int]]
    filings: int
    institutions: int


@dataclass(frozen=True, slots=True)
class CityMeta:
    profile: str
    scale: float
    seed: int
    city: str
    regions: tuple[str, ...]


def run_city_sim(name: str, scale: float, seed: int, out: Path,
                 progress: Progress | None = None) -> CitySim:
    """Simulate deployment `name` and write it under `out` (see the module doc)."""
    out.mkdir(parents=True, exist_ok=True)
    rows: dict[str, dict[str, int]] = {}
    filings = []
    year = 0
    for code, tables, filed in simulate_regions(name, scale, seed, progress):
        folder = out / code
        folder.mkdir(exist_ok=True)
        rows[code] = {}
        for table, frame in tables.items():
            frame.write_parquet(folder / f"{table}.parquet", statistics=False)
            rows[code][table] = frame.height
        (folder / META).write_text(f"{name}:{code}\n{scale}\n{seed}\n", encoding="utf-8")
        filings.append(filed)
        year = int(tables.enrollments["year"][0]) if tables.enrollments.height else year
        del tables  # one region in memory at a time
    dep = load_deployment(name)
    register = city_institutions(dep)
    pl.concat(filings).write_parquet(out / "filings.parquet", statistics=False)
    register.write_parquet(out / "institutions.parquet", statistics=False)
    codes = ", ".join(f'"{c}"' for c in rows)
    (out / DEPLOYMENT).write_text(
        f'[deployment]\nprofile = "{name}"\nscale = {scale!r}\nseed = {seed}\n'
        f'city = "{dep.city}"\nyear = {year}\nregions = [{codes}]\n', encoding="utf-8")
    return CitySim(out, rows, sum(f.height for f in filings), register.height)


def is_city_data(directory: Path) -> bool:
    return (directory / DEPLOYMENT).is_file()


def read_city_meta(directory: Path) -> CityMeta:
    """What `deployment.toml` says; a zh-CN error naming the file and key when it is broken."""
    path = directory / DEPLOYMENT
    try:
        raw = tomllib.loads(path.read_text("utf-8"))["deployment"]
        meta = CityMeta(str(raw["profile"]), float(raw["scale"]), int(raw["seed"]),
                        str(raw["city"]), tuple(str(c) for c in raw["regions"]))
    except FileNotFoundError:
        raise FileNotFoundError(
            f"{directory} 不是多统筹区模拟数据目录（缺少 {DEPLOYMENT}）") from None
    except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as err:
        raise ProfileError(f"{path}: 无法读取部署说明：{err}") from None
    for code in meta.regions:
        if not (directory / code / META).is_file():
            raise FileNotFoundError(f"{directory / code} 缺少统筹区 {code} 的模拟数据")
    return meta


def read_filings(directory: Path) -> pl.DataFrame:
    return pl.read_parquet(directory / "filings.parquet")
