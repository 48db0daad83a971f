"""Injected abuse (违规/欺诈骗保), labelled: ten patterns a bureau hunts, each applied to a share of
eligible rows and written to the labels table with the rows it touched (`mdtrt_id`, and
`feedetl_sn` for a line-level pattern). Off unless rates are given; every pattern is vectorised.

Abuse is concentrated, as inspections find it: a `provider_share` of the institutions is drawn
as abusive (written to `institutions.abusive`) and carries about `concentration` of every
pattern's picks; the rest is scattered over all other institutions.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Final

import numpy as np
import polars as pl

from yibao.sim import abuse_patterns as ap
from yibao.sim.abuse_world import World, abusive_institutions, concentration_weight
from yibao.sim.profile import Profile

#: Default rate of each pattern (share of eligible visits, lines or persons) [U] placeholders.
DEFAULT_RATES: Final = (
    ("split_admission", 0.01), ("phantom_bed", 0.01), ("upcoding", 0.02),
    ("duplicate_charge", 0.005), ("restricted_item", 0.002), ("over_quantity", 0.003),
    ("swapped_item", 0.003), ("low_threshold_admission", 0.002), ("after_death", 0.05),
    ("ring", 0.0002),
)
PATTERN_NAMES: Final = {
    "split_admission": "分解住院", "phantom_bed": "挂床住院", "upcoding": "高套结算清单",
    "duplicate_charge": "重复收费", "restricted_item": "超限性别/年龄用药",
    "over_quantity": "超量开药", "swapped_item": "串换项目",
    "low_threshold_admission": "低标准入院",
    "after_death": "死亡后就诊结算", "ring": "机构-医生-患者团伙",
}
#: Share of institutions drawn as abusive and the share of picks they carry [U] placeholders.
PROVIDER_SHARE: Final = 0.1
CONCENTRATION: Final = 0.8


class AbuseError(ValueError):
    """An abuse configuration that cannot be used; the message is zh-CN."""


@dataclass(frozen=True, slots=True)
class AbuseRates:
    """Rates by pattern name (patterns not named are off), the share of abusive institutions
    and the share of picks they carry."""

    rates: tuple[tuple[str, float], ...]
    provider_share: float = PROVIDER_SHARE
    concentration: float = CONCENTRATION

    def rate(self, name: str) -> float:
        return dict(self.rates).get(name, 0.0)


def default_rates() -> AbuseRates:
    return AbuseRates(DEFAULT_RATES)


def _share(value: object, key: str) -> float:
    if not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise AbuseError(f"providers.{key} 应为 0–1 之间的数")
    return float(value)


def parse_rates(text: str) -> AbuseRates:
    """Rates from TOML text: `[abuse]` with `pattern = rate` lines (rate in [0, 1]) and an
    optional `[providers]` with `share` and `concentration`."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise AbuseError(f"违规注入配置无法解析：{exc}") from None
    raw = doc.get("abuse", {})
    prov = doc.get("providers", {})
    unknown = sorted(set(raw) - set(PATTERN_NAMES))
    if unknown:
        raise AbuseError(f"未知的违规模式：{'、'.join(unknown)}")
    bad = [k for k, v in raw.items() if not isinstance(v, (int, float)) or not 0 <= v <= 1]
    if bad:
        raise AbuseError(f"违规比例应为 0–1 之间的数：{'、'.join(bad)}")
    return AbuseRates(tuple((k, float(raw[k])) for k in PATTERN_NAMES if k in raw),
                      _share(prov.get("share", PROVIDER_SHARE), "share"),
                      _share(prov.get("concentration", CONCENTRATION), "concentration"))


def load_rates(spec: str) -> AbuseRates:
    """`default` or the path of a TOML file of rates."""
    if spec == "default":
        return default_rates()
    path = Path(spec)
    if not path.is_file():
        raise AbuseError(f"违规注入配置不存在：{spec}（可用 default）")
    return parse_rates(path.read_text("utf-8"))


PATTERNS: Final = {
    "split_admission": ap.split_admission, "phantom_bed": ap.phantom_bed,
    "upcoding": ap.upcoding, "duplicate_charge": ap.duplicate_charge,
    "restricted_item": ap.restricted_item, "over_quantity": ap.over_quantity,
    "swapped_item": ap.swapped_item, "low_threshold_admission": ap.low_threshold_admission,
    "after_death": ap.after_death, "ring": ap.ring,
}


def _renumber(world: World) -> World:
    """Visits back in end-date order, `visit` 0..n-1, lines regrouped by visit."""
    visits = world.visits.sort(["enddate", "begndate", "mdtrt_id"])
    remap = np.empty(int(visits["visit"].max()) + 1, dtype=np.int64)
    remap[visits["visit"].to_numpy()] = np.arange(visits.height)
    lines = world.lines.with_columns(pl.Series("visit", remap[world.lines["visit"].to_numpy()]))
    return world.with_tables(
        visits.with_columns(pl.int_range(pl.len(), dtype=pl.Int64).alias("visit")),
        lines.sort(["visit", "feedetl_sn"]), world.stays.sort("mdtrt_id"))


def _start(rates: AbuseRates, visits: pl.DataFrame, lines: pl.DataFrame, stays: pl.DataFrame,
           persons: pl.DataFrame, insts: pl.DataFrame, items: pl.DataFrame, profile: Profile,
           rng: np.random.Generator) -> World:
    abusive = abusive_institutions(insts, visits, rates.provider_share, rng)
    if rates.rate("ring") > 0:
        abusive[ap.ring_hospital(insts)] = True
    weight = concentration_weight(insts, visits, abusive, rates.concentration)
    return World(visits, lines, stays, persons, insts, items, profile, abusive, weight)


def inject(rates: AbuseRates, visits: pl.DataFrame, lines: pl.DataFrame, stays: pl.DataFrame,
           persons: pl.DataFrame, insts: pl.DataFrame, items: pl.DataFrame, profile: Profile,
           rng: np.random.Generator) -> tuple[pl.DataFrame, ...]:
    """Apply every pattern with a positive rate, in PATTERNS order; returns the changed visits,
    lines and settlement lists, the labels (with `psn_no` and `fixmedins_code` filled) and the
    institutions with their `abusive` flag."""
    world = _start(rates, visits, lines, stays, persons, insts, items, profile, rng)
    labels = []
    for name, pattern in PATTERNS.items():
        if rates.rate(name) > 0:
            world, found = pattern(world, rates.rate(name), rng)
            ids = world.visits.filter(pl.col("mdtrt_id").is_in(found["mdtrt_id"].implode()))
            world = replace(world, touched=world.touched | frozenset(ids["visit"].to_list()))
            labels.append(found)
    world = _renumber(world)
    who = world.visits.select("mdtrt_id", "psn_no", "fixmedins_code")
    table = pl.concat(labels).join(who, on="mdtrt_id", how="left", maintain_order="left")
    return world.visits, world.lines, world.stays, table.select(
        "pattern", "case_id", "table", "mdtrt_id", "feedetl_sn", "psn_no", "fixmedins_code",
        "detail"), insts.with_columns(pl.Series("abusive", world.abusive))
