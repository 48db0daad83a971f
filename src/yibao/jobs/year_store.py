"""The year job's store (结算库): the simulated region-year written to the settlement service's
database in bulk (`load_year`).

`load_year` migrates a fresh database, imports the persons, enrollments and institutions, posts
the year's contributions and writes every batch settlement with its detail rows, its postings and
the final accumulators, and every stay's settlement list with its DRG group, grouping trace and
payment method (from the payment step, `year_payment.stay_lists`), then runs the ledger check.
The rows are shaped by the domain (`yibao.fund.events`, `yibao.settle.batch_output`) and
written by `yibao.store.bulk`; a sample of persons is replayed through the stateful path by
`year_replay`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Final

import numpy as np
import polars as pl
from sqlalchemy import select

from yibao.core.beijing import BEIJING
from yibao.fund.analysis import contribution_day
from yibao.fund.checks import LedgerReport
from yibao.fund.events import (
    PREMIUM_LINES,
    PREMIUM_PREFIX,
    contribution_posting_frame,
    event_posting_frame,
    settlement_posting_frame,
)
from yibao.fund.postings import TxnKind
from yibao.jobs.year_fund import FundFlows
from yibao.policy.model import Policy
from yibao.services.fund import check_fund_ledger
from yibao.services.settle_service import (
    settlement_id,
)
from yibao.settle.batch import BatchResult
from yibao.settle.batch_output import detail_frame, result_json, ytd_json
from yibao.settle.columns import RequestColumns
from yibao.settle.model import MONEY_FIELDS, YTD_KEYS
from yibao.sim.simulate import SimTables
from yibao.store import Store
from yibao.store.bulk import (
    check_foreign_keys,
    contribution_income_fen,
    insert_frame,
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
    settlement_lists,
    settlements,
)

Progress = Callable[[str], None]
#: Persons per transaction of the bulk load (their enrollments, contributions, settlements).
PERSONS_PER_CHUNK: Final = 100_000
CONTRIBUTION_AMOUNTS: Final = (
    "individual", "assistance", "subsidy_central", "subsidy_provincial", "subsidy_local",
    "serious_illness", "employer_to_pool", "employer_to_account", "employee_to_pool",
    "employee_to_account", "retiree_credit")
#: `request_hash` and `source` of a bulk-loaded settlement: its request is a batch row, not a
#: stored document, so a stateful resend of the same visit is refused as a conflict.
BATCH_SOURCE: Final = "yibao-year-batch"
#: The cross-region columns of a deployment's visits, stored with their settlements.
CROSS_REGION: Final = ("care_region", "offsite", "filing_id", "channel")


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
    lists: int = 0


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


def region_year(tables: SimTables) -> tuple[str, int]:
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


def institution_frame(tables: SimTables) -> pl.DataFrame:
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


def import_people(store: Store, tables: SimTables, chosen: pl.DataFrame,
                  cols: RequestColumns | None, now: datetime) -> int:
    """Persons and enrollments of `chosen` and, given `cols`, their contributions with postings,
    in one transaction; the number of postings."""
    region, year = region_year(tables)
    person_rows, enrolled = _registry_frames(tables, region, year, chosen)
    with store.engine.begin() as connection:
        insert_frame(connection, persons, person_rows)
        insert_frame(connection, enrollments, enrolled)
        if cols is None:
            return 0
        paid = _contribution_frame(tables, chosen, cols, region, year, now)
        insert_frame(connection, contributions, paid.drop("shard"))
        booked = pl.lit(contribution_day(year, None)).alias("booked_on")
        count = write_ledger(connection, TxnKind.CONTRIBUTION,
                             paid.select("txn_id", "region", "created_at", booked),
                             contribution_posting_frame(paid, keep=("shard",)))
        premiums = paid.filter(pl.col("serious_illness_fen") > 0).with_columns(
            pl.concat_str([pl.lit(PREMIUM_PREFIX), pl.col("txn_id").str.slice(1)]).alias("txn_id"))
        return count + write_ledger(connection, TxnKind.PREMIUM,
                                    premiums.select("txn_id", "region", "created_at", booked),
                                    contribution_posting_frame(premiums, ("shard",),
                                                               PREMIUM_LINES))


def visit_frame(tables: SimTables, result: BatchResult, rows: np.ndarray) -> pl.DataFrame:
    """The visits `rows` with their person, every batch value and the accumulators after."""
    visits = tables.visits[rows]
    after = result.ytd_after[rows]
    cross = [c for c in CROSS_REGION if c in visits.columns]
    return visits.select(
        "visit", "person", "mdtrt_id", "fixmedins_code", "med_type", "enddate", *cross,
        pl.col("insutype").alias("scheme"),
        tables.persons["id_number"].gather(visits["person"]).alias("id_number"),
    ).with_columns(
        *(pl.Series(name, column[rows]) for name, column in result.values.items()),
        *(pl.Series(f"a_{key}", after[:, i]) for i, key in enumerate(YTD_KEYS)))


def settlement_day(day: pl.Expr) -> pl.Expr:
    """A simulated settlement's instant: its settlement day (the visit's end date) at noon
    Beijing time, in UTC — so a month's settlements are those of its days (the clearing)."""
    return (day.cast(pl.Datetime("us")).dt.offset_by("12h")
            .dt.replace_time_zone(BEIJING.key).dt.convert_time_zone("UTC"))


