"""The commands of the service walk-through work end to end on a SQLite file: create the
database, import, post contributions, settle with --commit (again: same answer, nothing new),
reverse (twice: refused), read the balances and check the ledger."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.services.population import WORKER, visit, write_files
from yibao.cli import app
from yibao.cli.progress import console
from yibao.store.migrate import head_revision

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("YIBAO_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setattr(console, "width", 240)
    return tmp_path


def _run(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result.output.replace("\n", "")  # rich wraps long lines


def test_walk_through(env: Path) -> None:
    files = write_files(env / "people")
    assert f"升级到 {head_revision()}" in _run("db", "upgrade")
    assert "已是最新版本" in _run("db", "upgrade")
    _run("enroll", "employers", str(files["employers"]))
    _run("enroll", "institutions", str(files["institutions"]))
    assert "新增参保 9" in _run("enroll", "import", str(files["people"]))
    assert "本次记账 5" in _run("contribute", "--year", "2024")
    request = env / "visit.json"
    request.write_text(json.dumps(visit(WORKER, "CLI1", use_acct=True)), encoding="utf-8")
    first = json.loads(runner.invoke(app, ["settle", "--input", str(request), "--commit"]).stdout)
    assert first["commit"]["status"] == "settled" and first["acct_pay"] == "1398.00"
    again = json.loads(runner.invoke(app, ["settle", "--input", str(request), "--commit"]).stdout)
    assert again["commit"]["status"] == "replayed" and again["setl_id"] == first["setl_id"]
    assert "已冲销结算" in _run("reverse", first["setl_id"])
    assert "不能重复冲销" in _run("reverse", first["setl_id"], code=1)
    assert "payable_institution" in _run("fund", "balance", "--detail")
    assert "借贷平衡" in _run("fund", "check")


def test_refusals_and_bad_files_exit_non_zero(env: Path) -> None:
    _run("db", "upgrade")
    request = env / "visit.json"
    request.write_text(json.dumps(visit(WORKER, "CLI2")), encoding="utf-8")
    result = runner.invoke(app, ["settle", "--input", str(request), "--commit"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["error"]["reason"] == "unknown_institution"
    request.write_text(json.dumps(visit(WORKER, "CLI3", amount="-5")), encoding="utf-8")
    result = runner.invoke(app, ["settle", "--input", str(request), "--commit"])
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"]["field"] == "fees[0].pric"
    bad = env / "bad.csv"
    bad.write_text("id_number,colour\n", encoding="utf-8")
    assert "未知的列" in _run("enroll", "import", str(bad), code=2)
    people = env / "people.csv"
    people.write_text("id_number,name,scheme,region,year\n511623196003010113,某,390,511623,2024\n",
                      encoding="utf-8")
    assert "校验码不符" in _run("enroll", "import", str(people), code=1)
