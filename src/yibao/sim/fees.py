"""Fee lines (费用明细) that spend each visit's cost budget on catalogue items.

Each visit kind has a template of line counts per fee category; the budget left after bed, nursing
and consultation fees is shared among categories by the profile's mix, then among a category's
lines with random weights. A line takes the catalogue item whose price is nearest the amount over
a small target count, and `cnt = round(amount / price)` (1–9,999, whole units), so every line is a
valid settlement request line. All columns are int64 in the batch engine's units.

Every line has a `fee_date` within the visit: bed and nursing lines (one per stay, the count of
days) carry the admission day and cover every day of the stay; a stay's other lines are spread
over its days in random order (clinical activity on every day, or every second or third day of
the longest stays), and
same-item lines of the same day are merged into one line, so an identical repeat in a visit is
never normal. A prescription's drug line (outpatient, chronic, pharmacy) stays within the
catalogue's `max_units_day` × the `SUPPLY_DAYS` it covers.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl

from yibao.sim.profile import Profile

I64 = npt.NDArray[np.int64]
CATS: Final = ("drug", "exam", "lab", "treatment", "consumable", "surgery")
CNT_MAX: Final = 9_999
E4: Final = 10_000
#: Days a prescription covers by visit kind (处方管理办法 第十九条: 一般不超过 7 日用量; chronic
#: long prescriptions up to 30 days, illustrative [U]); a stay covers its length of stay.
SUPPLY_DAYS: Final = {"outpatient": 7, "pharmacy": 7, "chronic": 30}


def _line_counts(visits: pl.DataFrame, has_proc: npt.NDArray[np.bool_],
                 rng: np.random.Generator) -> I64:
    """Lines per visit and category (visits × CATS)."""
    kind = visits["kind"].to_numpy()
    los = visits["los_days"].to_numpy()
    n = len(kind)
    counts = np.zeros((n, len(CATS)), dtype=np.int64)
    ip = kind == "inpatient"
    counts[ip] = np.column_stack([
        3 + np.minimum(los[ip] // 2, 8), np.full(ip.sum(), 2), np.full(ip.sum(), 3),
        np.full(ip.sum(), 2), 1 + (los[ip] > 7), has_proc[ip].astype(np.int64)])
    op = kind == "outpatient"
    counts[op, 0] = 1 + rng.integers(0, 3, op.sum())
    counts[op, 2] = rng.random(op.sum()) < 0.4
    counts[op, 1] = rng.random(op.sum()) < 0.15
    ch = kind == "chronic"
    counts[ch, 0] = 2 + rng.integers(0, 3, ch.sum())
    counts[ch, 2] = 1
    ph = kind == "pharmacy"
    counts[ph, 0] = 1 + rng.integers(0, 3, ph.sum())
    return counts


def _shares(visits: pl.DataFrame, counts: I64, profile: Profile) -> npt.NDArray[np.float64]:
    mix = profile.costs["inpatient_mix"]
    ip_share = np.array([float(mix[c]) for c in CATS])
    kind = visits["kind"].to_numpy()
    share = np.where((kind == "inpatient")[:, None], ip_share[None, :],
                     np.array([0.65, 0.1, 0.25, 0, 0, 0])[None, :])
    share = np.where(counts > 0, share, 0.0)
    moved = (kind == "inpatient") & (counts[:, 5] == 0)
    share[moved, 3] += ip_share[5]
    return share / np.maximum(share.sum(axis=1, keepdims=True), 1e-12)


def _fixed_lines(visits: pl.DataFrame, catalogue: pl.DataFrame) -> pl.DataFrame:
    """Bed and nursing days for stays, a consultation fee for outpatient and chronic visits."""
    by_cat = dict(zip(catalogue["category"].to_list(), catalogue["item"].to_list(), strict=True))
    kind = visits["kind"].to_numpy()
    lv = visits["hosp_lv"].to_numpy()
    los = visits["los_days"].to_numpy()
    idx = visits["visit"].to_numpy()
    ip = np.flatnonzero(kind == "inpatient")
    cl = np.flatnonzero((kind == "outpatient") | (kind == "chronic"))
    bed = np.array([by_cat[f"bed{v}"] for v in "123"])[lv[ip].astype(np.int64) - 1]
    diag = np.array([by_cat[f"diag{v}"] for v in "123"])[lv[cl].astype(np.int64) - 1]
    return pl.DataFrame({
        "visit": np.concatenate([idx[ip], idx[ip], idx[cl]]),
        "item": np.concatenate([bed, np.full(len(ip), by_cat["nursing"]), diag]),
        "cnt_e4": np.concatenate([los[ip], los[ip], np.ones(len(cl), np.int64)]) * E4,
        "day": np.zeros(2 * len(ip) + len(cl), dtype=np.int64),
    })


def supply_days(visits: pl.DataFrame) -> I64:
    """Days a visit's drug lines cover: the stay, or the prescription's days by kind."""
    days = visits["kind"].replace_strict(SUPPLY_DAYS, default=7, return_dtype=pl.Int64)
    inpatient = visits["kind"].to_numpy() == "inpatient"
    return np.where(inpatient, np.maximum(visits["los_days"].to_numpy(), 1), days.to_numpy())


def _days(line_visit: I64, los: I64, rng: np.random.Generator) -> I64:
    """Day offset of each variable line: a visit's lines in random order spread over its days."""
    n = len(line_visit)
    order = np.lexsort((rng.random(n), line_visit))
    sorted_visit = line_visit[order]
    start = np.searchsorted(sorted_visit, sorted_visit, side="left")
    size = np.searchsorted(sorted_visit, sorted_visit, side="right") - start
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n) - start
    size_of = np.empty(n, dtype=np.int64)
    size_of[order] = size
    return rank * los // np.maximum(size_of, 1)