def settled_frame(frame: pl.DataFrame, region: str, year: int) -> pl.DataFrame:
    ids = [settlement_id(c, m) for c, m in zip(frame["fixmedins_code"].to_list(),
                                               frame["mdtrt_id"].to_list(), strict=True)]
    before = [(pl.col(f"a_{k}").shift(1).over("person").fill_null(0)).alias(f"b_{k}")
              for k in YTD_KEYS]
    moved = pl.col("fund_pay_sumamt") + pl.col("acct_pay") > 0
    return frame.with_columns(pl.Series("setl_id", ids), *before).with_columns(
        pl.lit(region).alias("region"), pl.lit(year).alias("year"),
        pl.when(moved).then(pl.col("setl_id")).alias("txn_id"),
        pl.col("person").cum_count().over("person").cast(pl.Int64).alias("accum_version"))


def settlement_rows(frame: pl.DataFrame, details: pl.DataFrame, now: datetime) -> pl.DataFrame:
    """The `settlements` rows of settled visits (`settled_frame`) with their detail rows
    (`detail_frame`): the stored result document is the stateful path's (`result_json`),
    `created_at` the settlement day (`settlement_day`); a deployment's visits carry their
    care region, derived `offsite`, filing and channel (docs/offsite.md)."""
    del now  # the settlement's own day, not the load's
    cross = [c for c in CROSS_REGION if c in frame.columns]
    region, year = frame["region"][0], frame["year"][0]
    request = pl.concat_str([pl.lit('{"mdtrt_id":"'), pl.col("mdtrt_id"),
                             pl.lit(f'","source":"{BATCH_SOURCE}"}}')])
    return frame.with_columns(result_json(frame, details)).select(
        "setl_id", "fixmedins_code", "mdtrt_id", "id_number", "scheme", "region", "year",
        pl.lit(f"{region}-{year}").alias("policy_id"), "med_type",
        *(pl.col(name).alias(f"{name}_fen") for name in MONEY_FIELDS),
        pl.lit(BATCH_SOURCE).alias("request_hash"), request.alias("request_json"),
        "result_json", ytd_json("b_", sort_keys=True).alias("ytd_before_json"),
        "accum_version", "txn_id", settlement_day(pl.col("enddate")).alias("created_at"),
        *cross)


def accumulator_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """The `accumulators` rows: each person's accumulators after their last visit."""
    last = frame.group_by("person", maintain_order=True).last()
    return last.select(
        "id_number", "scheme", "year", "region",
        *((pl.col(f"a_{k}").alias(k if k == "admissions" else f"{k}_fen")) for k in YTD_KEYS),
        pl.lit("{}").alias("opsp_json"),  # no 门诊慢特病 per-disease amounts in the batch path yet
        pl.col("accum_version").alias("version"))


