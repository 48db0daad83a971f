"""`yibao audit open --region R --year Y` opens the cases of a stored region-year on SQLite and
PostgreSQL, says in zh-CN what it did (hits, opened, already open), opens nothing new the second
time, and ends bad input in one zh-CN sentence with exit status 2."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from tests.services.population import RESIDENT, WORKER, visit
from yibao.cli import app
from yibao.services.settle_service import Settled, settle_committed
from yibao.store import Store

runner = CliRunner()


@pytest.fixture
def settled(populated: Store, monkeypatch: pytest.MonkeyPatch) -> Store:
    for psn_no, mdtrt_id, day in ((RESIDENT, "CLI-1", "2024-03-09"),
                                  (WORKER, "CLI-2", "2024-04-02")):
        done = settle_committed(visit(psn_no, mdtrt_id, day=day), store=populated)
        assert isinstance(done, Settled), done
    monkeypatch.setenv("YIBAO_DATABASE_URL", populated.url)
    return populated


def test_audit_open_twice(settled: Store) -> None:
    first = runner.invoke(app, ["audit", "open", "--region", "511623", "--year", "2024"])
    assert first.exit_code == 0, first.output
    assert "新开立稽核案件" in first.stdout and "已开立 0 件" in first.stdout
    assert "新开立稽核案件 0 件" not in first.stdout
    second = runner.invoke(app, ["audit", "open", "--region", "511623", "--year", "2024"])
    assert second.exit_code == 0, second.output
    assert "新开立稽核案件 0 件" in second.stdout and "没有新的案件" in second.stdout


@pytest.mark.parametrize(("region", "year", "words"), [
    ("51162", "2024", "6 位数字"), ("511699", "2024", "没有区划 511699"),
    ("511623", "2019", "2019 年度没有结算记录")])
def test_bad_input_ends_in_one_sentence(settled: Store, region: str, year: str,
                                        words: str) -> None:
    done = runner.invoke(app, ["audit", "open", "--region", region, "--year", year])
    assert done.exit_code == 2, done.output
    assert words in done.stderr.strip().splitlines()[-1]  # after the database's location
    assert "Traceback" not in done.output
