"""Bulk writers (批量入库): a whole region-year into the store's own tables, from columns.

The stateful path writes one settlement per transaction through the repositories; a year job
writes millions. These writers take polars frames whose columns are named as the table's, and
write them with one `executemany` per chunk (SQLite, raw DB-API rows, no ORM objects) or `COPY`
(PostgreSQL), each chunk inside the caller's transaction. They keep what the normal path keeps:
the same unique keys (the database refuses a duplicate), the postings of each transaction
balanced (checked here before anything is written, `invariant`), and the running balances
(`fund_balances`) raised by exactly what the chunk posts.

The rows come shaped by the domain (`yibao.fund.events` gives the postings of settlements and
contributions over columns, `yibao.settle.batch_output` the detail rows): this module only
inserts frames and writes the ledger.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

import polars as pl
from sqlalchemy import Connection, Engine, Table, case, event, func, select, text

from yibao.core.beijing import BEIJING
from yibao.core.checks import invariant
from yibao.fund.accounts import CHART, SEPARATOR, AccountCode
from yibao.fund.events import POSTING_COLUMNS as EVENT_POSTING_COLUMNS
from yibao.fund.postings import TxnKind
from yibao.store.balances import add_to_balances
from yibao.store.schema import (
    contributions,
    fund_accounts,
    fund_postings,
    fund_transactions,
)
from yibao.store.upsert import insert_for

#: Rows per `executemany` / `COPY` call.
ROWS_PER_CALL: Final = 50_000
A = AccountCode
#: The columns of the postings `write_ledger` takes: `fund.events.POSTING_COLUMNS` and the
#: ledger shard of the account's holder.
POSTING_COLUMNS: Final = (*EVENT_POSTING_COLUMNS, "shard")


def _chunks(frame: pl.DataFrame, size: int = ROWS_PER_CALL) -> Iterator[pl.DataFrame]:
    for start in range(0, frame.height, size):
        yield frame.slice(start, size)


def _sqlite_ready(frame: pl.DataFrame) -> pl.DataFrame:
    """Dates and times as SQLAlchemy's SQLite text forms, booleans as 0/1."""
    out = []
    for name, dtype in frame.schema.items():
        column = pl.col(name)
        if dtype == pl.Date:
            column = column.dt.strftime("%Y-%m-%d")
        elif isinstance(dtype, pl.Datetime):
            column = column.dt.strftime("%Y-%m-%d %H:%M:%S.%6f")
        elif dtype == pl.Boolean:
            column = column.cast(pl.Int64)
        out.append(column)
    return frame.select(out)


def insert_frame(connection: Connection, table: Table, frame: pl.DataFrame) -> int:
    """Insert every row of `frame` (columns named as `table`'s) in calls of `ROWS_PER_CALL`."""
    if frame.height == 0:
        return 0
    names = ", ".join(frame.columns)
    if connection.dialect.name == "postgresql":
        raw = connection.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
            for chunk in _chunks(frame):
                for row in chunk.iter_rows():
                    copy.write_row(row)
        return frame.height
    marks = ", ".join("?" * len(frame.columns))
    sql = f"INSERT INTO {table.name} ({names}) VALUES ({marks})"
    for chunk in _chunks(_sqlite_ready(frame)):
        connection.exec_driver_sql(sql, chunk.rows())
    return frame.height


def _accounts(postings: pl.DataFrame) -> pl.DataFrame:
    keys = postings.select(pl.col("account_key").unique().alias("key"))
    parts = keys["key"].str.splitn(SEPARATOR, 3).struct.rename_fields(["region", "code", "holder"])
    kinds = {code.value: spec.kind.value for code, spec in CHART.items()}
    return keys.with_columns(parts.struct.unnest()).with_columns(
        pl.col("holder").fill_null(""),
        pl.col("code").replace_strict(kinds).alias("kind"))