def _write_settlements(store: Store, frame: pl.DataFrame, policies: Sequence[Policy],
                       now: datetime) -> tuple[int, int]:
    """One chunk of persons' settlements, details, postings and accumulators; one transaction.
    (detail rows, postings)."""
    details = detail_frame(frame, policies)
    moving = _with_shard(frame.filter(pl.col("txn_id").is_not_null()))
    postings = settlement_posting_frame(moving, keep=("shard",))
    with store.engine.begin() as connection:
        insert_frame(connection, settlements, settlement_rows(frame, details, now))
        insert_frame(connection, settlement_details, details)
        count = write_ledger(connection, TxnKind.SETTLEMENT, moving.select(
            "txn_id", "region", pl.lit(now).alias("created_at"),
            pl.col("enddate").alias("booked_on")), postings)
        insert_frame(connection, accumulators, accumulator_rows(frame))
    return details.height, count


def list_rows(lists: pl.DataFrame, region: str, year: int, now: datetime) -> pl.DataFrame:
    """The `settlement_lists` rows of the payment step's stays (`year_payment.stay_lists`),
    each under the setl_id of its visit's settlement (`settlement_id`)."""
    ids = [settlement_id(c, m) for c, m in zip(lists["fixmedins_code"].to_list(),
                                               lists["mdtrt_id"].to_list(), strict=True)]
    return lists.select(
        pl.Series("setl_id", ids, dtype=pl.Utf8), "mdtrt_id", "fixmedins_code",
        pl.lit(region).alias("region"), pl.lit(year).alias("year"), "list_json", "mdc",
        "adrg", "drg", "status", "trace_json", pl.lit(now).alias("created_at"),
        "payment_method")


def _fresh(store: Store, region: str, year: int, codes: list[str]) -> None:
    upgrade(store)
    with store.engine.connect() as connection:
        held = (year_rows(connection, settlements, year, region)
                + year_rows(connection, contributions, year, region))
        clash = connection.execute(select(institutions.c.code).where(
            institutions.c.code.in_(codes)).order_by(institutions.c.code).limit(1)).scalar()
    if held:
        raise YearStoreError(
            f"{describe(store.url)} 已有 {region} {year} 年度的缴费或结算记录，"
            "年度作业只写入新库：请换一个数据库（--db）或删除该库后重试")
    if clash is not None:
        raise YearStoreError(
            f"{describe(store.url)} 已登记定点医药机构 {clash}，与本年度模拟数据的机构编码重复，"
            "年度作业只写入新库：请换一个数据库（--db）或删除该库后重试")


#: The month in a schedule event's id (`<prefix><year>-<MM>[-…]`, `yibao.fund.schedule`).
EVENT_MONTH: Final = r"^[A-Z]+\d{4}-(\d{2})(?:-|$)"


def event_day(kind: TxnKind, year: int) -> pl.Expr:
    """The day a region-level event of `year` is booked on: a monthly one (receipts, monthly
    payments) the last day of its month; the opening balance and the year's funding 1 January;
    the rest (DRG clearing, the year-end payment) 31 December."""
    month = pl.col("txn_id").str.extract(EVENT_MONTH, 1).cast(pl.Int32)
    first = date(year, 1, 1) if kind in (TxnKind.OPENING, TxnKind.FUNDING) else date(year, 12, 31)
    return pl.when(month.is_not_null()).then(
        pl.date(year, month, 1).dt.month_end()).otherwise(pl.lit(first))


def write_flows(store: Store, flows: FundFlows, now: datetime, year: int,
                tag: str = "") -> int:
    """The year's region-level fund events (`year_fund.fund_flows`), in one transaction, each
    booked on its day (`event_day`); the number of postings. Their accounts are region-wide or
    institutions': ledger shard 0. `tag` ends every event id (a deployment's regions each
    have their own `OPN2020`)."""
    count = 0
    with store.engine.begin() as connection:
        for kind, lines, raw in flows.events:
            frame = raw.with_columns(pl.col("txn_id") + tag) if tag else raw
            postings = event_posting_frame(frame, lines).with_columns(
                pl.lit(0, pl.Int64).alias("shard"))
            made = frame.filter(pl.col("txn_id").is_in(postings["txn_id"].implode()))
            count += write_ledger(connection, kind, made.select(
                "txn_id", "region", pl.lit(now).alias("created_at"),
                event_day(kind, year).alias("booked_on")), postings)
    return count


