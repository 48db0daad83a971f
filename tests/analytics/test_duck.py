"""The batch executor runs every stage before the statements that read it, on several cursors at
once, returns each hit once whatever part found it, and leaves neither its schema nor a changed
thread setting behind; a failing statement fails the run with its own error."""

from __future__ import annotations

import duckdb
import pytest

from yibao.analytics.duck import _Runner, execute
from yibao.supervise.batch import Plan, plan
from yibao.supervise.load import parse_rules

CHAIN = Plan(
    stages=(("sv_a", "SELECT range AS x FROM range(5)"),
            ("sv_b", "SELECT x + 1 AS y FROM sv_a"),
            ("sv_c", "SELECT y * 10 AS z FROM sv_b WHERE y > 2"),
            ("sv_d", "SELECT 7 AS w")),
    parts=("SELECT 'R1' AS rule_id, 'M' || z AS mdtrt_id, z AS feedetl_sn FROM sv_c",
           "SELECT 'R2' AS rule_id, 'M' || w AS mdtrt_id, 0 AS feedetl_sn FROM sv_d, sv_a "
           "WHERE x = 0"))

RULE = """
[base]
version = "t"
[[rule]]
id = "T1"
name = "t"
category = "政策类"
scenes = ["事后"]
window = "visit"
kind = "after_death"
result = "违规"
severity = "high"
message = "m"
source = "test"
"""


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_stages_before_their_readers(workers: int) -> None:
    con = duckdb.connect()
    con.execute("CREATE SCHEMA s")
    found = _Runner(CHAIN, con, "s").run(workers)
    rows = sorted(r for table in found for r in zip(*table.to_pydict().values(), strict=True))
    assert rows == [("R1", "M30", 30), ("R1", "M40", 40), ("R1", "M50", 50), ("R2", "M7", 0)]


def test_a_failing_statement_fails_the_run() -> None:
    con = duckdb.connect()
    con.execute("CREATE SCHEMA s")
    broken = Plan((*CHAIN.stages[:1], ("sv_x", "SELECT no_such_column FROM sv_a")),
                  ("SELECT 'R' AS rule_id, 'M' AS mdtrt_id, 0 AS feedetl_sn FROM sv_x",))
    with pytest.raises(duckdb.BinderException, match="no_such_column"):
        _Runner(broken, con, "s").run(2)


def test_run_leaves_no_schema_and_restores_threads() -> None:
    con = duckdb.connect(config={"threads": 2})
    con.execute("CREATE TABLE visits AS SELECT 1 AS vno, 'M1' AS mdtrt_id, 'inpatient' AS kind, "
                "'390' AS insutype, DATE '2020-03-02' AS begndate, DATE '2020-03-01' AS death_date")
    base = parse_rules(RULE, "t.toml")
    hits = execute(plan(base), con)
    assert hits.rows() == [("T1", "M1", 0)]
    assert con.execute("SELECT current_setting('threads')").fetchall() == [(2,)]
    schemas = {r[0] for r in con.sql("SELECT schema_name FROM information_schema.schemata")
               .fetchall()}
    assert not [s for s in schemas if s.startswith("sv_run_")]
