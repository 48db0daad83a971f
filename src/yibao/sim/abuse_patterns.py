"""The ten injected patterns; each leaves the trace the real pattern leaves (docs/sim.md) and
labels the rows it touched. Every pattern is vectorised; rows at abusive institutions are
likelier (`abuse_world.choose`), visits another pattern touched are left alone, and no pattern
puts care after a person's death except `after_death` itself."""

from __future__ import annotations

from typing import Final

import numpy as np
import polars as pl

from yibao.sim.abuse_world import (
    World,
    alive_until,
    append_lines,
    choose,
    edit_lines,
    fresh,
    label,
    line_inst,
    line_labels,
    new_visits,
    with_amounts,
)
from yibao.sim.fees import supply_days

Out = tuple[World, pl.DataFrame]


def _year_end(world: World) -> np.datetime64:
    return np.datetime64(f"{world.profile.year}-12-31")


def _shift(dates: pl.Series, days: np.ndarray | int) -> np.ndarray:
    return dates.to_numpy().astype("datetime64[D]") + np.asarray(days).astype("timedelta64[D]")


#: Principal diagnoses whose readmissions are planned cycles (放化疗、透析): a second stay of
#: these is a legitimate cycle by the definition of 分解住院 (特殊情况除外), so none is split.
PLANNED_READMISSION_DX: Final = ("Z51", "Z49")


def _planned(world: World, case: np.ndarray) -> np.ndarray:
    """Rows whose case type's principal diagnosis is a planned readmission's."""
    planned = [k for k, dx in enumerate(world.profile.casemix.dx)
               if dx.startswith(PLANNED_READMISSION_DX)]
    return np.isin(case, planned)


