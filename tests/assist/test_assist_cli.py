"""`yibao assist apply | decide | list | monitor` on both backends: what is printed and
written, exit status 2 with one zh-CN sentence for bad input, nothing written then."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from tests.assist.helpers import settle_on
from tests.services.population import DIBAO, RESIDENT
from yibao.cli import app
from yibao.services import assist
from yibao.services.assist import AssistRefused
from yibao.store import Store

runner = CliRunner()


@pytest.fixture
def cli_store(assisted: Store, monkeypatch: pytest.MonkeyPatch) -> Store:
    monkeypatch.setenv("YIBAO_DATABASE_URL", assisted.url)
    return assisted


def _count(store: Store) -> int:
    page = assist.applications(store=store)
    assert not isinstance(page, AssistRefused)
    return page.total


def test_apply_decide_and_list(cli_store: Store) -> None:
    settle_on(cli_store, RESIDENT, "A1", "30000.00", date(2025, 5, 10))
    settle_on(cli_store, RESIDENT, "A2", "12000.00", date(2025, 6, 10))
    settle_on(cli_store, DIBAO, "B1", "5000.00", date(2025, 7, 1))
    done = runner.invoke(app, ["assist", "apply", "--psn-no", RESIDENT, "--income", "15000",
                               "--date", "2025-11-30"])
    assert done.exit_code == 0, done.output
    assert "已登记" in done.output and "assist_applications" in done.output
    page = assist.applications(store=cli_store)
    assert not isinstance(page, AssistRefused)
    (item,) = page.items
    decided = runner.invoke(app, ["assist", "decide", str(item.app_id), "--approve"])
    assert decided.exit_code == 0, decided.output
    # B = 9948.75, t = 8000, (9948.75 − 8000) × 0.5 = 974.375 → 974.38
    assert "974.38" in decided.output and "fund_postings" in decided.output
    again = runner.invoke(app, ["assist", "decide", str(item.app_id), "--refuse",
                                "--reason", "复核"])
    assert again.exit_code == 2 and "不能重复审核" in again.output
    listing = runner.invoke(app, ["assist", "list", "--state", "granted"])
    assert listing.exit_code == 0 and RESIDENT in listing.output and "974.38" in listing.output
    empty = runner.invoke(app, ["assist", "list", "--state", "applied"])
    assert empty.exit_code == 0 and "没有符合条件" in empty.output


@pytest.mark.parametrize(("args", "words"), [
    (["apply", "--psn-no", RESIDENT, "--income", "abc", "--date", "2025-11-30"], "家庭年收入"),
    (["apply", "--psn-no", RESIDENT, "--income", "1", "--date", "2025/11/30"], "申请日期"),
    (["apply", "--psn-no", "511623199901010000", "--income", "1", "--date", "2025-11-30"],
     "没有参保人"),
    (["decide", "7", "--approve"], "没有医疗救助申请"),
    (["decide", "7"], "--approve"),
    (["list", "--state", "lost"], "状态"),
])
def test_bad_input_exits_2_and_writes_nothing(cli_store: Store, args: list[str],
                                              words: str) -> None:
    done = runner.invoke(app, ["assist", *args])
    assert done.exit_code == 2, done.output
    assert words in done.output and "Traceback" not in done.output
    assert _count(cli_store) == 0


def test_a_refusal_on_review_needs_a_reason(cli_store: Store) -> None:
    runner.invoke(app, ["assist", "apply", "--psn-no", RESIDENT, "--income", "1",
                        "--date", "2025-11-30"])
    done = runner.invoke(app, ["assist", "decide", "1", "--refuse"])
    assert done.exit_code == 2 and "原因" in done.output
    ok = runner.invoke(app, ["assist", "decide", "1", "--refuse", "--reason", "材料不全"])
    assert ok.exit_code == 0 and "经办审核未通过" in ok.output and "材料不全" in ok.output


def test_monitor_writes_json_and_excel(cli_store: Store, tmp_path: Path) -> None:
    for i, amount in enumerate(("30000.00", "12000.00", "50000.00")):
        settle_on(cli_store, RESIDENT, f"A{i}", amount, date(2025, 5 + i, 10))
    out = tmp_path / "out"
    done = runner.invoke(app, ["assist", "monitor", "--year", "2025", "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert "人员 1 人" in done.output and "家庭 1 户" in done.output
    assert str(out / "monitor.json") in done.output.replace("\n", "")
    doc = json.loads((out / "monitor.json").read_text(encoding="utf-8"))
    assert doc == assist.monitor(2025, store=cli_store)
    assert doc["persons"][0]["psn_no"] == RESIDENT
    book = (out / "monitor.xlsx").read_bytes()
    assert book[:2] == b"PK"  # a zip: the workbook
    sheets = load_workbook(out / "monitor.xlsx", read_only=True)
    people = list(sheets["2025年监测人员"].values)
    assert people[0][0] == "人员编号（身份证号）" and people[1][0] == RESIDENT
    assert Decimal(str(people[1][3])) == Decimal(doc["persons"][0]["oop"])
    households = list(sheets["2025年监测家庭"].values)
    assert households[1][:2] == ("HH1", 2)


def test_monitor_refuses_a_bad_year(cli_store: Store, tmp_path: Path) -> None:
    done = runner.invoke(app, ["assist", "monitor", "--year", "1900", "--out", str(tmp_path)])
    assert done.exit_code == 2 and "年度" in done.output
    assert not (tmp_path / "monitor.json").exists()
