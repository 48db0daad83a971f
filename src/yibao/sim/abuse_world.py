"""The state abuse patterns read and change, and the helpers they share: weighted choice that
concentrates abuse in the abusive institutions, labels, new visits and edited lines."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
import polars as pl

from yibao.sim.profile import Profile

Mask = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class World:
    """The tables a pattern reads and changes (frames are replaced, never edited in place).

    `abusive` marks, by `inst`, the institutions that carry most of the abuse; `weight` is how
    much likelier one of their rows is chosen; `touched` holds the visits a pattern already
    labelled (a later pattern leaves them alone, so each labelled visit has one pattern)."""

    visits: pl.DataFrame
    lines: pl.DataFrame
    stays: pl.DataFrame
    persons: pl.DataFrame
    insts: pl.DataFrame
    items: pl.DataFrame
    profile: Profile
    abusive: Mask
    weight: float
    touched: frozenset[int] = frozenset()

    def with_tables(self, visits: pl.DataFrame | None = None, lines: pl.DataFrame | None = None,
                    stays: pl.DataFrame | None = None) -> World:
        return replace(self, visits=self.visits if visits is None else visits,
                       lines=self.lines if lines is None else lines,
                       stays=self.stays if stays is None else stays)


def abusive_institutions(insts: pl.DataFrame, visits: pl.DataFrame, share: float,
                         rng: np.random.Generator) -> Mask:
    """A `share` of the institutions that have visits (at least one when share > 0)."""
    used = np.unique(visits["inst"].to_numpy())
    k = min(len(used), max(1, round(len(used) * share))) if share > 0 else 0
    mask = np.zeros(insts.height, dtype=bool)
    mask[rng.choice(used, size=k, replace=False)] = True
    return mask


def concentration_weight(insts: pl.DataFrame, visits: pl.DataFrame, abusive: Mask,
                         concentration: float) -> float:
    """Row weight at abusive institutions so that they carry `concentration` of the picks."""
    at = abusive[visits["inst"].to_numpy()]
    n_ab, n_other = int(at.sum()), int((~at).sum())
    if not n_ab or not n_other or concentration <= 0:
        return 1.0
    c = min(concentration, 0.999)
    return c * n_other / ((1 - c) * n_ab)


def choose(world: World, mask: Mask, rate: float, rng: np.random.Generator,
           inst: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Indexes of a `rate` share of the rows where `mask` holds (at least one if any and
    rate > 0), rows at abusive institutions `weight` times likelier (Efraimidis–Spirakis)."""
    rows = np.flatnonzero(mask)
    k = round(len(rows) * rate)
    k = max(k, 1) if rate > 0 and len(rows) else k
    if not k:
        return rows[:0]
    w = np.where(world.abusive[inst[rows]], world.weight, 1.0)
    key = np.log(rng.random(len(rows))) / w
    return np.sort(rows[np.argsort(-key, kind="stable")[:k]])


def fresh(world: World, visit: pl.Series) -> Mask:
    """Rows whose visit no earlier pattern touched."""
    return ~visit.is_in(list(world.touched)).to_numpy()


def alive_until(world: World, person: pl.Series, day: np.ndarray) -> Mask:
    """Rows whose person is alive on `day` (no death date, or death after it)."""
    death = world.persons["death_date"].to_numpy()[person.to_numpy()].astype("datetime64[D]")
    return np.isnat(death) | (death > day)


def line_inst(world: World) -> npt.NDArray[np.int64]:
    return world.lines.join(world.visits.select("visit", "inst"), on="visit", how="left",
                            maintain_order="left")["inst"].to_numpy()


def label(pattern: str, case_id: np.ndarray, table: str, mdtrt: pl.Series,
          sn: pl.Series | None, detail: str) -> pl.DataFrame:
    n = len(mdtrt)
    return pl.DataFrame({
        "pattern": [pattern] * n, "case_id": case_id.astype(np.int64), "table": [table] * n,
        "mdtrt_id": mdtrt.cast(pl.Utf8),
        "feedetl_sn": (sn if sn is not None else pl.Series([None] * n)).cast(pl.Int32),
        "detail": [detail] * n})


def new_visits(world: World, base: pl.DataFrame, tag: int,
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
    return world.with_tables(pl.concat([world.visits, new]), pl.concat([world.lines, lines]),
                             stays), new


def with_amounts(lines: pl.DataFrame) -> pl.DataFrame:
    return lines.with_columns(((pl.col("cnt_e4") * pl.col("pric_e6") + 50_000_000)
                               // 100_000_000).alias("det_item_fee_sumamt_fen"))


def append_lines(world: World, add: pl.DataFrame) -> pl.DataFrame:
    """New lines (`visit`, `item`, `cnt_e4`, `fee_date`) with catalogue fields and the next
    `feedetl_sn` of their visit."""
    top = world.lines.group_by("visit").agg(pl.col("feedetl_sn").max().alias("top"))
    cat = world.lines.select("item", "selfpay_prop_e4", "pric_uplmt_e6").unique("item")
    items = world.items.select("item", "hilist_code", "chrg_itm_lv", "pric_e6").join(
        cat, on="item", how="left")
    add = add.join(items, on="item", how="left").join(top, on="visit", how="left").with_columns(
        pl.col("selfpay_prop_e4").fill_null(-1), pl.col("pric_uplmt_e6").fill_null(-1),
        (pl.col("top") + pl.int_range(pl.len()).over("visit") + 1).cast(pl.Int32)
        .alias("feedetl_sn"))
    return with_amounts(add).select(world.lines.columns)


def line_labels(pattern: str, lines: pl.DataFrame, world: World, detail: str) -> pl.DataFrame:
    hit = lines.join(world.visits.select("visit", "mdtrt_id"), on="visit", how="left")
    return label(pattern, hit["visit"].to_numpy(), "fee_lines", hit["mdtrt_id"],
                 hit["feedetl_sn"], detail)


def edit_lines(world: World, rows: np.ndarray, **exprs: pl.Expr) -> pl.DataFrame:
    flag = np.zeros(world.lines.height, dtype=bool)
    flag[rows] = True
    edited = world.lines.with_columns(pl.Series("hit", flag)).with_columns(
        *(pl.when(pl.col("hit")).then(e).otherwise(pl.col(k)).alias(k) for k, e in exprs.items()))
    return with_amounts(edited).drop("hit")