def split_admission(world: World, rate: float, rng: np.random.Generator) -> Out:
    """分解住院: a stay cut in two, the second admission the day after discharge (never a
    planned chemotherapy or dialysis cycle)."""
    v = world.visits
    later = _shift(v["enddate"], 1 + v["los_days"].to_numpy() // 2)
    ok = ((v["kind"] == "inpatient") & (v["los_days"] >= 6)).to_numpy() & fresh(world, v["visit"])
    ok &= ~_planned(world, v["case"].to_numpy())
    ok &= alive_until(world, v["person"], later) & (later <= _year_end(world))
    chosen = v[choose(world, ok, rate, rng, v["inst"].to_numpy())]
    second = chosen.with_columns(
        (pl.col("enddate") + pl.duration(days=1)).alias("begndate"),
        (pl.col("los_days") // 2).alias("los_days"), (pl.col("total_fen") // 2))
    second = second.with_columns((pl.col("begndate") + pl.duration(days=pl.col("los_days")))
                                 .alias("enddate"))
    world, new = new_visits(world, second, 1, rng)
    ids = np.arange(chosen.height)
    return world, pl.concat([
        label("split_admission", ids, "visits", chosen["mdtrt_id"], None, "原住院"),
        label("split_admission", ids, "visits", new["mdtrt_id"], None, "出院次日再入院")])


def phantom_bed(world: World, rate: float, rng: np.random.Generator) -> Out:
    """挂床住院: the stay is kept open 3–8 days after care ends; bed and nursing are charged for
    days with no drug, exam, lab or treatment line."""
    v = world.visits
    last = _shift(v["enddate"], 8)
    ok = (v["kind"] == "inpatient").to_numpy() & fresh(world, v["visit"])
    ok &= alive_until(world, v["person"], last) & (last <= _year_end(world))
    chosen = v[choose(world, ok, rate, rng, v["inst"].to_numpy())]
    extra = pl.DataFrame({"visit": chosen["visit"], "extra": rng.integers(3, 9, chosen.height)})
    days = world.items.filter(pl.col("category").str.contains("^(bed|nursing)")).get_column("item")
    touched = world.lines.join(extra, on="visit", how="left", maintain_order="left").with_columns(
        (pl.col("extra").is_not_null() & pl.col("item").is_in(days.implode())).alias("hit"))
    lines = with_amounts(touched.with_columns(pl.when(pl.col("hit")).then(
        pl.col("cnt_e4") + pl.col("extra") * 10_000).otherwise(pl.col("cnt_e4")).alias("cnt_e4")))
    visits = v.join(extra, on="visit", how="left", maintain_order="left").with_columns(
        (pl.col("enddate") + pl.duration(days=pl.col("extra").fill_null(0))),
        (pl.col("los_days") + pl.col("extra").fill_null(0))).drop("extra")
    ends = visits.select("mdtrt_id", "enddate", "los_days")
    stays = world.stays.join(ends, on="mdtrt_id", how="left", maintain_order="left").with_columns(
        pl.col("enddate").alias("dscg_time"), pl.col("los_days").cast(pl.Int32)
    ).select(world.stays.columns)
    hit = lines.filter(pl.col("hit")).join(v.select("visit", "mdtrt_id"), on="visit")
    labels = label("phantom_bed", hit["visit"].to_numpy(), "fee_lines", hit["mdtrt_id"],
                   hit["feedetl_sn"], "无诊疗活动的床日（挂床）")
    return world.with_tables(visits, lines.select(world.lines.columns), stays), labels


def upcoding(world: World, rate: float, rng: np.random.Generator) -> Out:
    """高套: an MCC with no support (no ICU or ventilator hours) added to the settlement list."""
    s = world.stays
    at = s.join(world.visits.select("mdtrt_id", "visit", "inst"), on="mdtrt_id", how="left",
                maintain_order="left")
    rows = choose(world, fresh(world, at["visit"]) & (s["icu_hours"] == 0).to_numpy(), rate, rng,
                  at["inst"].to_numpy())
    mcc = np.array(world.profile.casemix.upcoding_mcc)[rng.integers(0, 3, len(rows))]
    add = pl.DataFrame({"mdtrt_id": s["mdtrt_id"][rows], "mcc": mcc})
    stays = s.join(add, on="mdtrt_id", how="left", maintain_order="left").with_columns(
        pl.when(pl.col("mcc").is_not_null()).then(
            pl.col("secondary_diagnoses").list.concat(pl.concat_list("mcc")))
        .otherwise(pl.col("secondary_diagnoses")).alias("secondary_diagnoses")).drop("mcc")
    labels = label("upcoding", rows, "settlement_lists", add["mdtrt_id"], None, "虚增严重并发症")
    return world.with_tables(stays=stays), labels


def duplicate_charge(world: World, rate: float, rng: np.random.Generator) -> Out:
    """重复收费: a line charged again, same item, day and quantity."""
    ok = fresh(world, world.lines["visit"])
    rows = choose(world, ok, rate, rng, line_inst(world))
    add = append_lines(world, world.lines[rows].select("visit", "item", "cnt_e4", "fee_date"))
    return (world.with_tables(lines=pl.concat([world.lines, add])),
            line_labels("duplicate_charge", add, world, "同一项目同日重复计费"))


def restricted_item(world: World, rate: float, rng: np.random.Generator) -> Out:
    """A sex- or age-restricted item given to a patient outside the restriction."""
    v = world.visits.join(world.persons.select("person", "sex", "age"), on="person", how="left",
                          maintain_order="left")
    restricted = world.items.filter(pl.col("category") == "restricted")
    rows = choose(world, fresh(world, v["visit"]), rate, rng, v["inst"].to_numpy())
    sex, age = v["sex"].to_numpy()[rows], v["age"].to_numpy()[rows]
    code = restricted["lmt_sex"].to_list()
    female_only, male_only = code.index("F"), code.index("M")
    child = restricted["lmt_age_max"].to_list().index("14")
    pick = np.where(age > 14, child, np.where(sex == "M", female_only, male_only))
    add = append_lines(world, pl.DataFrame({
        "visit": v["visit"].to_numpy()[rows], "item": restricted["item"].to_numpy()[pick],
        "cnt_e4": np.full(len(rows), 20_000, dtype=np.int64), "fee_date": v["begndate"][rows]}))
    return (world.with_tables(lines=pl.concat([world.lines, add])),
            line_labels("restricted_item", add, world, "限性别/年龄项目用于不符合条件的患者"))


def over_quantity(world: World, rate: float, rng: np.random.Generator) -> Out:
    """超量开药: a drug line 1.5–3 times the item's daily maximum × the days it covers."""
    lines = world.lines.join(world.visits.select("visit", "kind", "los_days", "inst"),
                             on="visit", how="left", maintain_order="left")
    per_day = world.items["max_units_day"].fill_null(0).to_numpy()[lines["item"].to_numpy()]
    days = supply_days(lines)
    cap = per_day * days
    ok = (per_day > 0) & (cap * 3 < 9_999) & fresh(world, lines["visit"])
    ok &= np.isin(lines["kind"].to_numpy(), ["outpatient", "chronic", "pharmacy"])
    rows = choose(world, ok, rate, rng, lines["inst"].to_numpy())
    new_cnt = np.zeros(lines.height, dtype=np.int64)
    new_cnt[rows] = np.ceil(cap[rows] * rng.uniform(1.5, 3.0, len(rows))).astype(np.int64)
    edited = edit_lines(world, rows, cnt_e4=pl.lit(pl.Series(new_cnt * 10_000)))
    return (world.with_tables(lines=edited),
            line_labels("over_quantity", edited[rows], world, "开药量超过药品日最大用量×天数"))


def swapped_item(world: World, rate: float, rng: np.random.Generator) -> Out:
    """串换: a 丙类 line rebilled under a 甲类 code at the original price."""
    ok = (world.lines["chrg_itm_lv"] == "03").to_numpy() & fresh(world, world.lines["visit"])
    rows = choose(world, ok, rate, rng, line_inst(world))
    covered = world.items.filter((pl.col("chrg_itm_lv") == "01")
                                 & pl.col("category").is_in(["drug", "treatment"]))
    pick = covered[rng.integers(0, covered.height, len(rows))]
    swap = np.zeros(world.lines.height, dtype=np.int64)
    swap[rows] = np.arange(len(rows))
    code = pl.Series(pick["hilist_code"].to_numpy()[swap])
    lines = edit_lines(world, rows, hilist_code=pl.lit(code), chrg_itm_lv=pl.lit("01"),
                       item=pl.lit(pl.Series(pick["item"].to_numpy()[swap])),
                       selfpay_prop_e4=pl.lit(-1), pric_uplmt_e6=pl.lit(-1))
    return (world.with_tables(lines=lines),
            line_labels("swapped_item", lines[rows], world, "自费项目串换为甲类项目"))


def _case(world: World, key: str) -> int:
    return world.profile.casemix.keys.index(key)


#: Fee categories of substantive treatment (实质性治疗): a low-threshold stay has none of them.
TREATMENT_CATEGORIES: Final = ("treatment", "surgery")


def _without_treatment(world: World, stays: pl.DataFrame) -> World:
    """The stays' lines without treatment and surgery lines, renumbered 1.. a stay."""
    treat = world.items.filter(pl.col("category").is_in(TREATMENT_CATEGORIES))["item"]
    mine = pl.col("visit").is_in(stays["visit"].implode())
    kept = world.lines.filter(~(mine & pl.col("item").is_in(treat.implode())))
    kept = kept.with_columns(pl.when(mine).then(
        pl.int_range(pl.len()).over("visit") + 1).otherwise(pl.col("feedetl_sn"))
        .cast(pl.Int32).alias("feedetl_sn"))
    return world.with_tables(lines=kept)


def low_threshold_admission(world: World, rate: float, rng: np.random.Generator) -> Out:
    """低标准入院: a minor outpatient case (URI) admitted for two days of examinations and
    labs with no substantive treatment (体检式检查，未进行实质性治疗): no treatment or
    surgery line."""
    v = world.visits
    ok = ((v["kind"] == "outpatient") & (v["hosp_lv"] == "1")
          & (v["offsite"] == "local")).to_numpy() & fresh(world, v["visit"])
    later = _shift(v["begndate"], 2)
    ok &= alive_until(world, v["person"], later) & (later <= _year_end(world))
    base = v[choose(world, ok, rate, rng, v["inst"].to_numpy())]
    stays = base.with_columns(
        pl.lit("inpatient").alias("kind"), pl.lit("21").alias("med_type"),
        pl.lit(_case(world, "uri")).cast(pl.Int64).alias("case"),
        pl.lit(2, pl.Int64).alias("los_days"), pl.lit(150_000, pl.Int64).alias("total_fen"),
        (pl.col("begndate") + pl.duration(days=2)).alias("enddate"))
    world, new = new_visits(world, stays, 2, rng)
    return _without_treatment(world, new), label(
        "low_threshold_admission", np.arange(new.height), "visits", new["mdtrt_id"], None,
        "门诊可治疗的轻症收治住院，仅检查化验、无实质性治疗")


def _weighted(world: World, table: pl.DataFrame, n: int, rng: np.random.Generator
              ) -> pl.DataFrame:
    """`n` rows of an institutions table, abusive ones `weight` times likelier."""
    w = np.where(world.abusive[table["inst"].to_numpy()], world.weight, 1.0)
    return table[rng.choice(table.height, size=n, p=w / w.sum())]


def after_death(world: World, rate: float, rng: np.random.Generator) -> Out:
    """死亡后就诊: chronic-care visits settled 3–60 days after the person's death."""
    p = world.persons
    year_end = _year_end(world)
    death = p["death_date"].to_numpy()
    dead = np.flatnonzero(~np.isnat(death) & (death < year_end - 10))
    pick = np.ones(len(dead), dtype=bool)
    rows = dead[choose(world, pick, rate, rng, np.zeros(len(dead), dtype=np.int64))]
    when = np.minimum(death[rows] + rng.integers(3, 60, len(rows)), year_end)
    clinic = world.insts.filter((pl.col("area") == "county") & (pl.col("hosp_lv") == "1")
                                & (pl.col("kind") == "clinic"))
    inst = _weighted(world, clinic, len(rows), rng)
    base = pl.DataFrame({
        "person": p["person"].to_numpy()[rows], "kind": "chronic", "case": -1,
        "inst": inst["inst"], "hosp_lv": "1", "offsite": "local", "begndate": when,
        "enddate": when, "los_days": 0, "total_fen": rng.integers(20_000, 60_000, len(rows)),
        "fixmedins_code": inst["fixmedins_code"], "psn_no": p["psn_no"].to_numpy()[rows],
        "insutype": p["insutype"].to_numpy()[rows], "med_type": "14",
        "chfpdr_code": "D" + inst["fixmedins_code"].str.slice(1, 11) + "000", "visit": 0,
        "mdtrt_id": ""}, schema_overrides={"begndate": pl.Date, "enddate": pl.Date})
    world, new = new_visits(world, base.select(world.visits.columns), 3, rng)
    return world, label("after_death", np.arange(new.height), "visits", new["mdtrt_id"], None,
                        "参保人死亡后仍有就诊结算")


def ring_hospital(insts: pl.DataFrame) -> int:
    """The `inst` of the private hospital that hosts the ring."""
    return int(insts.filter(pl.col("fixmedins_name").str.contains("民营"))["inst"][0])


RING_LOS_DAYS: Final = 10


def ring(world: World, rate: float, rng: np.random.Generator) -> Out:
    """One private hospital, three of its doctors and a set of living patients with two fake
    admissions each, spaced beyond the 15-day readmission window."""
    hosp = world.insts.filter(pl.col("inst") == ring_hospital(world.insts))
    locals_ = world.persons.filter(~pl.col("lives_outside") & (pl.col("age") >= 40)
                                   & pl.col("death_date").is_null())
    every = np.ones(locals_.height, dtype=bool)
    patients = locals_[choose(world, every, rate, rng, np.zeros(locals_.height, np.int64))]
    if patients.height < 5:
        patients = locals_[:5]
    n = patients.height * 2
    person = np.repeat(patients["person"].to_numpy(), 2)
    draw = rng.integers(0, 340, n).reshape(-1, 2)
    first = draw[:, 0] % 150
    # the second fake stay comes more than the readmission window (15 days) after the first
    # ends: the evasion facts/audit.md §1.4 reports
    second = first + RING_LOS_DAYS + 16 + draw[:, 1] % 180
    begin = np.datetime64(f"{world.profile.year}-01-01") + np.column_stack(
        [first, second]).ravel()
    cases = np.array([_case(world, k) for k in ("lumbar_disc", "knee_oa", "gastritis")])
    code = hosp["fixmedins_code"][0]
    base = pl.DataFrame({
        "person": person, "kind": "inpatient", "case": cases[rng.integers(0, 3, n)],
        "inst": hosp["inst"][0], "hosp_lv": hosp["hosp_lv"][0], "offsite": "local",
        "begndate": begin, "enddate": begin + RING_LOS_DAYS, "los_days": RING_LOS_DAYS,
        "total_fen": rng.integers(500_000, 900_000, n), "fixmedins_code": code,
        "psn_no": np.repeat(patients["psn_no"].to_numpy(), 2),
        "insutype": np.repeat(patients["insutype"].to_numpy(), 2), "med_type": "21",
        "chfpdr_code": pl.Series([f"D{code[1:12]}9{i % 3:02d}" for i in range(n)]),
        "visit": 0, "mdtrt_id": ""}, schema_overrides={"begndate": pl.Date, "enddate": pl.Date})
    base = base.with_columns(pl.col("los_days").cast(pl.Int64), pl.col("case").cast(pl.Int64))
    world, new = new_visits(world, base.select(world.visits.columns), 4, rng)
    return world, label("ring", np.zeros(new.height), "visits", new["mdtrt_id"], None,
                        f"{code} 与三名医生、{patients.height} 名参保人虚构住院")
