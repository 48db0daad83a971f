"""`yibao offsite clear | export | import`: what they print and write, and exit status 2 with
one zh-CN sentence on a bad month or file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.offsite.clearing_fixtures import beijing, offsite_settlement, register
from yibao.cli import app
from yibao.store import Store
from yibao.store.migrate import upgrade

runner = CliRunner()


@pytest.fixture
def deployment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    store = Store(f"sqlite:///{tmp_path / 'yibao.db'}")
    upgrade(store)
    register(store, {"511623196001010011": "511623"},
             {"H51160200001": "511602", "H50010300001": "500103"})
    offsite_settlement(store, "S1", "511623196001010011", "511623", "511602", "H51160200001",
                       beijing(2025, 1, 8), "1000.00", "100.00")
    offsite_settlement(store, "S2", "511623196001010011", "511623", "500103", "H50010300001",
                       beijing(2025, 1, 9), "300.00")
    monkeypatch.setenv("YIBAO_DATABASE_URL", store.url)
    return store


def test_clear_prints_the_statement_and_writes_the_json(deployment: Store,
                                                        tmp_path: Path) -> None:
    out = tmp_path / "clear.json"
    result = runner.invoke(app, ["offsite", "clear", "--month", "2025-01", "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "本次记账 2 个清算对" in result.output and f"已写出 {out}" in result.output
    assert "异地就医清算单" in result.output and "待对方导入" in result.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["month"] == "2025-01"
    assert doc["net"] == {"500103": "900.00", "511602": "3300.00", "511623": "-4200.00"}
    again = runner.invoke(app, ["offsite", "clear", "--month", "2025-01"])
    assert again.exit_code == 0 and "本次记账 0 个清算对（该月已清算，未重复记账）" in again.output
    exported = tmp_path / "out" / "national.json"
    done = runner.invoke(app, ["offsite", "export", "--month", "2025-01", "--out", str(exported)])
    assert done.exit_code == 0, done.output
    assert f"已写出 {exported}" in done.output and "跨省清算对 1 个" in done.output


@pytest.mark.parametrize(("args", "words"), [
    (["offsite", "clear", "--month", "2025-13"], "月份 '2025-13' 有误"),
    (["offsite", "clear", "--month", "2999-01"], "尚未结束"),
    (["offsite", "export", "--month", "2025-01", "--out", "x.json"], "尚未清算"),
    (["offsite", "import", "/nonexistent/file.json"], "无法读取清算文件"),
])
def test_bad_input_exits_2(deployment: Store, args: list[str], words: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert words in result.output and "Traceback" not in result.output


def test_a_tampered_file_exits_2_naming_the_checksum(deployment: Store, tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"format": "yibao-offsite-clearing/1", "month": "2025-01",
                                "sender": "500000", "pairs": [], "checksum": "0" * 64}),
                    encoding="utf-8")
    result = runner.invoke(app, ["offsite", "import", str(path)])
    assert result.exit_code == 2 and "校验和" in result.output
