"""Bulk writers (批量入库): a whole region-year into the store's own tables, from columns.

The stateful path writes one settlement per transaction through the repositories; a year job
writes millions. These writers take polars frames whose columns are named as the table's, and
write them with one `executemany` per chunk (SQLite, raw DB-API rows, no ORM objects) or `COPY`
(PostgreSQL), each chunk inside the caller's transaction. They keep what the normal path keeps:
the same unique keys (the database refuses a duplicate), the postings of each transaction
balanced (checked here before anything is written, `invariant`), and the running balances
(`fund_balances`) raised by exactly what the chunk posts.

`settlement_postings` and `contribution_postings` are `yibao.fund.events` over columns: the same
accounts and the same postings, in the same order, as the stateful path writes.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, Final

import polars as pl
from sqlalchemy import Connection, Engine, Table, case, event, func, select, text

from yibao.core.checks import invariant
from yibao.fund.accounts import ACCOUNT_OF_FUND, CHART, SEPARATOR, AccountCode
from yibao.fund.postings import TxnKind
from yibao.settle.batch import NO_ROOM
from yibao.settle.model import (
    FUND_ASSISTANCE,
    FUND_CIVIL_SERVANT,
    FUND_EMPLOYEE_POOL,
    FUND_LARGE_EXPENSE,
    FUND_RESIDENT_POOL,
    FUND_SERIOUS_ILLNESS,
    MONEY_FIELDS,
    YTD_KEYS,
)
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
#: Settlement fund columns in `setldetail` order (the pool first: employee or resident).
SETTLEMENT_FUNDS: Final = (("hifp_pay", ""), ("hifob_pay", FUND_LARGE_EXPENSE),
                           ("hifmi_pay", FUND_SERIOUS_ILLNESS), ("cvlserv_pay", FUND_CIVIL_SERVANT),
                           ("maf_pay", FUND_ASSISTANCE))
#: `contribution_postings`' lines: (debit, credit, amount column); "pool" is the scheme's pool,
#: "account" the person's personal account.
CONTRIBUTION_LINES: Final = (
    ("contribution_receivable:individual", "pool", "individual"),
    ("assistance", "pool", "assistance"),
    ("fiscal_receivable:central", "pool", "subsidy_central"),
    ("fiscal_receivable:provincial", "pool", "subsidy_provincial"),
    ("fiscal_receivable:local", "pool", "subsidy_local"),
    ("pool", "serious_illness", "serious_illness"),
    ("contribution_receivable:employer", "pool", "employer_to_pool"),
    ("contribution_receivable:employer", "account", "employer_to_account"),
    ("contribution_receivable:employee", "pool", "employee_to_pool"),
    ("contribution_receivable:employee", "account", "employee_to_account"),
    ("pool", "account", "retiree_credit"),
)
POSTING_COLUMNS: Final = ("txn_id", "account_key", "side", "amount_fen", "shard")
#: `request_hash` and `source` of a bulk-loaded settlement: its request is a batch row, not a
#: stored document, so a stateful resend of the same visit is refused as a conflict.
BATCH_SOURCE: Final = "yibao-year-batch"


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


def _key(region: pl.Expr, code: str, holder: pl.Expr | None = None) -> pl.Expr:
    parts = [region, pl.lit(code)] if holder is None else [region, pl.lit(code), holder]
    return pl.concat_str(parts, separator=SEPARATOR)


def _pairs(legs: list[pl.DataFrame]) -> pl.DataFrame:
    """Each transfer (`txn_id, seq, line, debit, credit, amount_fen, shard`, amount > 0) as its
    debit and credit postings, ordered as `yibao.fund.postings.transfer` makes them."""
    lines = pl.concat(legs).filter(pl.col("amount_fen") > 0)
    debit = lines.select("seq", "line", pl.lit(0).alias("leg"), "txn_id",
                         pl.col("debit").alias("account_key"), pl.lit("D").alias("side"),
                         "amount_fen", "shard")
    credit = lines.select("seq", "line", pl.lit(1).alias("leg"), "txn_id",
                          pl.col("credit").alias("account_key"), pl.lit("C").alias("side"),
                          "amount_fen", "shard")
    return pl.concat([debit, credit]).sort("seq", "line", "leg").select(POSTING_COLUMNS)


def settlement_postings(frame: pl.DataFrame) -> pl.DataFrame:
    """`fund.events.settlement_postings` over columns: `txn_id, region, fixmedins_code,
    id_number, scheme, shard` and the fund and `acct_pay` columns in fen."""
    base = frame.with_row_index("seq")
    payable = _key(pl.col("region"), A.PAYABLE_INSTITUTION.value, pl.col("fixmedins_code"))
    legs = []
    for line, (column, fund) in enumerate(SETTLEMENT_FUNDS):
        if fund:
            account = _key(pl.col("region"), ACCOUNT_OF_FUND[fund].value)
        else:
            account = pl.when(pl.col("scheme") == "310").then(
                _key(pl.col("region"), A.EMPLOYEE_POOL.value)).otherwise(
                _key(pl.col("region"), A.RESIDENT_POOL.value))
        legs.append(base.select("seq", pl.lit(line).alias("line"), "txn_id",
                                account.alias("debit"), payable.alias("credit"),
                                pl.col(column).alias("amount_fen"), "shard"))
    personal = _key(pl.col("region"), A.PERSONAL_ACCOUNT.value, pl.col("id_number"))
    legs.append(base.select("seq", pl.lit(len(SETTLEMENT_FUNDS)).alias("line"), "txn_id",
                            personal.alias("debit"), payable.alias("credit"),
                            pl.col("acct_pay").alias("amount_fen"), "shard"))
    return _pairs(legs)


def contribution_postings(frame: pl.DataFrame) -> pl.DataFrame:
    """`fund.events.contribution_postings` over columns: `txn_id, region, id_number, scheme,
    shard` and each amount as `<name>_fen`."""
    base = frame.with_row_index("seq")
    pool = pl.when(pl.col("scheme") == "390").then(
        _key(pl.col("region"), A.RESIDENT_POOL.value)).otherwise(
        _key(pl.col("region"), A.EMPLOYEE_POOL.value))
    named = {"pool": pool, "account": _key(pl.col("region"), A.PERSONAL_ACCOUNT.value,
                                           pl.col("id_number"))}

    def account(name: str) -> pl.Expr:
        if name in named:
            return named[name]
        code, _, holder = name.partition(SEPARATOR)
        return _key(pl.col("region"), code, pl.lit(holder) if holder else None)

    legs = [base.select("seq", pl.lit(line).alias("line"), "txn_id",
                        account(debit).alias("debit"), account(credit).alias("credit"),
                        pl.col(f"{amount}_fen").alias("amount_fen"), "shard")
            for line, (debit, credit, amount) in enumerate(CONTRIBUTION_LINES)]
    return _pairs(legs)


def _accounts(postings: pl.DataFrame) -> pl.DataFrame:
    keys = postings.select(pl.col("account_key").unique().alias("key"))
    parts = keys["key"].str.splitn(SEPARATOR, 3).struct.rename_fields(["region", "code", "holder"])
    kinds = {code.value: spec.kind.value for code, spec in CHART.items()}
    return keys.with_columns(parts.struct.unnest()).with_columns(
        pl.col("holder").fill_null(""),
        pl.col("code").replace_strict(kinds).alias("kind"))


def write_ledger(connection: Connection, kind: TxnKind, transactions: pl.DataFrame,
                 postings: pl.DataFrame) -> int:
    """Transactions (`txn_id, region, created_at`), their postings (`POSTING_COLUMNS`), the
    accounts they need and the running balances they raise; the number of postings."""
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
    insert_frame(connection, fund_transactions,
                 transactions.select("txn_id", pl.lit(kind.value).alias("kind"), "region",
                                     "created_at"))
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


def _yuan(fen: pl.Expr) -> pl.Expr:
    return pl.format("{}.{}", fen // 100, (fen % 100).cast(pl.Utf8).str.zfill(2))


def _ytd_json(prefix: str) -> pl.Expr:
    parts: list[pl.Expr] = []
    for index, key in enumerate(YTD_KEYS):
        column = pl.col(f"{prefix}{key}")
        parts += [pl.lit(("{" if index == 0 else ",") + f'"{key}":'),
                  column.cast(pl.Utf8) if key == "admissions"
                  else pl.concat_str([pl.lit('"'), _yuan(column), pl.lit('"')])]
    return pl.concat_str([*parts, pl.lit("}")])


_DETAILS: Final = (
    ("hifp_pay", "", pl.col("inscp_scp_amt") - pl.col("act_pay_dedc"), "pool_room"),
    ("hifob_pay", FUND_LARGE_EXPENSE, pl.col("over_cap"), "le_room"),
    ("hifmi_pay", FUND_SERIOUS_ILLNESS, pl.col("si_eligible"), "si_room"),
    ("cvlserv_pay", FUND_CIVIL_SERVANT, pl.col("cs_base"), "cs_room"),
    ("maf_pay", FUND_ASSISTANCE, pl.col("cs_base") - pl.col("hifmi_pay")
     - pl.col("cvlserv_pay") - pl.col("maf_dedc"), "maf_room"),
)


def detail_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """`setldetail` rows of settled visits (`setl_id` and batch values): one per fund paying."""
    parts = []
    for line, (column, fund, base, room) in enumerate(_DETAILS):
        code = pl.lit(fund) if fund else pl.when(pl.col("scheme") == "310").then(
            pl.lit(FUND_EMPLOYEE_POOL)).otherwise(pl.lit(FUND_RESIDENT_POOL))
        parts.append(frame.with_row_index("seq").filter(pl.col(column) > 0).select(
            "seq", pl.lit(line).alias("line"), "setl_id", code.alias("fund_pay_type"),
            base.alias("inscp_scp_amt_fen"),
            pl.when(pl.col(room) == NO_ROOM).then(None).otherwise(pl.col(room))
            .alias("crt_payb_lmt_amt_fen"), pl.col(column).alias("fund_payamt_fen")))
    rows = pl.concat(parts).sort("seq", "line")
    return rows.select(
        "setl_id", (pl.col("setl_id").cum_count().over("setl_id")).cast(pl.Int64)
        .alias("row_no"), "fund_pay_type", "inscp_scp_amt_fen", "crt_payb_lmt_amt_fen",
        "fund_payamt_fen", pl.lit("年度批量结算（yibao year）").alias("setl_proc_info"))


def settlement_rows(frame: pl.DataFrame, now: datetime) -> pl.DataFrame:
    region, year = frame["region"][0], frame["year"][0]
    result = pl.concat_str([pl.lit('{"setl_id":"'), pl.col("setl_id"),
                            pl.lit(f'","source":"{BATCH_SOURCE}","ytd_after":'),
                            _ytd_json("a_"), pl.lit("}")])
    request = pl.concat_str([pl.lit('{"mdtrt_id":"'), pl.col("mdtrt_id"),
                             pl.lit(f'","source":"{BATCH_SOURCE}"}}')])
    return frame.select(
        "setl_id", "fixmedins_code", "mdtrt_id", "id_number", "scheme", "region", "year",
        pl.lit(f"{region}-{year}").alias("policy_id"), "med_type",
        *(pl.col(name).alias(f"{name}_fen") for name in MONEY_FIELDS),
        pl.lit(BATCH_SOURCE).alias("request_hash"), request.alias("request_json"),
        result.alias("result_json"), _ytd_json("b_").alias("ytd_before_json"),
        "accum_version", "txn_id", pl.lit(now).alias("created_at"))


def accumulator_rows(frame: pl.DataFrame) -> pl.DataFrame:
    last = frame.group_by("person", maintain_order=True).last()
    return last.select(
        "id_number", "scheme", "year", "region",
        *((pl.col(f"a_{k}").alias(k if k == "admissions" else f"{k}_fen")) for k in YTD_KEYS),
        pl.col("accum_version").alias("version"))


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
