"""Simulation profiles: TOML data under `profiles/`, each number commented with its source.

A profile names the benefit policy it simulates under, the population quotas and shares, the
utilisation model and the cost model; `casemix.toml` holds the inpatient case types with codes from
the CHS-DRG 1.1 tables. Rates and shares are probabilities (floats are fine here: they are never
money); money is produced as integer fen by the generators.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from yibao.policy.loader import merge_tables
from yibao.sim.amounts import yuan_to_fen
from yibao.sim.quota import scaled

PROFILES: Final = ("linshui-2020", "linshui-2024", "sichuan-2020", "guangan-2020")
#: A region of a deployment profile is named `<profile>:<region code>` (`guangan-2020:511623`).
REGION_SEP: Final = ":"
F64 = npt.NDArray[np.float64]


class ProfileError(ValueError):
    """A profile that cannot be found or read; the message is zh-CN."""


@dataclass(frozen=True, slots=True)
class CaseMix:
    """Inpatient case types, one entry per type, as parallel tuples."""

    keys: tuple[str, ...]
    adrg: tuple[str, ...]
    dx: tuple[str, ...]
    proc: tuple[str, ...]
    sex: tuple[str, ...]
    weight: F64  # (types, 3): children, adults, elders
    cost_fen: npt.NDArray[np.int64]  # mean stay cost of each case type, exact fen
    los_days: F64
    levels: F64  # (types, 3)
    comorbid_codes: tuple[str, ...]
    comorbid_p: F64  # (codes, 2): adults, elders
    upcoding_mcc: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Profile:
    """One calibrated region-year; `raw` keeps the TOML sections for the generators."""

    id: str
    name: str
    policy: str
    year: int
    region: str
    city_region: str
    province_region: str
    targets: dict[str, Any]
    population: dict[str, Any]
    institutions: dict[str, int]
    utilisation: dict[str, Any]
    costs: dict[str, Any]
    casemix: CaseMix
    #: Each fund's opening balance in months of its payments (`[funds] opening_months`).
    funds: dict[str, Any] = field(default_factory=dict)
    #: Put after the year in every mdtrt_id: a deployment's regions number their visits apart.
    visit_prefix: str = ""

    def number(self, section: str, key: str) -> float:
        """A scalar rate or share of a section, as a float."""
        return float(getattr(self, section)[key])

    def fen_vector(self, section: str, key: str) -> npt.NDArray[np.int64]:
        """A list of yuan amounts (one per level) as exact integer fen."""
        return np.array([yuan_to_fen(v) for v in getattr(self, section)[key]], dtype=np.int64)

    def vector(self, section: str, key: str) -> F64:
        """A list of rates (one per age band or level), as floats."""
        return np.array([float(v) for v in getattr(self, section)[key]], dtype=np.float64)

    def should_insure(self, scale: float) -> int | None:
        """应参保人数 at `scale` (the denominator of 参保率, scaled as the quotas are); None
        when the profile names none."""
        total = self.population.get("should_insure")
        if total is None:
            return None
        if not isinstance(total, int) or isinstance(total, bool) or total <= 0:
            raise ProfileError(
                f"模拟配置 {self.id} 的 population.should_insure 应为正整数：{total!r}")
        return scaled(total, scale)

    def bands(self) -> npt.NDArray[np.int64]:
        return np.array(self.population["ages"]["bands"], dtype=np.int64)


def _read(name: str) -> dict[str, Any]:
    try:
        text = resources.files("yibao.sim.profiles").joinpath(f"{name}.toml").read_text("utf-8")
    except FileNotFoundError:
        raise ProfileError(f"未知的模拟配置：{name}（可选：{'、'.join(PROFILES)}）") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"模拟配置 {name} 无法解析：{exc}") from None


def load_casemix() -> CaseMix:
    raw = _read("casemix")
    cases, comorbid = raw["cases"], raw["comorbidities"]
    return CaseMix(
        keys=tuple(c["key"] for c in cases), adrg=tuple(c["adrg"] for c in cases),
        dx=tuple(c["dx"] for c in cases), proc=tuple(c["proc"] for c in cases),
        sex=tuple(c["sex"] for c in cases),
        weight=np.array([c["weight"] for c in cases], dtype=np.float64),
        cost_fen=np.array([yuan_to_fen(c["cost"]) for c in cases], dtype=np.int64),
        los_days=np.array([c["los"] for c in cases], dtype=np.float64),
        levels=np.array([c["levels"] for c in cases], dtype=np.float64),
        comorbid_codes=tuple(c["code"] for c in comorbid),
        comorbid_p=np.array([[c["adult"], c["elder"]] for c in comorbid], dtype=np.float64),
        upcoding_mcc=tuple(raw["upcoding_mcc"]),
    )


def load_raw(name: str) -> dict[str, Any]:
    """A shipped profile's TOML with its `base` profile's values under it."""
    raw = _read(name)
    base = raw.get("profile", {}).get("base")
    if base:
        parent = _read(base)
        parent["targets"] = {}
        raw = merge_tables(parent, raw)
        raw["targets"] = {k: v for k, v in raw["targets"].items() if v}
    return raw


def load_profile(name: str) -> Profile:
    """Load a shipped profile; a profile may name a `base` profile whose values it overrides.
    `<deployment>:<region>` is one region of a deployment profile (`yibao.sim.deployment`)."""
    if REGION_SEP in name:
        from yibao.sim.deployment import region_profile

        return region_profile(*name.split(REGION_SEP, 1))
    return profile_of(load_raw(name))


def profile_of(raw: dict[str, Any], visit_prefix: str = "") -> Profile:
    """The profile of the (merged) TOML `raw`."""
    head = raw["profile"]
    return Profile(
        id=head["id"], name=head["name"], policy=head["policy"], year=int(head["year"]),
        region=head["region"], city_region=head["city_region"],
        province_region=head["province_region"], targets=raw["targets"],
        population=raw["population"], institutions=raw["institutions"],
        utilisation=raw["utilisation"], costs=raw["costs"], casemix=load_casemix(),
        funds=raw.get("funds", {}), visit_prefix=visit_prefix,
    )
