"""A deployment: the coordinating regions (统筹区) of a city simulated together (issue 14).

A deployment profile (`guangan-2020`) names a base region model (`base`), the city and its
county-level regions with their populations, policies and institutions (`[[deployment.regions]]`),
and the flows of care between them and outside them (`[flows]`). `region_profile` gives each
region its own `Profile` (`<deployment>:<code>`); `simulate_city` generates every region's year
with one catalogue and one institution register (each region's own institutions registered in
its region; the city hospitals in 广安区; Chengdu's and the outside residence regions' hospitals
outside the deployment), then the cross-region part: who filed (备案) for care where, emergency
stays filed afterwards (补办备案), manual claims (零星报销), and each offsite visit's `offsite`
value derived from those filings (`derive_visits`, the rule of `yibao.offsite.rules`).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Final

import numpy as np
import polars as pl

from yibao.offsite.model import Filing, FilingType
from yibao.offsite.rules import derive_offsite
from yibao.policy.loader import PolicyError, find_line, load_policy
from yibao.sim.catalogue import catalogue
from yibao.sim.institutions import county_rows, outer_rows
from yibao.sim.profile import REGION_SEP, Profile, ProfileError, _read, load_raw, profile_of
from yibao.sim.simulate import SimTables, simulate

Step = Callable[[str], None]
REGION: Final = re.compile(r"^\d{6}$")
SHARES: Final = ("neighbour_share", "city_referral_filed", "neighbour_filed", "emergency_share",
                 "long_term_filed", "manual_share", "manual_share_cross_province",
                 "manual_outpatient_share")
DAYS: Final = ("city_serial_start", "retro_days", "filing_lead_days", "temporary_days")
#: Filings as written to `filings.parquet` (and the store's `offsite_filings`).
FILING_SCHEMA: Final = {"filing_id": pl.Utf8, "id_number": pl.Utf8, "psn_no": pl.Utf8,
                        "insured_region": pl.Utf8, "filing_type": pl.Utf8,
                        "care_area": pl.Utf8, "start_date": pl.Date, "end_date": pl.Date,
                        "filed_on": pl.Date}
#: Long-term filing types by the person's type (psn_type).
LONG_TERM_TYPE: Final = {"retired": FilingType.RESETTLED_RETIREE.value,
                         "in_service": FilingType.RESIDENT_WORKER.value,
                         "resident": FilingType.LONG_TERM_RESIDENT.value}


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    name: str
    policy: str
    employees: int
    residents: int
    institutions: dict[str, int]


@dataclass(frozen=True, slots=True)
class Deployment:
    """A deployment profile: the city, its regions and the flows between them."""

    id: str
    name: str
    city: str
    year: int
    regions: tuple[Region, ...]
    flows: dict[str, Any]
    raw: dict[str, Any]

    def region(self, code: str) -> Region:
        for region in self.regions:
            if region.code == code:
                return region
        known = "、".join(r.code for r in self.regions)
        raise ProfileError(f"模拟配置 {self.id} 没有统筹区 {code}（可选：{known}）")

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.regions)


def is_deployment(name: str) -> bool:
    """Whether the shipped profile `name` simulates a deployment (has `[deployment]`)."""
    return REGION_SEP not in name and "deployment" in _read(name)


def _text(name: str) -> str:
    from importlib import resources

    return resources.files("yibao.sim.profiles").joinpath(f"{name}.toml").read_text("utf-8")


class _Check:
    """Errors naming the profile file, the key and its line."""

    def __init__(self, name: str) -> None:
        self.file, self.text = f"sim/profiles/{name}.toml", _text(name)

    def fail(self, path: tuple[str, ...], message: str, item: int | None = None
             ) -> ProfileError:
        """`item`: the index of the `[[deployment.regions]]` entry the key is in."""
        line = find_line(self.text, path) if item is None else self._item_line(item, path[-1])
        where = f"{self.file}:{line}" if line else self.file
        return ProfileError(f"{where}: {'.'.join(path)}: {message}")

    def _item_line(self, item: int, key: str) -> int | None:
        """The line of `key` in the `item`-th region entry (else the entry's header)."""
        seen, header = -1, None
        for number, line in enumerate(self.text.splitlines(), start=1):
            if line.lstrip().startswith("["):
                if seen == item:
                    break
                if re.match(r"^\s*\[\[\s*deployment\.regions\s*\]\]", line):
                    seen += 1
                    header = number if seen == item else header
            elif seen == item and re.match(rf"^\s*{re.escape(key)}\s*=", line):
                return number
        return header

    def count(self, table: Mapping[str, Any], path: tuple[str, ...], key: str,
              item: int | None = None) -> int:
        value = table.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise self.fail((*path, key), "应为非负整数", item)
        return value

    def share(self, table: Mapping[str, Any], path: tuple[str, ...], key: str) -> float:
        value = table.get(key)
        try:
            share = float(str(value))
        except ValueError:
            share = -1.0
        if value is None or isinstance(value, bool) or not 0 <= share <= 1:
            raise self.fail((*path, key), "应为 0–1 之间的比例（字符串）")
        return share


INSTITUTION_KEYS: Final = ("county_hospitals", "private_hospitals", "township_centres",
                           "pharmacies")


def _region(check: _Check, item: object, index: int, city: str, year: int) -> Region:
    path = ("deployment", "regions")
    if not isinstance(item, Mapping):
        raise check.fail(path, f"第 {index + 1} 个统筹区应为表", index)
    code = item.get("code")
    if not isinstance(code, str) or not REGION.match(code) or code[:4] != city[:4] \
            or code[4:] == "00":
        raise check.fail((*path, "code"), f"应为 {city} 下的六位县级区划代码：{code!r}", index)
    name = item.get("name")
    if not isinstance(name, str) or not name:
        raise check.fail((*path, "name"), f"统筹区 {code} 缺少名称", index)
    policy_id = item.get("policy")
    if policy_id != f"{code}-{year}":
        raise check.fail((*path, "policy"),
                         f"统筹区 {code} 的政策应为 {code}-{year}：{policy_id!r}", index)
    try:
        policy = load_policy(policy_id)
    except PolicyError as err:
        raise check.fail((*path, "policy"), f"政策 {policy_id} 无法使用：{err}", index) from None
    if policy.contributions is None:
        raise check.fail((*path, "policy"), f"政策 {policy_id} 缺少 [contributions]", index)
    employees = check.count(item, path, "employees", index)
    residents = check.count(item, path, "residents", index)
    if employees + residents == 0:
        raise check.fail((*path, "residents"), f"统筹区 {code} 的参保人数为 0", index)
    counts = {key: check.count(item, path, key, index) for key in INSTITUTION_KEYS if key in item}
    return Region(code, name, policy_id, employees, residents, counts)


def load_deployment(name: str) -> Deployment:
    """Read and validate a deployment profile; errors name the file, the key and the line."""
    raw = load_raw(name)
    check = _Check(name)
    spec = raw.get("deployment")
    if not isinstance(spec, Mapping):
        raise check.fail(("deployment",), "不是多统筹区模拟配置（缺少 [deployment]）")
    city = spec.get("city")
    if not isinstance(city, str) or not REGION.match(city) or city[4:] != "00":
        raise check.fail(("deployment", "city"), f"应为六位地市级区划代码：{city!r}")
    year = int(raw["profile"]["year"])
    items = spec.get("regions")
    if not isinstance(items, list) or not items:
        raise check.fail(("deployment", "regions"), "应至少有一个统筹区 [[deployment.regions]]")
    regions = tuple(_region(check, item, i, city, year) for i, item in enumerate(items))
    codes = [r.code for r in regions]
    if len(set(codes)) != len(codes):
        raise check.fail(("deployment", "regions", "code"), "统筹区代码重复")
    flows = raw.get("flows")
    if not isinstance(flows, Mapping):
        raise check.fail(("flows",), "缺少 [flows]")
    values: dict[str, Any] = {key: check.share(flows, ("flows",), key) for key in SHARES}
    values |= {key: check.count(flows, ("flows",), key) for key in DAYS}
    if values["temporary_days"] < 1:
        raise check.fail(("flows", "temporary_days"), "临时备案有效期至少 1 天")
    if raw["profile"]["city_region"] not in codes:
        raise check.fail(("profile", "city_region"), "市级医院所在区应为本部署的统筹区之一")
    unknown = sorted(set(flows) - set(SHARES) - set(DAYS))
    if unknown:
        raise check.fail(("flows", unknown[0]), "未知的键")
    return Deployment(raw["profile"]["id"], str(spec.get("name", city)), city, year, regions,
                      values, raw)


def region_profile(name: str, code: str) -> Profile:
    """The profile of region `code` of deployment `name` (`guangan-2020:511623`)."""
    dep = load_deployment(name)
    region = dep.region(code)
    raw = copy.deepcopy(dep.raw)
    raw["profile"] |= {"id": f"{name}{REGION_SEP}{code}", "name": f"{region.name} {dep.year}",
                       "region": code, "policy": region.policy}
    raw["population"] |= {"employees": region.employees, "residents": region.residents}
    raw["population"].pop("should_insure", None)
    raw["institutions"] |= region.institutions
    raw["utilisation"]["neighbour_share"] = str(dep.flows["neighbour_share"])
    raw["targets"] = {}
    return profile_of(raw, visit_prefix=code)


def city_institutions(dep: Deployment) -> pl.DataFrame:
    """The institution register of the deployment: each region's own (area county), then the
    city hospitals (registered in the profile's city region), the province's and outside."""
    rows: list[dict[str, Any]] = []
    for region in dep.regions:
        rows += county_rows(region_profile(dep.id, region.code), region.name)
    base = region_profile(dep.id, dep.regions[0].code)
    rows += outer_rows(base, int(dep.flows["city_serial_start"]))
    frame = pl.DataFrame(rows)
    return frame.with_columns(pl.Series("inst", np.arange(frame.height, dtype=np.int64)))


def region_view(insts: pl.DataFrame, code: str) -> pl.DataFrame:
    """The register as region `code` sees it: other regions' own institutions are `neighbour`."""
    other = (pl.col("area") == "county") & (pl.col("admdvs") != code)
    return insts.with_columns(pl.when(other).then(pl.lit("neighbour"))
                              .otherwise(pl.col("area")).alias("area"))


@dataclass(frozen=True, slots=True)
class CityTables:
    """A simulated deployment year: each region's tables, the filings, the register."""

    regions: dict[str, SimTables]
    filings: pl.DataFrame
    institutions: pl.DataFrame


def simulate_regions(name: str, scale: float, seed: int, step: Step | None = None
                     ) -> Iterator[tuple[str, SimTables, pl.DataFrame]]:
    """Each region of deployment `name` in turn, with its filings (deterministic for `seed`):
    one region's tables at a time, so a writer may let each go before the next."""
    tick = step or (lambda _name: None)
    dep = load_deployment(name)
    insts = city_institutions(dep)
    items = catalogue(region_profile(name, dep.regions[0].code), np.random.default_rng([seed, 0]))
    for index, region in enumerate(dep.regions):
        profile = region_profile(name, region.code)
        rng = np.random.default_rng([seed, index + 1])
        code = region.code

        def said(stage: str, code: str = code) -> None:
            tick(f"{code} {stage}")

        tables = simulate(profile, load_policy(profile.policy), scale, rng, None, said,
                          shared=(region_view(insts, code), items))
        visits, filed = cross_region(tables, profile, dep, rng)
        tick(f"{code} 异地就医备案")
        yield code, SimTables(**{**dict(tables.items()), "visits": visits}), filed


def simulate_city(name: str, scale: float, seed: int, step: Step | None = None) -> CityTables:
    """Every region of deployment `name` in memory (deterministic for `seed`)."""
    regions, filings = {}, []
    for code, tables, filed in simulate_regions(name, scale, seed, step):
        regions[code] = tables
        filings.append(filed)
    return CityTables(regions, pl.concat(filings), city_institutions(load_deployment(name)))


# ---------- the cross-region part ----------

def _days(rng: np.random.Generator, low: int, high: int, n: int) -> pl.Expr:
    """A whole number of days from `low` to `high` for each of `n` rows, as a duration."""
    return pl.duration(days=pl.lit(pl.Series(rng.integers(low, high + 1, n), dtype=pl.Int64)))


def _filings(rows: pl.DataFrame, region: str, kind: str) -> pl.DataFrame:
    return rows.select(
        "id_number", "psn_no", pl.lit(region).alias("insured_region"),
        pl.col("filing_type").cast(pl.Utf8), "care_area", pl.col("start_date").cast(pl.Date),
        pl.col("end_date").cast(pl.Date), pl.col("filed_on").cast(pl.Date),
        pl.lit(kind).alias("kind"))


def _numbered(filed: pl.DataFrame, region: str, year: int) -> pl.DataFrame:
    """The filings in `FILING_SCHEMA`, numbered `F<region><year><7 digits>` in order."""
    number = pl.int_range(pl.len()).cast(pl.Utf8).str.zfill(7)
    return filed.with_columns((pl.lit(f"F{region}{year}") + number).alias("filing_id")).select(
        *FILING_SCHEMA)


def cross_region(tables: SimTables, profile: Profile, dep: Deployment,
                 rng: np.random.Generator) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The region's visits with `care_region`, the derived `offsite`, `filing_id`, `emergency`
    and `channel`, and its filings (see the module doc; [flows] of the profile)."""
    region, flows, year = profile.region, dep.flows, profile.year
    insts = tables.institutions
    people = tables.persons.select("person", "id_number", "psn_no", "psn_type",
                                   "residence_admdvs")
    v = tables.visits.with_columns(
        insts["admdvs"].gather(tables.visits["inst"]).alias("care_region"),
        insts["area"].gather(tables.visits["inst"]).alias("area"),
    ).join(people, on="person", how="left", maintain_order="left")
    off = v.filter(pl.col("care_region") != region)
    # Long-term: an outside dweller cared for where he lives holds, at `long_term_filed`, a
    # long-term filing for that city (or municipality district).
    dwellers = off.filter(pl.col("area") == "outside").unique(
        "person", keep="first", maintain_order=True)
    lived = dwellers.filter(pl.Series(rng.random(dwellers.height) < flows["long_term_filed"]))
    long_term = lived.with_columns(
        pl.col("psn_type").replace_strict(LONG_TERM_TYPE).alias("filing_type"),
        (pl.col("residence_admdvs").str.slice(0, 4) + "00").alias("care_area"),
        (pl.lit(date(year - 5, 1, 1)) + _days(rng, 0, 5 * 365 - 1, lived.height))
        .alias("start_date"),
        pl.lit(None, pl.Date).alias("end_date"),
    ).with_columns(pl.col("start_date").alias("filed_on"))
    # Temporary: referrals to the province's and the city's hospitals, trips to a neighbour
    # county; one a person (filings of a category may not overlap), the first visit's.
    u = rng.random(off.height)
    kind = (pl.when((pl.col("area") == "province") & (pl.col("offsite") == "referral"))
            .then(pl.lit(FilingType.REFERRAL.value))
            .when((pl.col("area") == "city") & (pl.col("u") < flows["city_referral_filed"]))
            .then(pl.lit(FilingType.REFERRAL.value))
            .when((pl.col("area") == "neighbour") & (pl.col("u") < flows["neighbour_filed"]))
            .then(pl.lit(FilingType.OTHER_TEMPORARY.value)))
    area = (pl.when(pl.col("area") == "province")
            .then(pl.col("care_region").str.slice(0, 4) + "00").otherwise(pl.col("care_region")))
    wanted = off.with_columns(pl.Series("u", u)).with_columns(
        kind.alias("filing_type"), area.alias("care_area")).filter(
        pl.col("filing_type").is_not_null()).sort("begndate", "visit").unique(
        "person", keep="first", maintain_order=True)
    lead = _days(rng, 0, int(flows["filing_lead_days"]), wanted.height)
    length = timedelta(days=int(flows["temporary_days"]) - 1)
    temporary = wanted.with_columns(
        (pl.col("begndate") - lead).alias("start_date")).with_columns(
        pl.col("start_date").alias("filed_on"),
        (pl.col("start_date") + length).alias("end_date"))
    filed = pl.concat([_filings(long_term, region, "long_term"),
                       _filings(temporary, region, "temporary")])
    # Emergencies: unfiled offsite stays of people without a temporary filing, filed afterwards.
    first = derive_visits(off, _numbered(filed, region, year), region)
    stays = off.with_columns(first["offsite"]).filter(
        (pl.col("offsite") == "unfiled") & (pl.col("kind") == "inpatient")
        & ~pl.col("person").is_in(temporary["person"].implode()))
    chosen = stays.filter(pl.Series(rng.random(stays.height) < flows["emergency_share"])).sort(
        "begndate", "visit").unique("person", keep="first", maintain_order=True)
    late = _days(rng, 1, int(flows["retro_days"]), chosen.height)
    emergency = chosen.with_columns(
        pl.lit(FilingType.EMERGENCY.value).alias("filing_type"),
        pl.col("care_region").alias("care_area"), pl.col("begndate").alias("start_date"),
        (pl.col("begndate") + late).alias("filed_on"),
        (pl.col("begndate") + length).alias("end_date"))
    filed = _numbered(pl.concat([filed, _filings(emergency, region, "emergency")]), region,
                      year)
    flagged = v.with_columns(pl.col("visit").is_in(emergency["visit"].implode())
                             .alias("emergency"))
    derived = derive_visits(flagged, filed, region)
    v = flagged.drop("offsite").with_columns(derived)
    # Manual claims: unfiled offsite care paid in full and claimed at home.
    cross = pl.col("care_region").str.slice(0, 2) != region[:2]
    share = (pl.when((pl.col("kind") == "inpatient") & cross)
             .then(pl.lit(flows["manual_share_cross_province"]))
             .when(pl.col("kind") == "inpatient").then(pl.lit(flows["manual_share"]))
             .otherwise(pl.lit(flows["manual_outpatient_share"])))
    manual = (pl.col("offsite") == "unfiled") & (pl.Series(rng.random(v.height)) < share)
    v = v.with_columns(pl.when(manual).then(pl.lit("manual")).otherwise(pl.lit("direct"))
                       .alias("channel"))
    return v.select(*tables.visits.columns, "care_region", "emergency", "channel",
                    "filing_id"), filed


def derive_visits(visits: pl.DataFrame, filings: pl.DataFrame, region: str) -> pl.DataFrame:
    """`offsite`, `filing_id` and `retro_due` of each visit (`id_number`, `care_region`,
    `begndate`, `enddate`, optional `emergency`), by `yibao.offsite.rules.derive_offsite` on
    the care's first day with the filings made by the settlement day (`enddate`): local care
    without a look-up, each offsite visit (a small share) under its person's filings."""
    offsite = ["local"] * visits.height
    filing_id: list[str | None] = [None] * visits.height
    retro = [False] * visits.height
    away = visits.with_row_index("row").filter(pl.col("care_region") != region)
    if away.height:
        held: dict[str, list[Filing]] = {}
        for f in filings.iter_rows(named=True):
            held.setdefault(f["id_number"], []).append(Filing(
                f["filing_id"], f["id_number"], f["insured_region"],
                FilingType(f["filing_type"]), f["care_area"], f["start_date"], f["end_date"],
                f["filed_on"]))
        urgent = (away["emergency"].to_list() if "emergency" in away.columns
                  else [False] * away.height)
        for i, who, care, begin, end, emergency in zip(
                away["row"].to_list(), away["id_number"].to_list(),
                away["care_region"].to_list(), away["begndate"].to_list(),
                away["enddate"].to_list(), urgent, strict=True):
            seen = [f for f in held.get(who, ()) if f.filed_on <= end]
            found = derive_offsite(seen, region, care, begin, emergency=bool(emergency))
            offsite[i], filing_id[i], retro[i] = found.offsite, found.filing_id, found.retro_due
    return pl.DataFrame({"offsite": offsite, "filing_id": filing_id, "retro_due": retro},
                        schema={"offsite": pl.Utf8, "filing_id": pl.Utf8,
                                "retro_due": pl.Boolean})