def load_region(store: Store, tables: SimTables, cols: RequestColumns, result: BatchResult,
                now: datetime, say: Progress, lists: pl.DataFrame | None = None,
                flows: FundFlows | None = None, tag: str = "") -> tuple[int, int]:
    """One region-year's persons, contributions, settlements, settlement lists and fund events
    (institutions registered already; `tag` ends the events' ids); (postings, detail rows)."""
    region, year = region_year(tables)
    n = tables.persons.height
    postings = details = 0
    for start in range(0, n, PERSONS_PER_CHUNK):
        chosen = pl.DataFrame({"person": np.arange(start, min(n, start + PERSONS_PER_CHUNK))})
        postings += import_people(store, tables, chosen, cols, now)
        say(f"写入参保与缴费 {min(n, start + PERSONS_PER_CHUNK)}/{n} 人")
    chunk = tables.visits["person"].to_numpy() // PERSONS_PER_CHUNK
    for part in range(int(chunk.max()) + 1 if chunk.size else 0):
        rows = np.flatnonzero(chunk == part)
        frame = settled_frame(visit_frame(tables, result, rows), region, year)
        added = _write_settlements(store, frame, cols.policies, now)
        details, postings = details + added[0], postings + added[1]
        say(f"写入结算 {int(rows.size)} 笔（第 {part + 1} 批）")
    if lists is not None:
        with store.engine.begin() as connection:
            insert_frame(connection, settlement_lists, list_rows(lists, region, year, now))
        say(f"写入结算清单与 DRG 分组 {lists.height} 份")
    if flows is not None:
        postings += write_flows(store, flows, now, year, tag)
        say("写入期初结余、基金筹资、收款、DRG 清算与月度拨付")
    return postings, details


def checked_ledger(store: Store, say: Progress) -> LedgerReport:
    """The ledger check over the whole database, after the foreign keys of a bulk load."""
    say("核对基金账务")
    with store.engine.connect() as connection:
        broken = check_foreign_keys(connection)
    if broken:
        raise YearStoreError(f"批量写入后有 {broken} 行违反外键约束")
    return check_fund_ledger(store)


def load_year(tables: SimTables, cols: RequestColumns, result: BatchResult, url: str,
              progress: Progress | None = None, owned: bool = False,
              lists: pl.DataFrame | None = None, flows: FundFlows | None = None
              ) -> StoreLoad:
    """Write the settled year into the (fresh) database at `url` in bulk, with the stays'
    settlement lists `lists` (`year_payment.stay_lists`) when given; see the module doc.
    With `flows`, the year's opening balances, funding, receipts, payments and clearing too.

    `owned`: the database is the job's own file, rebuilt on every run, so it may be loaded with
    SQLite's bulk settings (`bulk.tune_for_bulk_load`); its foreign keys are checked at the end.
    """
    say = progress or (lambda _message: None)
    store = Store(url)
    region, year = region_year(tables)
    try:
        _fresh(store, region, year, tables.institutions["fixmedins_code"].to_list())
        if owned:
            tune_for_bulk_load(store.engine)
        now = datetime.now(UTC)
        with store.engine.begin() as connection:
            insert_frame(connection, institutions, institution_frame(tables))
        postings, details = load_region(store, tables, cols, result, now, say, lists, flows)
        ledger = checked_ledger(store, say)
        with store.engine.connect() as connection:
            income = contribution_income_fen(connection, year, region)
            held = year_rows(connection, accumulators, year, region)
    finally:
        store.dispose()
    return StoreLoad(describe(store.url), tables.persons.height, tables.contributions.height,
                     tables.visits.height, details, postings, held, income, ledger,
                     0 if lists is None else lists.height)