def write_ledger(connection: Connection, kind: TxnKind, transactions: pl.DataFrame,
                 postings: pl.DataFrame) -> int:
    """Transactions (`txn_id, region, created_at` and `booked_on`: the day each belongs to; the
    Beijing day of `created_at` when the frame has none), their postings (`POSTING_COLUMNS`),
    the accounts they need and the running balances they raise; the number of postings."""
    sums = postings.group_by("txn_id").agg(
        pl.col("amount_fen").filter(pl.col("side") == "D").sum().alias("debit"),
        pl.col("amount_fen").filter(pl.col("side") == "C").sum().alias("credit"))
    invariant(sums.filter(pl.col("debit") != pl.col("credit")).height == 0,
              "unbalanced transaction reached the store", kind)
    invariant(set(sums["txn_id"]) <= set(transactions["txn_id"]), "posting without transaction")
    accounts = _accounts(postings)
    if accounts.height:
        stmt = insert_for(connection.dialect.name, fund_accounts).on_conflict_do_nothing()
        connection.execute(stmt, accounts.select("key", "region", "code", "holder", "kind")
                           .to_dicts())
    booked = pl.col("booked_on") if "booked_on" in transactions.columns else (
        pl.col("created_at").dt.convert_time_zone(BEIJING.key).dt.date().alias("booked_on"))
    insert_frame(connection, fund_transactions,
                 transactions.select("txn_id", pl.lit(kind.value).alias("kind"), "region",
                                     "created_at", booked))
    insert_frame(connection, fund_postings, postings.select(POSTING_COLUMNS[:-1]))
    _raise_balances(connection, postings)
    return postings.height


def _raise_balances(connection: Connection, postings: pl.DataFrame) -> None:
    summed = postings.group_by("account_key", "shard").agg(
        pl.col("amount_fen").filter(pl.col("side") == "D").sum().alias("debit_fen"),
        pl.col("amount_fen").filter(pl.col("side") == "C").sum().alias("credit_fen"),
    ).sort("account_key", "shard")
    add_to_balances(connection, summed.to_dicts())


def contribution_income_fen(connection: Connection, year: int, region: str) -> int:
    """Basic-fund income posted by the year's contributions: what the payers, the budgets and
    medical assistance owe into the pools and the personal accounts (debits of the receivable
    and assistance accounts in contribution transactions)."""
    p, t = fund_postings.c, fund_transactions.c
    prefixes = [f"{region}{SEPARATOR}{code.value}" for code in
                (A.CONTRIBUTION_RECEIVABLE, A.FISCAL_RECEIVABLE, A.ASSISTANCE)]
    wanted = case(*((p.account_key.like(f"{x}%"), p.amount_fen) for x in prefixes), else_=0)
    query = (select(func.coalesce(func.sum(wanted), 0))
             .select_from(fund_postings.join(fund_transactions, t.txn_id == p.txn_id)
                          .join(contributions, contributions.c.txn_id == t.txn_id))
             .where(t.kind == TxnKind.CONTRIBUTION.value, p.side == "D",
                    contributions.c.year == year, contributions.c.region == region))
    return int(connection.execute(query).scalar_one())


def year_rows(connection: Connection, table: Table, year: int, region: str) -> int:
    """Rows of `table` (with `year` and `region` columns) already held for a region-year."""
    c: Any = table.c
    query = select(func.count()).select_from(table).where(c.year == year, c.region == region)
    return int(connection.execute(query).scalar_one())


#: For a fresh SQLite file that the year job owns and rebuilds on every run: no fsync per
#: commit, a 1 GiB page cache, and foreign keys checked once at the end instead of per row.
BULK_PRAGMAS: Final = ("synchronous=OFF", "cache_size=-1048576", "temp_store=MEMORY",
                       "foreign_keys=OFF")


def tune_for_bulk_load(engine: Engine) -> None:
    """Make an SQLite engine's connections load fast (see `BULK_PRAGMAS`); PostgreSQL: no-op.

    Only for a database that can be rebuilt from its source: a crash during the load may leave
    the file unusable. `check_foreign_keys` must run after the load.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _tune(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        for pragma in BULK_PRAGMAS:
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    engine.dispose()  # connections opened before now lack the pragmas


def check_foreign_keys(connection: Connection) -> int:
    """Rows that break a foreign key (SQLite; 0 on PostgreSQL, which checked every row)."""
    if connection.dialect.name != "sqlite":
        return 0
    return len(connection.execute(text("PRAGMA foreign_key_check")).fetchall())
