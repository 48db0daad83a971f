"""`yibao fund budget` and `yibao fund project` on a small simulated year (scale 0.005)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from yibao.cli import app
from yibao.cli.progress import console
from yibao.jobs.year_payment import pay_year
from yibao.services.actuary import projection_svg_of
from yibao.services.sim import read_tables, run_sim, sim_to_columns
from yibao.sim.settle import settle_year

runner = CliRunner()


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("actuary") / "sim"
    run_sim("linshui-2020", 0.005, 3, folder)
    return folder


@pytest.fixture(autouse=True)
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(console, "width", 240)


def _run(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result.output.replace("\n", "")


def _yuan(text: str) -> Decimal:
    return Decimal(text)


def test_budget_prints_each_factor_and_writes_json(year: Path, tmp_path: Path) -> None:
    out = tmp_path / "budget.json"
    shown = _run("fund", "budget", "--region", "511623", "--year", "2021", "--data", str(year),
                 "--json", str(out))
    for heading in ("参保人数", "年龄结构因子", "就诊率趋势", "费用趋势", "基金收入",
                    "区域总额预算"):
        assert heading in shown
    data = json.loads(out.read_text("utf-8"))
    assert data["year"] == 2021 and data["rates"]["next"]["resident_subsidy"] == "580"
    lines = data["expenditure"]
    # The DRG budget is the sum of the lines' DRG parts; each line's next = now × its factors.
    assert _yuan(data["drg_budget"]) == sum(_yuan(e["drg_next"]) for e in lines)
    for e in lines:
        factor = (Decimal(e["age_factor"]) * Decimal(e["utilisation_trend"])
                  * Decimal(e["cost_trend"]))
        for fund, now in e["now"].items():
            assert abs(_yuan(e["next"][fund]) - _yuan(now) * factor) <= Decimal("0.005")
    # This year's lines add up to what the batch engine paid from every fund (the personal
    # account carried through each employee's visits, as the year job settles).
    values = settle_year(sim_to_columns(year), read_tables(year), workers=1).values
    paid = sum(int(np.asarray(values[f]).sum()) for f in (
        "hifp_pay", "acct_pay", "hifmi_pay", "hifob_pay", "cvlserv_pay", "maf_pay"))
    assert sum(_yuan(v) for e in lines for v in e["now"].values()) == Decimal(paid) / 100


def test_project_writes_json_and_report_deterministically(year: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    shown = _run("fund", "project", "--region", "511623", "--from", "2020", "--years", "3",
                 "--data", str(year), "--json", str(first), "--report", str(tmp_path / "r"))
    assert "可支付月数" in shown and "职工医保统筹基金" in shown
    _run("fund", "project", "--region", "511623", "--from", "2020", "--years", "3",
         "--data", str(year), "--json", str(second))
    assert first.read_bytes() == second.read_bytes()
    data = json.loads(first.read_text("utf-8"))
    pool = data["funds"]["resident_pool"]["years"]
    assert [y["year"] for y in pool] == [2020, 2021, 2022, 2023]
    assert [y["balance_open"] for y in pool[1:]] == [y["balance_close"] for y in pool[:-1]]
    for y in pool:
        months = Decimal(y["balance_close"]) * 12 / Decimal(y["expenditure"])
        assert Decimal(y["months_payable"]) == months.quantize(Decimal("0.0001"))
    # The base year spends what the batch engine paid from the personal accounts.
    values = settle_year(sim_to_columns(year), read_tables(year), workers=1).values
    account = data["funds"]["personal_account"]["years"][0]
    assert Decimal(account["expenditure"]) == Decimal(int(values["acct_pay"].sum())) / 100
    # So do the [fund] funds; the assistance fund also pays the residents' aided shares (资助参保).
    aided = int(read_tables(year).contributions["assistance_fen"].sum())
    for fund, field, transfer in (("large_expense", "hifob_pay", 0),
                                  ("civil_servant", "cvlserv_pay", 0),
                                  ("assistance", "maf_pay", aided)):
        first_year = data["funds"][fund]["years"][0]
        assert Decimal(first_year["expenditure"]) == Decimal(
            int(values[field].sum()) + transfer) / 100
    # 2021's shipped policy has no [fund]: 2020's amounts hold; the JSON shows amounts only.
    assert [(r["year"], r["civil_servant_per_person"], r["assistance_per_resident"])
            for r in data["rates"][:2]] == [(2020, "250", "54"), (2021, "250", "54")]
    assert "fund_given" not in data["rates"][0]
    page = (tmp_path / "r" / "projection.html").read_text("utf-8")
    assert "<svg" in page and "居民医保统筹基金" in page
    # The report folder keeps the JSON, from which the console draws the same chart.
    kept = json.loads((tmp_path / "r" / "projection.json").read_text("utf-8"))
    assert kept == data and projection_svg_of(kept) in page


def test_a_scenario_changes_the_projection(year: Path, tmp_path: Path) -> None:
    scenario = tmp_path / "s.toml"
    scenario.write_text('[scenario]\nname = "高增长"\n[growth]\nresident_cost = "0.30"\n',
                        encoding="utf-8")
    out = tmp_path / "p.json"
    shown = _run("fund", "project", "--region", "511623", "--from", "2020", "--years", "5",
                 "--data", str(year), "--scenario", str(scenario), "--json", str(out))
    data = json.loads(out.read_text("utf-8"))
    assert data["scenario"] == "高增长"
    exhausted = data["funds"]["resident_pool"]["exhausted"]
    assert exhausted is not None and f"{exhausted} 年累计结余转负" in shown


@pytest.mark.parametrize(("args", "message"), [
    (("budget", "--region", "511600", "--year", "2021"), "不是 511600"),
    (("budget", "--region", "511623", "--year", "2022"), "需要 2021 年"),
    (("project", "--region", "511623", "--from", "2020", "--years", "0"), "预测年数"),
])
def test_bad_input_is_one_sentence(year: Path, args: tuple[str, ...], message: str) -> None:
    shown = _run("fund", *args, "--data", str(year), code=2)
    assert message in shown and "Traceback" not in shown


def test_a_bad_scenario_names_file_key_and_line(year: Path, tmp_path: Path) -> None:
    scenario = tmp_path / "bad.toml"
    scenario.write_text('[growth]\n\nresident_cost = "2"\n', encoding="utf-8")
    shown = _run("fund", "project", "--region", "511623", "--from", "2020", "--data", str(year),
                 "--scenario", str(scenario), code=2)
    assert f"{scenario}:3" in shown and "growth.resident_cost" in shown


def test_not_a_simulated_year(tmp_path: Path) -> None:
    shown = _run("fund", "budget", "--region", "511623", "--year", "2021", "--data",
                 str(tmp_path), code=2)
    assert "不是模拟数据目录" in shown


def test_the_drg_part_of_this_year_is_the_payment_rooms_budget(year: Path, tmp_path: Path
                                                                ) -> None:
    """The budget's DRG lines start from the same stays the year job pays by DRG points: their
    sum this year equals the budget `pay_year` settles the point value under."""
    out = tmp_path / "budget.json"
    _run("fund", "budget", "--region", "511623", "--year", "2021", "--data", str(year),
         "--json", str(out))
    lines = json.loads(out.read_text("utf-8"))["expenditure"]
    cols = sim_to_columns(year)
    tables = read_tables(year)
    payment = pay_year(tables, cols, settle_year(cols, tables, workers=1))
    assert sum(_yuan(e["drg_now"]) for e in lines) == Decimal(payment.settlement.budget_fen) / 100
