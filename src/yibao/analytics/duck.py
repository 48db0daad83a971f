"""DuckDB, the embedded engine: a plan's stages and parts run on several cursors at once.

`DuckDB().run(plan, tables)` is the `Engine` interface; `connect`, `create` and `execute` are
its steps, for callers that keep a connection across plans (the audit benchmark times the
tables and the rules apart).
"""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import polars as pl
import pyarrow as pa

from yibao.analytics.plan import SqlPlan, Staged, Tables, result_frame

Connection = duckdb.DuckDBPyConnection


def threads_default() -> int:
    return os.cpu_count() or 1


def connect(threads: int | None = None) -> Connection:
    """A fresh in-memory database using `threads` threads (default: every core)."""
    return duckdb.connect(config={"threads": threads or threads_default()})


def create(con: Connection, tables: Tables, statements: Sequence[tuple[str, str]]) -> None:
    """Make each table of `statements` (name, SELECT), in order, from the frames `tables`,
    which the statements read under their names and which are not kept afterwards."""
    for name, frame in tables.items():
        con.register(name, frame.to_arrow())
    try:
        for name, sql in statements:
            con.execute(f"CREATE OR REPLACE TABLE {name} AS {sql}")
    finally:
        for name in tables:
            con.unregister(name)


@dataclass(frozen=True, slots=True)
class DuckDB:
    """The `Engine` on DuckDB: one in-memory database per run, closed at the end."""

    threads: int | None = None

    def run(self, plan: SqlPlan, tables: Tables) -> pl.DataFrame:
        con = connect(self.threads)
        try:
            create(con, tables, plan.tables)
            return execute(plan.staged, con)
        finally:
            con.close()


def execute(plan: Staged, con: Connection, workers: int | None = None) -> pl.DataFrame:
    """The rows of the plan's parts (`result_frame`) over the tables `con` holds. The stages
    become tables of a schema of the run's own, dropped afterwards; stages and parts run on
    `workers` cursors at once (default: the threads the connection allows), each as soon as
    the stages it reads exist, and each statement on that number ÷ `workers` of DuckDB's
    threads (restored afterwards): most statements are small, and running them side by side
    uses the cores better than running them one by one on every core."""
    threads = _threads(con)
    workers = workers or threads
    schema = f"sv_run_{secrets.token_hex(6)}"
    con.execute(f"CREATE SCHEMA {schema}")
    con.execute(f"SET threads = {max(1, threads // workers)}")
    try:
        found = _Runner(plan, con, schema).run(workers)
    finally:
        con.execute(f"SET threads = {threads}")
        con.execute(f"DROP SCHEMA {schema} CASCADE")
    return result_frame([_frame(t) for t in found])


def _frame(table: pa.Table) -> pl.DataFrame:
    frame: Any = pl.from_arrow(table)
    return frame  # type: ignore[no-any-return]


def _threads(con: Connection) -> int:
    row = con.execute("SELECT current_setting('threads')").fetchone()
    return int(row[0]) if row else 1


@dataclass
class _Task:
    name: str  # a stage's name, or "" for a part
    sql: str
    reads: tuple[str, ...]
    result: pa.Table | None = None


class _Runner:
    """Run a plan's stages and parts on threads, each with a cursor of its own in the run's
    schema: a thread takes the first task (in plan order: stages, then parts) whose stages
    exist, and waits while none is ready. The first error stops the run and is raised."""

    def __init__(self, p: Staged, con: Connection, schema: str) -> None:
        self.con, self.schema = con, schema
        self.tasks = [_Task(name, f"CREATE TABLE {name} AS {sql}", p.reads(sql))
                      for name, sql in p.stages]
        self.parts = [_Task("", sql, p.reads(sql)) for sql in p.parts]
        self.pending = [*self.tasks, *self.parts]
        self.done: set[str] = set()
        self.failed: list[BaseException] = []
        self.ready = threading.Condition()

    def run(self, workers: int) -> list[pa.Table]:
        threads = [threading.Thread(target=self._work) for _ in range(workers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if self.failed:
            raise self.failed[0]
        return [t.result for t in self.parts if t.result is not None]

    def _take(self) -> _Task | None:
        with self.ready:
            while self.pending and not self.failed:
                task = next((t for t in self.pending if self.done.issuperset(t.reads)), None)
                if task:
                    self.pending.remove(task)
                    return task
                self.ready.wait()
            return None

    def _work(self) -> None:
        cur = self.con.cursor()
        try:
            cur.execute(f"SET search_path = '{self.schema},main'")
            while (task := self._take()) is not None:
                if task.name:
                    cur.execute(task.sql)
                else:
                    task.result = cur.sql(task.sql).to_arrow_table()
                with self.ready:
                    self.done.add(task.name)
                    self.ready.notify_all()
        except BaseException as exc:  # raised again by run()
            with self.ready:
                self.failed.append(exc)
                self.ready.notify_all()
        finally:
            cur.close()
