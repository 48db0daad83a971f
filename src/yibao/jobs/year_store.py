"""The year job's store (结算库): the simulated region-year written to the settlement service's
database in bulk, and a sample of persons replayed through the stateful path to prove both agree.

`load_year` migrates a fresh database, imports the persons, enrollments and institutions, posts
the year's contributions and writes every batch settlement with its detail rows, its postings and
the final accumulators (`yibao.store.bulk`), then runs the ledger check. `replay_sample` imports a
sample of persons into a separate fresh SQLite store, posts their contributions and settles each
of their visits in order with `settle_service.settle_committed`, and compares every amount with
the batch results, to the fen. The batch they are checked against is
`yibao.jobs.year.settle_year`, which carries the personal account (个人账户) from visit to
visit as the stateful path does.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

import numpy as np
import polars as pl

from yibao.core.money import to_fen
from yibao.fund.checks import LedgerReport
from yibao.fund.postings import TxnKind
from yibao.services.contribute import post_contributions
from yibao.services.fund import check_fund_ledger
from yibao.services.settle_service import (
    Refused,
    Settled,
    accumulators_of,
    settle_committed,
    settlement_id,
)
from yibao.settle.batch import BatchResult
from yibao.settle.columns import RequestColumns
from yibao.settle.model import MONEY_FIELDS, YTD_KEYS
from yibao.sim.simulate import SimTables
from yibao.store import Store
from yibao.store.bulk import (
    accumulator_rows,
    check_foreign_keys,
    contribution_income_fen,
    contribution_postings,
    detail_rows,
    insert_frame,
    settlement_postings,
    settlement_rows,
    tune_for_bulk_load,
    write_ledger,
    year_rows,
)
from yibao.store.db import describe
from yibao.store.ledger import shard_of
from yibao.store.migrate import upgrade
from yibao.store.schema import (
    accumulators,
    contributions,
    enrollments,
    institutions,
    persons,
    settlement_details,
    settlements,
)

Progress = Callable[[str], None]
#: Persons per transaction of the bulk load (their enrollments, contributions, settlements).
PERSONS_PER_CHUNK: Final = 100_000
CONTRIBUTION_AMOUNTS: Final = (
    "individual", "assistance", "subsidy_central", "subsidy_provincial", "subsidy_local",
    "serious_illness", "employer_to_pool", "employer_to_account", "employee_to_pool",
    "employee_to_account", "retiree_credit")


class YearStoreError(ValueError):
    """The year cannot be loaded into that database (zh-CN message)."""


@dataclass(frozen=True, slots=True)
class StoreLoad:
    """What `load_year` wrote, and the ledger check over the whole database."""

    location: str
    persons: int
    contributions: int
    settlements: int
    details: int
    postings: int
    accumulators: int
    income_fen: int
    ledger: LedgerReport


def year_database(report: Path, url: str | None) -> tuple[str, bool]:
    """The database to load: `url`, else `$YIBAO_DATABASE_URL`, else `var/year.db` beside the
    report folder; and whether it is that default file (which the job owns and recreates)."""
    chosen = url or os.environ.get("YIBAO_DATABASE_URL")
    if chosen:
        return Store(chosen).url, False
    path = (report.resolve().parent / "var" / "year.db")
    return f"sqlite:///{path}", True


def remove_sqlite(url: str) -> None:
    """Delete an SQLite database file with its WAL and shared-memory files."""
    path = Path(url.removeprefix("sqlite:///"))
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _region_year(tables: SimTables) -> tuple[str, int]:
    first = tables.enrollments.row(0, named=True)
    return str(first["insuplc_admdvs"]), int(first["year"])


def _registry_frames(tables: SimTables, region: str, year: int, chosen: pl.DataFrame
                     ) -> tuple[pl.DataFrame, pl.DataFrame]:
    people = chosen.join(tables.persons, on="person", how="left", maintain_order="left")
    person_rows = people.select(
        "id_number", pl.col("psn_no").alias("name"), "birth_date", "sex",
        pl.lit(region).alias("region"), "household_id", "groups", "civil_servant")
    enrolled = people.select(
        "id_number", pl.col("insutype").alias("scheme"), pl.lit(region).alias("region"),
        pl.lit(year).alias("year"), pl.lit("active").alias("status"), "psn_type",
        pl.date(year, 1, 1).alias("start_date"), pl.date(year, 1, 1).alias("benefit_start"),
        pl.lit(0).alias("waiting_months"), pl.lit(None, pl.Utf8).alias("employer_code"),
        pl.when(pl.col("psn_type") == "in_service").then(pl.col("wage_base_fen"))
        .alias("wage_base_fen"), pl.lit(0).alias("contribution_years"))
    return person_rows, enrolled


def _institution_frame(tables: SimTables) -> pl.DataFrame:
    return tables.institutions.select(
        pl.col("fixmedins_code").alias("code"), pl.col("fixmedins_name").alias("name"),
        pl.col("hosp_lv").alias("level"), pl.col("admdvs").alias("region"))


def _with_shard(frame: pl.DataFrame) -> pl.DataFrame:
    shards = [shard_of(i) for i in frame["id_number"].to_list()]
    return frame.with_columns(pl.Series("shard", shards, dtype=pl.Int64))


def _contribution_frame(tables: SimTables, chosen: pl.DataFrame, cols: RequestColumns,
                        region: str, year: int, now: datetime) -> pl.DataFrame:
    rules = cols.policies[0].contributions
    aided = {g for g, _share in rules.assistance} if rules is not None else set()
    people = chosen.join(tables.persons.select("person", "psn_no", "id_number"), on="person",
                         how="left", maintain_order="left")
    frame = people.join(tables.contributions, on="psn_no", how="inner", maintain_order="left")
    client = pl.format("C{}-{}-{}", pl.lit(year), pl.col("insutype"), pl.col("id_number"))
    return _with_shard(frame.select(
        client.alias("client_id"), "id_number", pl.col("insutype").alias("scheme"),
        pl.lit(region).alias("region"), pl.lit(year).alias("year"), "psn_type",
        pl.lit(12).alias("months"),
        pl.when((pl.col("insutype") == "390") & pl.col("groups").is_in(sorted(aided)))
        .then(pl.col("groups")).otherwise(pl.lit("")).alias("assistance_group"),
        *(pl.col(f"{n}_fen") for n in CONTRIBUTION_AMOUNTS),
        client.alias("txn_id"), pl.lit(now).alias("created_at")))


def _import(store: Store, tables: SimTables, chosen: pl.DataFrame, cols: RequestColumns | None,
            now: datetime) -> int:
    """Persons and enrollments of `chosen` and, given `cols`, their contributions with postings,
    in one transaction; the number of postings."""
    region, year = _region_year(tables)
    person_rows, enrolled = _registry_frames(tables, region, year, chosen)
    with store.engine.begin() as connection:
        insert_frame(connection, persons, person_rows)
        insert_frame(connection, enrollments, enrolled)
        if cols is None:
            return 0
        paid = _contribution_frame(tables, chosen, cols, region, year, now)
        insert_frame(connection, contributions, paid.drop("shard"))
        return write_ledger(connection, TxnKind.CONTRIBUTION,
                            paid.select("txn_id", "region", "created_at"),
                            contribution_postings(paid))


def _visit_frame(tables: SimTables, result: BatchResult, rows: np.ndarray) -> pl.DataFrame:
    """The visits `rows` with their person, every batch value and the accumulators after."""
    visits = tables.visits[rows]
    after = result.ytd_after[rows]
    return visits.select(
        "visit", "person", "mdtrt_id", "fixmedins_code", "med_type",
        pl.col("insutype").alias("scheme"),
        tables.persons["id_number"].gather(visits["person"]).alias("id_number"),
    ).with_columns(
        *(pl.Series(name, column[rows]) for name, column in result.values.items()),
        *(pl.Series(f"a_{key}", after[:, i]) for i, key in enumerate(YTD_KEYS)))


def _settled_frame(frame: pl.DataFrame, region: str, year: int) -> pl.DataFrame:
    ids = [settlement_id(c, m) for c, m in zip(frame["fixmedins_code"].to_list(),
                                               frame["mdtrt_id"].to_list(), strict=True)]
    before = [(pl.col(f"a_{k}").shift(1).over("person").fill_null(0)).alias(f"b_{k}")
              for k in YTD_KEYS]
    moved = pl.col("fund_pay_sumamt") + pl.col("acct_pay") > 0
    return frame.with_columns(pl.Series("setl_id", ids), *before).with_columns(
        pl.lit(region).alias("region"), pl.lit(year).alias("year"),
        pl.when(moved).then(pl.col("setl_id")).alias("txn_id"),
        pl.col("person").cum_count().over("person").cast(pl.Int64).alias("accum_version"))


def _write_settlements(store: Store, frame: pl.DataFrame, now: datetime) -> tuple[int, int]:
    """One chunk of persons' settlements, details, postings and accumulators; one transaction.
    (detail rows, postings)."""
    details = detail_rows(frame)
    moving = _with_shard(frame.filter(pl.col("txn_id").is_not_null()))
    postings = settlement_postings(moving)
    with store.engine.begin() as connection:
        insert_frame(connection, settlements, settlement_rows(frame, now))
        insert_frame(connection, settlement_details, details)
        count = write_ledger(connection, TxnKind.SETTLEMENT, moving.select(
            "txn_id", "region", pl.lit(now).alias("created_at")), postings)
        insert_frame(connection, accumulators, accumulator_rows(frame))
    return details.height, count


def _fresh(store: Store, region: str, year: int) -> None:
    upgrade(store)
    with store.engine.connect() as connection:
        held = (year_rows(connection, settlements, year, region)
                + year_rows(connection, contributions, year, region))
    if held:
        raise YearStoreError(
            f"{describe(store.url)} 已有 {region} {year} 年度的缴费或结算记录，"
            "年度作业只写入新库：请换一个数据库（--db）或删除该库后重试")


def load_year(tables: SimTables, cols: RequestColumns, result: BatchResult, url: str,
              progress: Progress | None = None, owned: bool = False) -> StoreLoad:
    """Write the settled year into the (fresh) database at `url` in bulk; see the module doc.

    `owned`: the database is the job's own file, rebuilt on every run, so it may be loaded with
    SQLite's bulk settings (`bulk.tune_for_bulk_load`); its foreign keys are checked at the end.
    """
    say = progress or (lambda _message: None)
    store = Store(url)
    region, year = _region_year(tables)
    try:
        _fresh(store, region, year)
        if owned:
            tune_for_bulk_load(store.engine)
        now = datetime.now(UTC)
        with store.engine.begin() as connection:
            insert_frame(connection, institutions, _institution_frame(tables))
        n = tables.persons.height
        postings = details = 0
        for start in range(0, n, PERSONS_PER_CHUNK):
            chosen = pl.DataFrame({"person": np.arange(start, min(n, start + PERSONS_PER_CHUNK))})
            postings += _import(store, tables, chosen, cols, now)
            say(f"写入参保与缴费 {min(n, start + PERSONS_PER_CHUNK)}/{n} 人")
        chunk = tables.visits["person"].to_numpy() // PERSONS_PER_CHUNK
        for part in range(int(chunk.max()) + 1 if chunk.size else 0):
            rows = np.flatnonzero(chunk == part)
            frame = _settled_frame(_visit_frame(tables, result, rows), region, year)
            added = _write_settlements(store, frame, now)
            details, postings = details + added[0], postings + added[1]
            say(f"写入结算 {int(rows.size)} 笔（第 {part + 1} 批）")
        say("核对基金账务")
        ledger = check_fund_ledger(store)
        with store.engine.connect() as connection:
            broken = check_foreign_keys(connection)
            if broken:
                raise YearStoreError(f"批量写入后有 {broken} 行违反外键约束")
            income = contribution_income_fen(connection, year, region)
            held = year_rows(connection, accumulators, year, region)
    finally:
        store.dispose()
    return StoreLoad(describe(store.url), n, tables.contributions.height,
                     tables.visits.height, details, postings, held, income, ledger)


@dataclass(frozen=True, slots=True)
class ReplayMismatch:
    """An amount on which the stateful path and the batch disagree (fen, or a refusal)."""

    psn_no: str
    mdtrt_id: str
    field: str
    batch: str
    stateful: str


@dataclass(frozen=True, slots=True)
class Replay:
    persons: int
    visits: int
    mismatches: tuple[ReplayMismatch, ...]


def _number(value: int, places: int) -> str:
    return format(Decimal(int(value)).scaleb(-places), "f")


def _requests(visits: pl.DataFrame, lines: pl.DataFrame) -> list[dict[str, Any]]:
    """The visits as stateful settlement requests (the person named by ID number)."""
    fees: dict[int, list[dict[str, str]]] = {}
    for line in lines.iter_rows(named=True):
        fee = {"feedetl_sn": str(line["feedetl_sn"]), "hilist_code": line["hilist_code"],
               "chrg_itm_lv": line["chrg_itm_lv"], "cnt": _number(line["cnt_e4"], 4),
               "pric": _number(line["pric_e6"], 6)}
        if line["selfpay_prop_e4"] >= 0:
            fee["selfpay_prop"] = _number(line["selfpay_prop_e4"], 4)
        if line["pric_uplmt_e6"] >= 0:
            fee["pric_uplmt_amt"] = _number(line["pric_uplmt_e6"], 6)
        fees.setdefault(line["visit"], []).append(fee)
    return [{"person": {"psn_no": v["id_number"]},
             "visit": {"mdtrt_id": v["mdtrt_id"], "fixmedins_code": v["fixmedins_code"],
                       "med_type": v["med_type"], "hosp_lv": v["hosp_lv"],
                       "offsite": v["offsite"], "begndate": v["begndate"].isoformat(),
                       "enddate": v["enddate"].isoformat()},
             "fees": fees[v["visit"]], "use_acct": v["insutype"] == "310"}
            for v in visits.iter_rows(named=True)]


def _compare(batch: Mapping[str, Any], details: list[dict[str, Any]], out: Settled | Refused
             ) -> list[tuple[str, str, str]]:
    """(field, batch, stateful) of every amount that differs, in fen."""
    if isinstance(out, Refused):
        return [("refused", "settled", f"{out.reason.value}: {out.message}")]
    doc = out.result
    pairs: list[tuple[str, Any, Any]] = [
        (name, batch[name], to_fen(Decimal(doc[name]))) for name in MONEY_FIELDS]
    ytd = doc["ytd_after"]
    pairs += [(f"ytd_after.{k}", batch[f"a_{k}"],
               int(ytd[k]) if k == "admissions" else to_fen(Decimal(ytd[k]))) for k in YTD_KEYS]
    mine = [(d["fund_pay_type"], d["inscp_scp_amt_fen"], d["crt_payb_lmt_amt_fen"],
             d["fund_payamt_fen"]) for d in details]
    theirs = [(d["fund_pay_type"], to_fen(Decimal(d["inscp_scp_amt"])),
               None if d.get("crt_payb_lmt_amt") is None
               else to_fen(Decimal(d["crt_payb_lmt_amt"])), to_fen(Decimal(d["fund_payamt"])))
              for d in doc["setldetail"]]
    pairs.append(("setldetail", mine, theirs))
    return [(name, str(a), str(b)) for name, a, b in pairs if a != b]


def _sample(tables: SimTables, n_persons: int, seed: int) -> pl.DataFrame:
    seen = np.unique(tables.visits["person"].to_numpy())
    rng = np.random.default_rng(seed)
    picked = np.sort(rng.choice(seen, size=min(n_persons, seen.size), replace=False))
    return pl.DataFrame({"person": picked.astype(np.int64)})


def _accumulator_mismatches(store: Store, frame: pl.DataFrame, year: int
                            ) -> list[ReplayMismatch]:
    found = []
    for last in frame.group_by("person", maintain_order=True).last().iter_rows(named=True):
        held = accumulators_of(last["id_number"], last["scheme"], year, store=store)
        want = ([last[f"a_{k}"] for k in YTD_KEYS], last["accum_version"])
        got = None if held is None else (
            [getattr(held[0], k) if k == "admissions" else to_fen(getattr(held[0], k))
             for k in YTD_KEYS], held[1])
        if got != want:
            found.append(ReplayMismatch(last["id_number"], "", "accumulators", str(want),
                                        str(got)))
    return found


def _contribution_mismatches(store: Store, tables: SimTables, chosen: pl.DataFrame,
                             year: int) -> list[ReplayMismatch]:
    psn = chosen.join(tables.persons.select("person", "psn_no"), on="person")
    want = tables.contributions.join(psn, on="psn_no").select(
        *(pl.col(f"{n}_fen").sum().alias(n) for n in CONTRIBUTION_AMOUNTS)).row(0, named=True)
    with store.unit_of_work() as uow:
        got = uow.contributions.totals(year)
    return [ReplayMismatch("*", "", f"contributions.{n}", str(want[n]), str(got[n]))
            for n in CONTRIBUTION_AMOUNTS if int(want[n]) != got[n]]


def replay_sample(tables: SimTables, batch_result: BatchResult, n_persons: int = 200,
                  seed: int = 1, progress: Progress | None = None) -> Replay:
    """Settle a sample of persons' whole years one visit at a time, statefully, in a fresh
    SQLite store, and list every amount that differs from the batch (there must be none)."""
    say = progress or (lambda _message: None)
    region, year = _region_year(tables)
    chosen = _sample(tables, n_persons, seed)
    rows = np.flatnonzero(np.isin(tables.visits["person"].to_numpy(), chosen["person"].to_numpy()))
    frame = _settled_frame(_visit_frame(tables, batch_result, rows), region, year)
    details = detail_rows(frame)
    visits = tables.visits[rows].with_columns(frame["id_number"])
    lines = tables.fee_lines.filter(pl.col("visit").is_in(visits["visit"].to_list()))
    docs = _requests(visits, lines)
    with tempfile.TemporaryDirectory(prefix="yibao-replay-") as folder:
        store = Store(f"sqlite:///{Path(folder) / 'replay.db'}")
        try:
            upgrade(store)
            with store.engine.begin() as connection:
                insert_frame(connection, institutions, _institution_frame(tables))
            _import(store, tables, chosen, None, datetime.now(UTC))
            post_contributions(year, region=region, store=store)
            found = _contribution_mismatches(store, tables, chosen, year)
            say(f"抽样重放：{chosen.height} 人 {len(docs)} 笔就诊逐笔有状态结算")
            by_setl: dict[str, list[dict[str, Any]]] = {}
            for d in details.iter_rows(named=True):
                by_setl.setdefault(d["setl_id"], []).append(d)
            for doc, batch in zip(docs, frame.iter_rows(named=True), strict=True):
                out = settle_committed(doc, store=store)
                found += [ReplayMismatch(batch["id_number"], batch["mdtrt_id"], *diff)
                          for diff in _compare(batch, by_setl.get(batch["setl_id"], []), out)]
            found += _accumulator_mismatches(store, frame, year)
        finally:
            store.dispose()
    return Replay(chosen.height, len(docs), tuple(found))
