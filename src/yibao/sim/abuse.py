"""Injected abuse (违规/欺诈骗保), labelled: ten patterns a bureau hunts, each applied to a share of
eligible rows and written to the labels table with the rows it touched (`mdtrt_id`, and
`feedetl_sn` for a line-level pattern). Off unless rates are given; every pattern is vectorised.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import polars as pl

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


class AbuseError(ValueError):
    """An abuse configuration that cannot be used; the message is zh-CN."""


@dataclass(frozen=True, slots=True)
class AbuseRates:
    """Rates by pattern name; patterns not named are off."""

    rates: tuple[tuple[str, float], ...]

    def rate(self, name: str) -> float:
        return dict(self.rates).get(name, 0.0)


def default_rates() -> AbuseRates:
    return AbuseRates(DEFAULT_RATES)


def parse_rates(text: str) -> AbuseRates:
    """Rates from TOML text: `[abuse]` with `pattern = rate` lines (rate in [0, 1])."""
    try:
        raw = tomllib.loads(text).get("abuse", {})
    except tomllib.TOMLDecodeError as exc:
        raise AbuseError(f"违规注入配置无法解析：{exc}") from None
    unknown = sorted(set(raw) - set(PATTERN_NAMES))
    if unknown:
        raise AbuseError(f"未知的违规模式：{'、'.join(unknown)}")
    bad = [k for k, v in raw.items() if not isinstance(v, (int, float)) or not 0 <= v <= 1]
    if bad:
        raise AbuseError(f"违规比例应为 0–1 之间的数：{'、'.join(bad)}")
    return AbuseRates(tuple((k, float(raw[k])) for k in PATTERN_NAMES if k in raw))


def load_rates(spec: str) -> AbuseRates:
    """`default` or the path of a TOML file of rates."""
    if spec == "default":
        return default_rates()
    path = Path(spec)
    if not path.is_file():
        raise AbuseError(f"违规注入配置不存在：{spec}（可用 default）")
    return parse_rates(path.read_text("utf-8"))


@dataclass(frozen=True, slots=True)
class World:
    """The tables a pattern reads and changes (frames are replaced, never edited in place)."""

    visits: pl.DataFrame
    lines: pl.DataFrame
    stays: pl.DataFrame
    persons: pl.DataFrame
    insts: pl.DataFrame
    items: pl.DataFrame
    profile: Profile


def _label(pattern: str, case_id: np.ndarray, table: str, mdtrt: pl.Series,
           sn: pl.Series | None, detail: str) -> pl.DataFrame:
    n = len(mdtrt)
    return pl.DataFrame({
        "pattern": [pattern] * n, "case_id": case_id.astype(np.int64), "table": [table] * n,
        "mdtrt_id": mdtrt.cast(pl.Utf8),
        "feedetl_sn": (sn if sn is not None else pl.Series([None] * n)).cast(pl.Int32),
        "detail": [detail] * n})


def _choose(mask: np.ndarray, rate: float, rng: np.random.Generator) -> np.ndarray:
    """Indexes of a `rate` share of the rows where `mask` holds (at least one if any and rate>0)."""
    rows = np.flatnonzero(mask)
    k = round(len(rows) * rate)
    k = max(k, 1) if rate > 0 and len(rows) else k
    return np.sort(rng.choice(rows, size=k, replace=False)) if k else rows[:0]


def _new_visits(world: World, base: pl.DataFrame, tag: int,
                rng: np.random.Generator) -> tuple[World, pl.DataFrame]:
    """Append visits (rows shaped like `base`, a visits frame) with fresh ids, fee lines and,
    for stays, settlement lists; returns the world and the new visits."""
    from yibao.sim.fees import fee_lines
    from yibao.sim.stays import settlement_lists

    start = int(world.visits["visit"].max()) + 1
    year = world.profile.year
    base = base.cast({k: v for k, v in world.visits.schema.items() if k in base.columns})
    new = base.with_columns(
        pl.int_range(start, start + base.height, dtype=pl.Int64).alias("visit"),
        (pl.lit(f"M{year}{tag}") + pl.int_range(base.height).cast(pl.Utf8).str.zfill(8)
         + pl.lit("X")).alias("mdtrt_id")).select(world.visits.columns)
    lines = fee_lines(new, world.items, world.profile, rng).select(world.lines.columns)
    stays = world.stays
    if (new["kind"] == "inpatient").any():
        made = settlement_lists(new, world.persons, world.profile, rng)
        stays = pl.concat([stays, made.select(stays.columns).cast(stays.schema)])
    return World(pl.concat([world.visits, new]), pl.concat([world.lines, lines]), stays,
                 world.persons,
                 world.insts, world.items, world.profile), new


def split_admission(world: World, rate: float,
                    rng: np.random.Generator) -> tuple[World, pl.DataFrame]:
    v = world.visits
    chosen = v[_choose(((v["kind"] == "inpatient") & (v["los_days"] >= 6)).to_numpy(), rate, rng)]
    second = chosen.with_columns(
        (pl.col("enddate") + pl.duration(days=1)).alias("begndate"),
        (pl.col("los_days") // 2).alias("los_days"), (pl.col("total_fen") // 2))
    second = second.with_columns((pl.col("begndate") + pl.duration(days=pl.col("los_days")))
                                 .alias("enddate"))
    world, new = _new_visits(world, second, 1, rng)
    ids = np.arange(chosen.height)
    return world, pl.concat([
        _label("split_admission", ids, "visits", chosen["mdtrt_id"], None, "原住院"),
        _label("split_admission", ids, "visits", new["mdtrt_id"], None, "出院次日再入院")])


def _with_amounts(lines: pl.DataFrame) -> pl.DataFrame:
    return lines.with_columns(((pl.col("cnt_e4") * pl.col("pric_e6") + 50_000_000)
                               // 100_000_000).alias("det_item_fee_sumamt_fen"))


def phantom_bed(world: World, rate: float, rng: np.random.Generator) -> tuple[World, pl.DataFrame]:
    v = world.visits
    chosen = v[_choose((v["kind"] == "inpatient").to_numpy(), rate, rng)]
    extra = pl.DataFrame({"visit": chosen["visit"], "extra": rng.integers(3, 9, chosen.height)})
    days = world.items.filter(pl.col("category").str.contains("^(bed|nursing)")).get_column("item")
    touched = world.lines.join(extra, on="visit", how="left", maintain_order="left").with_columns(
        (pl.col("extra").is_not_null() & pl.col("item").is_in(days.implode())).alias("hit"))
    lines = _with_amounts(touched.with_columns(pl.when(pl.col("hit")).then(
        pl.col("cnt_e4") + pl.col("extra") * 10_000).otherwise(pl.col("cnt_e4")).alias("cnt_e4")))
    visits = v.join(extra, on="visit", how="left", maintain_order="left").with_columns(
        (pl.col("enddate") + pl.duration(days=pl.col("extra").fill_null(0))),
        (pl.col("los_days") + pl.col("extra").fill_null(0))).drop("extra")
    ends = visits.select("mdtrt_id", "enddate", "los_days")
    stays = world.stays.join(ends, on="mdtrt_id", how="left", maintain_order="left").with_columns(
        pl.col("enddate").alias("dscg_time"), pl.col("los_days").cast(pl.Int32)
    ).select(world.stays.columns)
    hit = lines.filter(pl.col("hit")).join(v.select("visit", "mdtrt_id"), on="visit")
    labels = _label("phantom_bed", hit["visit"].to_numpy(), "fee_lines", hit["mdtrt_id"],
                    hit["feedetl_sn"], "虚增床日")
    return World(visits, lines.select(world.lines.columns), stays, *_rest(world)), labels


def _rest(world: World) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, Profile]:
    return world.persons, world.insts, world.items, world.profile


def upcoding(world: World, rate: float, rng: np.random.Generator) -> tuple[World, pl.DataFrame]:
    s = world.stays
    rows = _choose(np.ones(s.height, dtype=bool), rate, rng)
    mcc = np.array(world.profile.casemix.upcoding_mcc)[rng.integers(0, 3, len(rows))]
    add = pl.DataFrame({"mdtrt_id": s["mdtrt_id"][rows], "mcc": mcc})
    stays = s.join(add, on="mdtrt_id", how="left", maintain_order="left").with_columns(
        pl.when(pl.col("mcc").is_not_null()).then(
            pl.col("secondary_diagnoses").list.concat(pl.concat_list("mcc")))
        .otherwise(pl.col("secondary_diagnoses")).alias("secondary_diagnoses")).drop("mcc")
    labels = _label("upcoding", rows, "settlement_lists", add["mdtrt_id"], None, "虚增严重并发症")
    return World(world.visits, world.lines, stays, *_rest(world)), labels


def _append_lines(world: World, add: pl.DataFrame) -> pl.DataFrame:
    """New lines (`visit`, `item`, `cnt_e4`) with catalogue fields and the next `feedetl_sn`."""
    top = world.lines.group_by("visit").agg(pl.col("feedetl_sn").max().alias("top"))
    cat = world.lines.select("item", "hilist_code", "chrg_itm_lv", "pric_e6", "selfpay_prop_e4",
                             "pric_uplmt_e6").unique("item")
    items = world.items.select("item", "hilist_code", "chrg_itm_lv", "pric_e6").join(
        cat.select("item", "selfpay_prop_e4", "pric_uplmt_e6"), on="item", how="left")
    add = add.join(items, on="item", how="left").join(top, on="visit", how="left").with_columns(
        pl.col("selfpay_prop_e4").fill_null(-1), pl.col("pric_uplmt_e6").fill_null(-1),
        (pl.col("top") + pl.int_range(pl.len()).over("visit") + 1).cast(pl.Int32)
        .alias("feedetl_sn"))
    return _with_amounts(add).select(world.lines.columns)


def _line_labels(pattern: str, lines: pl.DataFrame, world: World, detail: str) -> pl.DataFrame:
    hit = lines.join(world.visits.select("visit", "mdtrt_id"), on="visit", how="left")
    return _label(pattern, hit["visit"].to_numpy(), "fee_lines", hit["mdtrt_id"],
                  hit["feedetl_sn"], detail)


def duplicate_charge(world: World, rate: float,
                     rng: np.random.Generator) -> tuple[World, pl.DataFrame]:
    rows = _choose(np.ones(world.lines.height, dtype=bool), rate, rng)
    add = _append_lines(world, world.lines[rows].select("visit", "item", "cnt_e4"))
    return (World(world.visits, pl.concat([world.lines, add]), world.stays, *_rest(world)),
            _line_labels("duplicate_charge", add, world, "同一项目重复计费"))


def restricted_item(world: World, rate: float,
                    rng: np.random.Generator) -> tuple[World, pl.DataFrame]:
    v = world.visits.join(world.persons.select("person", "sex", "age"), on="person", how="left",
                          maintain_order="left")
    restricted = world.items.filter(pl.col("category") == "restricted")
    rows = _choose(np.ones(v.height, dtype=bool), rate, rng)
    sex, age = v["sex"].to_numpy()[rows], v["age"].to_numpy()[rows]
    code = restricted["lmt_sex"].to_list()
    female_only, male_only = code.index("F"), code.index("M")
    child = restricted["lmt_age_max"].to_list().index("14")
    pick = np.where(age > 14, child, np.where(sex == "M", female_only, male_only))
    add = _append_lines(world, pl.DataFrame({
        "visit": v["visit"].to_numpy()[rows], "item": restricted["item"].to_numpy()[pick],
        "cnt_e4": np.full(len(rows), 20_000, dtype=np.int64)}))
    return (World(world.visits, pl.concat([world.lines, add]), world.stays, *_rest(world)),
            _line_labels("restricted_item", add, world, "限性别/年龄项目用于不符合条件的患者"))


def _edit_lines(world: World, rows: np.ndarray, **exprs: pl.Expr) -> pl.DataFrame:
    flag = np.zeros(world.lines.height, dtype=bool)
    flag[rows] = True
    edited = world.lines.with_columns(pl.Series("hit", flag)).with_columns(
        *(pl.when(pl.col("hit")).then(e).otherwise(pl.col(k)).alias(k) for k, e in exprs.items()))
    return _with_amounts(edited).drop("hit")


def over_quantity(world: World, rate: float,
                  rng: np.random.Generator) -> tuple[World, pl.DataFrame]:
    kind = world.lines.join(world.visits.select("visit", "kind"), on="visit", how="left",
                            maintain_order="left")["kind"].to_numpy()
    drug = world.lines["hilist_code"].str.contains("^[XZ]").to_numpy()
    rows = _choose(drug & np.isin(kind, ["outpatient", "chronic", "pharmacy"]), rate, rng)
    lines = _edit_lines(world, rows, cnt_e4=(pl.col("cnt_e4") * 6).clip(upper_bound=99_990_000))
    return (World(world.visits, lines, world.stays, *_rest(world)),
            _line_labels("over_quantity", lines[rows], world, "单次开药量超过常规用量"))


def swapped_item(world: World, rate: float,
                 rng: np.random.Generator) -> tuple[World, pl.DataFrame]:
    rows = _choose((world.lines["chrg_itm_lv"] == "03").to_numpy(), rate, rng)
    covered = world.items.filter((pl.col("chrg_itm_lv") == "01")
                                 & pl.col("category").is_in(["drug", "treatment"]))
    pick = covered[rng.integers(0, covered.height, len(rows))]
    swap = np.zeros(world.lines.height, dtype=np.int64)
    swap[rows] = np.arange(len(rows))
    code = pl.Series(pick["hilist_code"].to_numpy()[swap])
    lines = _edit_lines(world, rows, hilist_code=pl.lit(code), chrg_itm_lv=pl.lit("01"),
                        item=pl.lit(pl.Series(pick["item"].to_numpy()[swap])),
                        selfpay_prop_e4=pl.lit(-1), pric_uplmt_e6=pl.lit(-1))
    return (World(world.visits, lines, world.stays, *_rest(world)),
            _line_labels("swapped_item", lines[rows], world, "自费项目串换为甲类项目"))


def _case(world: World, key: str) -> int:
    return world.profile.casemix.keys.index(key)


def low_threshold_admission(world: World, rate: float,
                            rng: np.random.Generator) -> tuple[World, pl.DataFrame]:
    v = world.visits
    base = v[_choose(((v["kind"] == "outpatient") & (v["hosp_lv"] == "1")
                      & (v["offsite"] == "local")).to_numpy(), rate, rng)]
    stays = base.with_columns(
        pl.lit("inpatient").alias("kind"), pl.lit("21").alias("med_type"),
        pl.lit(_case(world, "uri")).cast(pl.Int64).alias("case"),
        pl.lit(2, pl.Int64).alias("los_days"), pl.lit(150_000, pl.Int64).alias("total_fen"),
        (pl.col("begndate") + pl.duration(days=2)).alias("enddate"))
    world, new = _new_visits(world, stays, 2, rng)
    return world, _label("low_threshold_admission", np.arange(new.height), "visits",
                         new["mdtrt_id"], None, "门诊可治疗的轻症收治住院")


def after_death(world: World, rate: float, rng: np.random.Generator) -> tuple[World, pl.DataFrame]:
    p = world.persons
    year_end = np.datetime64(f"{world.profile.year}-12-31")
    death = p["death_date"].to_numpy()
    dead = np.flatnonzero(~np.isnat(death) & (death < year_end - 10))
    rows = dead[_choose(np.ones(len(dead), dtype=bool), rate, rng)]
    when = np.minimum(death[rows] + rng.integers(3, 60, len(rows)), year_end)
    clinic = world.insts.filter((pl.col("area") == "county") & (pl.col("hosp_lv") == "1")
                                & (pl.col("kind") == "clinic"))
    inst = clinic[rng.integers(0, clinic.height, len(rows))]
    base = pl.DataFrame({
        "person": p["person"].to_numpy()[rows], "kind": "chronic", "case": -1,
        "inst": inst["inst"], "hosp_lv": "1", "offsite": "local", "begndate": when,
        "enddate": when, "los_days": 0, "total_fen": rng.integers(20_000, 60_000, len(rows)),
        "fixmedins_code": inst["fixmedins_code"], "psn_no": p["psn_no"].to_numpy()[rows],
        "insutype": p["insutype"].to_numpy()[rows], "med_type": "14",
        "chfpdr_code": "D" + inst["fixmedins_code"].str.slice(1, 11) + "000", "visit": 0,
        "mdtrt_id": ""}, schema_overrides={"begndate": pl.Date, "enddate": pl.Date})
    world, new = _new_visits(world, base.select(world.visits.columns), 3, rng)
    return world, _label("after_death", np.arange(new.height), "visits", new["mdtrt_id"], None,
                         "参保人死亡后仍有就诊结算")


def ring(world: World, rate: float, rng: np.random.Generator) -> tuple[World, pl.DataFrame]:
    """One private hospital, three of its doctors and a set of patients with fake admissions."""
    hosp = world.insts.filter(pl.col("fixmedins_name").str.contains("民营"))[0]
    locals_ = world.persons.filter(~pl.col("lives_outside") & (pl.col("age") >= 40))
    patients = locals_[_choose(np.ones(locals_.height, dtype=bool), rate, rng)]
    if patients.height < 5:
        patients = locals_[:5]
    n = patients.height * 2
    person = np.repeat(patients["person"].to_numpy(), 2)
    begin = np.datetime64(f"{world.profile.year}-01-01") + rng.integers(0, 340, n)
    cases = np.array([_case(world, k) for k in ("lumbar_disc", "knee_oa", "gastritis")])
    code = hosp["fixmedins_code"][0]
    base = pl.DataFrame({
        "person": person, "kind": "inpatient", "case": cases[rng.integers(0, 3, n)],
        "inst": hosp["inst"][0], "hosp_lv": hosp["hosp_lv"][0], "offsite": "local",
        "begndate": begin, "enddate": begin + 10, "los_days": 10,
        "total_fen": rng.integers(500_000, 900_000, n), "fixmedins_code": code,
        "psn_no": np.repeat(patients["psn_no"].to_numpy(), 2),
        "insutype": np.repeat(patients["insutype"].to_numpy(), 2), "med_type": "21",
        "chfpdr_code": pl.Series([f"D{code[1:12]}9{i % 3:02d}" for i in range(n)]),
        "visit": 0, "mdtrt_id": ""}, schema_overrides={"begndate": pl.Date, "enddate": pl.Date})
    base = base.with_columns(pl.col("los_days").cast(pl.Int64), pl.col("case").cast(pl.Int64))
    world, new = _new_visits(world, base.select(world.visits.columns), 4, rng)
    return world, _label("ring", np.zeros(new.height), "visits", new["mdtrt_id"], None,
                         f"{code} 与三名医生、{patients.height} 名参保人虚构住院")


PATTERNS: Final = {
    "split_admission": split_admission, "phantom_bed": phantom_bed, "upcoding": upcoding,
    "duplicate_charge": duplicate_charge, "restricted_item": restricted_item,
    "over_quantity": over_quantity, "swapped_item": swapped_item,
    "low_threshold_admission": low_threshold_admission, "after_death": after_death, "ring": ring,
}


def _renumber(world: World) -> World:
    """Visits back in end-date order, `visit` 0..n-1, lines regrouped by visit."""
    visits = world.visits.sort(["enddate", "begndate", "mdtrt_id"])
    remap = np.empty(int(visits["visit"].max()) + 1, dtype=np.int64)
    remap[visits["visit"].to_numpy()] = np.arange(visits.height)
    lines = world.lines.with_columns(pl.Series("visit", remap[world.lines["visit"].to_numpy()]))
    return World(visits.with_columns(pl.int_range(pl.len(), dtype=pl.Int64).alias("visit")),
                 lines.sort(["visit", "feedetl_sn"]), world.stays.sort("mdtrt_id"),
                 *_rest(world))


def inject(rates: AbuseRates, visits: pl.DataFrame, lines: pl.DataFrame, stays: pl.DataFrame,
           persons: pl.DataFrame, insts: pl.DataFrame, items: pl.DataFrame, profile: Profile,
           rng: np.random.Generator) -> tuple[pl.DataFrame, ...]:
    """Apply every pattern with a positive rate, in PATTERNS order; returns the changed visits,
    lines and settlement lists and the labels (with `psn_no` and `fixmedins_code` filled)."""
    world = World(visits, lines, stays, persons, insts, items, profile)
    labels = []
    for name, pattern in PATTERNS.items():
        if rates.rate(name) > 0:
            world, found = pattern(world, rates.rate(name), rng)
            labels.append(found)
    world = _renumber(world)
    who = world.visits.select("mdtrt_id", "psn_no", "fixmedins_code")
    table = pl.concat(labels).join(who, on="mdtrt_id", how="left", maintain_order="left")
    return world.visits, world.lines, world.stays, table.select(
        "pattern", "case_id", "table", "mdtrt_id", "feedetl_sn", "psn_no", "fixmedins_code",
        "detail")
