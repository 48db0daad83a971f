"""The batch engine's executor: the rule relations keyed for the SQL (`kinds/base.py`) and a
plan run on DuckDB, its stages and parts on several cursors at once."""

from __future__ import annotations

import os
import secrets
import threading
from dataclasses import dataclass
from typing import Final

import duckdb
import polars as pl
import pyarrow as pa

from yibao.supervise.batch import Plan, plan
from yibao.supervise.model import RuleBase

#: The rule relations with their dictionary keys (kinds/base.py): `vno` numbers visits by
#: (begin date, `mdtrt_id`), `pno` numbers persons (on visits and, as the person's key a fee
#: line carries, on lines), `cno` the codes of lines and items.
KEYED = (
    ("visits", "WITH k AS (SELECT mdtrt_id, row_number() OVER (ORDER BY begndate, mdtrt_id) "
               "AS vno FROM visits_src), p AS (SELECT psn_no, row_number() OVER () AS pno "
               "FROM (SELECT DISTINCT psn_no FROM visits_src)) SELECT k.vno, p.pno, v.* "
               "FROM visits_src v JOIN k ON k.mdtrt_id = v.mdtrt_id "
               "JOIN p ON p.psn_no = v.psn_no"),
    ("codes", "SELECT hilist_code, row_number() OVER (ORDER BY hilist_code) AS cno FROM "
              "(SELECT hilist_code FROM lines_src UNION SELECT hilist_code FROM items_src)"),
    ("items", "SELECT c.cno, i.* FROM items_src i JOIN codes c USING (hilist_code)"),
    ("lines", "SELECT v.vno, v.pno, c.cno, l.mdtrt_id, l.feedetl_sn, l.hilist_code, l.cnt_e4, "
              "l.pric_e6, l.fee_fen, COALESCE(l.fee_date, v.begndate) AS fee_date "
              "FROM lines_src l LEFT JOIN visits v USING (mdtrt_id) "
              "JOIN codes c USING (hilist_code)"),
)


def threads_default() -> int:
    return os.cpu_count() or 1


def load_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the keyed rule relations from `visits_src`, `lines_src` and `items_src`."""
    for name, sql in KEYED:
        con.execute(f"CREATE OR REPLACE TABLE {name} AS {sql}")


HIT_SCHEMA: Final = {"rule_id": pl.Utf8, "mdtrt_id": pl.Utf8, "feedetl_sn": pl.Int64}


def run_batch(base: RuleBase, con: duckdb.DuckDBPyConnection, workers: int | None = None
              ) -> pl.DataFrame:
    """Every hit of every rule: `rule_id, mdtrt_id, feedetl_sn` (0 = the visit as a whole).
    The plan's stages become tables of a schema of the run's own, dropped afterwards; stages
    and parts run on `workers` cursors at once (default: the threads the connection allows),
    each as soon as the stages it reads exist, and each statement on that number ÷ `workers`
    of DuckDB's threads (restored afterwards): most statements are small, and running them
    side by side uses the cores better than running them one by one on every core. Sorted, so
    a run's output does not depend on timing."""
    p = plan(base)
    threads = _threads(con)
    workers = workers or threads
    schema = f"sv_run_{secrets.token_hex(6)}"
    con.execute(f"CREATE SCHEMA {schema}")
    con.execute(f"SET threads = {max(1, threads // workers)}")
    try:
        found = _Runner(p, con, schema).run(workers)
    finally:
        con.execute(f"SET threads = {threads}")
        con.execute(f"DROP SCHEMA {schema} CASCADE")
    frames = [pl.from_arrow(t).cast(HIT_SCHEMA) for t in found]  # type: ignore[union-attr]
    return pl.concat(frames).unique().sort(list(HIT_SCHEMA))


def _threads(con: duckdb.DuckDBPyConnection) -> int:
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

    def __init__(self, p: Plan, con: duckdb.DuckDBPyConnection, schema: str) -> None:
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