def _pick_items(cat: I64, amount: npt.NDArray[np.float64], catalogue: pl.DataFrame,
                rng: np.random.Generator) -> tuple[I64, I64]:
    """Item and whole count for each variable line."""
    item = np.empty(len(cat), dtype=np.int64)
    usable = catalogue.filter(pl.col("category").is_in(CATS)).sort("pric_e6")
    target = 1 + rng.poisson(np.where(cat == 0, 4, 1))
    for code, name in enumerate(CATS):
        rows = np.flatnonzero(cat == code)
        pool = usable.filter(pl.col("category") == name)
        price = pool["pric_e6"].to_numpy() / 1e6
        at = np.searchsorted(price, amount[rows] / target[rows]) + rng.integers(-3, 4, len(rows))
        item[rows] = pool["item"].to_numpy()[np.clip(at, 0, len(price) - 1)]
    unit = catalogue["pric_e6"].to_numpy()[item] / 1e6
    cnt = np.clip(np.round(amount / unit), 1, CNT_MAX).astype(np.int64)
    return item, cnt * E4


def fee_lines(visits: pl.DataFrame, catalogue: pl.DataFrame, profile: Profile,
              rng: np.random.Generator) -> pl.DataFrame:
    """Fee lines of every visit, grouped by visit in visit order, `feedetl_sn` 1, 2, … a visit."""
    case = visits["case"].to_numpy()
    has_proc = np.array([bool(p) for p in profile.casemix.proc] + [False])[case]
    counts = _line_counts(visits, has_proc, rng)
    fixed = _fixed_lines(visits, catalogue)
    price = catalogue["pric_e6"].to_numpy()
    first = int(visits["visit"].min())  # visits are numbered first, first + 1, …
    fixed_fen = np.bincount(fixed["visit"].to_numpy() - first, weights=(
        fixed["cnt_e4"].to_numpy() // E4 * price[fixed["item"].to_numpy()] // 10_000),
        minlength=visits.height)
    budget = np.maximum(visits["total_fen"].to_numpy() - fixed_fen,
                        visits["total_fen"].to_numpy() * 0.3) / 100
    share = _shares(visits, counts, profile)
    flat = counts.ravel()
    n_cat = len(CATS)
    line_visit = np.repeat(np.repeat(visits["visit"].to_numpy(), n_cat), flat)
    line_cat = np.repeat(np.tile(np.arange(n_cat), visits.height), flat)
    per_line = (budget[:, None] * share / np.maximum(counts, 1)).ravel()
    amount = np.repeat(per_line, flat) * rng.gamma(4.0, 0.25, len(line_cat))
    item, cnt_e4 = _pick_items(line_cat, amount, catalogue, rng)
    row = line_visit - first
    # Dates come from a child generator: the parent's stream (and the calibration) is unchanged.
    day = _days(line_visit, visits["los_days"].to_numpy()[row], rng.spawn(1)[0])
    lines = pl.concat([fixed, pl.DataFrame({"visit": line_visit, "item": item,
                                            "cnt_e4": cnt_e4, "day": day})])
    return _finish(lines, visits, catalogue)


def _cap(lines: pl.DataFrame, visits: pl.DataFrame, catalogue: pl.DataFrame) -> pl.DataFrame:
    """Prescription counts (not stays) within the item's daily maximum × the days the
    prescription covers, and every count within CNT_MAX."""
    per_day = catalogue["max_units_day"].fill_null(0).to_numpy()[lines["item"].to_numpy()]
    row = lines["visit"].to_numpy() - int(visits["visit"].min())
    per_day = np.where(visits["kind"].to_numpy()[row] == "inpatient", 0, per_day)
    days = supply_days(visits)[row]
    cap = np.where(per_day > 0, np.minimum(per_day * days, CNT_MAX), CNT_MAX) * E4
    return lines.with_columns(pl.Series("cnt_e4", np.minimum(lines["cnt_e4"].to_numpy(), cap)))


def _scaled(column: str, places: int) -> pl.Expr:
    """A decimal-string column as exact integer units of 10^-places (never through a float)."""
    text = pl.col(column).cast(pl.String)
    decimal = pl.when(text != "").then(text).otherwise(None).str.to_decimal(scale=places)
    return (decimal * 10**places).cast(pl.Int64)


def _finish(lines: pl.DataFrame, visits: pl.DataFrame, catalogue: pl.DataFrame) -> pl.DataFrame:
    cat = catalogue.select(
        "item", "hilist_code", "chrg_itm_lv", "pric_e6",
        _scaled("selfpay_prop", 4).fill_null(-1).alias("selfpay_prop_e4"),
        _scaled("pric_uplmt_amt", 6).fill_null(-1).alias("pric_uplmt_e6"))
    merged = _cap(lines.group_by("visit", "item", "day", maintain_order=True).agg(
        pl.col("cnt_e4").sum()), visits, catalogue)
    lines = merged.sort("visit", maintain_order=True).join(cat, on="item", how="left",
                                                           maintain_order="left")
    begin = visits.select("visit", "begndate")
    lines = lines.join(begin, on="visit", how="left", maintain_order="left").with_columns(
        (pl.col("begndate") + pl.duration(days=pl.col("day"))).alias("fee_date"),
    ).drop("begndate", "day")
    return lines.with_columns(
        (pl.int_range(pl.len()).over("visit") + 1).cast(pl.Int32).alias("feedetl_sn"),
        ((pl.col("cnt_e4") * pl.col("pric_e6") + 50_000_000) // 100_000_000)
        .alias("det_item_fee_sumamt_fen"),
    )
