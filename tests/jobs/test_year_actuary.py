"""The year job builds next year's budget and the 10-year projection from the year it settled,
as `yibao fund budget` and `yibao fund project` build them (issue 13 items 4 and 5): the same
JSON documents beside the report and inside indicators.json, and both sections in the page."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from yibao.cli import app
from yibao.cli.progress import console
from yibao.jobs.year import actuary_plans
from yibao.policy.loader import load_policy
from yibao.services.actuary import BaseYear, base_year_of
from yibao.services.sim import read_tables, run_sim, sim_to_columns
from yibao.sim.profile import load_profile
from yibao.sim.settle import settle_year

runner = CliRunner()


@dataclass(frozen=True, slots=True)
class Year:
    sim: Path
    report: Path
    shown: str  # what `yibao year` printed, lines joined


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> Year:
    folder = tmp_path_factory.mktemp("year-actuary")
    run_sim("linshui-2020", 0.005, 3, folder / "sim")
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("YIBAO_DATABASE_URL", raising=False)
        patch.setattr(console, "width", 400)
        result = runner.invoke(app, ["year", "--data", str(folder / "sim"), "--report",
                                     str(folder / "report"), "--replay", "20"])
    assert result.exit_code == 0, result.output
    return Year(folder / "sim", folder / "report", result.output.replace("\n", ""))


def _command(*args: str) -> None:
    result = runner.invoke(app, ["fund", *args])
    assert result.exit_code == 0, result.output


def test_the_budget_is_the_document_of_fund_budget(year: Year, tmp_path: Path) -> None:
    out = tmp_path / "budget.json"
    _command("budget", "--region", "511623", "--year", "2021", "--data", str(year.sim),
             "--json", str(out))
    assert (year.report / "budget.json").read_bytes() == out.read_bytes()
    indicators = json.loads((year.report / "indicators.json").read_text("utf-8"))
    assert indicators["budget"] == json.loads(out.read_text("utf-8"))
    assert indicators["budget"]["year"] == 2021
    assert f"下一年度基金预算已写入：{year.report / 'budget.json'}" in year.shown


def test_the_projection_is_the_document_of_fund_project(year: Year, tmp_path: Path) -> None:
    out = tmp_path / "projection.json"
    _command("project", "--region", "511623", "--from", "2020", "--data", str(year.sim),
             "--json", str(out))
    assert (year.report / "projection.json").read_bytes() == out.read_bytes()
    indicators = json.loads((year.report / "indicators.json").read_text("utf-8"))
    assert indicators["projection"] == json.loads(out.read_text("utf-8"))
    years = indicators["projection"]["funds"]["resident_pool"]["years"]
    assert [y["year"] for y in years] == list(range(2020, 2031))
    assert f"基金中长期精算（默认情景，含 [U] 占位值）已写入：{year.report / 'projection.json'}" \
        in year.shown


def test_the_page_has_the_budget_and_the_projection(year: Year) -> None:
    page = (year.report / "index.html").read_text("utf-8")
    doc = json.loads((year.report / "indicators.json").read_text("utf-8"))
    budget, projection = doc["budget"], doc["projection"]
    assert "<h2>下一年度基金预算（2021 年）</h2>" in page
    assert f"（{budget['drg_budget']} 元；" in page  # the regional DRG global budget
    for line in budget["expenditure"]:  # each line's factors, as the finance officer reads them
        assert f"<td>{line['age_factor']}</td><td>{line['utilisation_trend']}</td>" in page
    assert "<h2>基金中长期精算</h2>" in page and "[U] 占位值" in page
    assert "基金累计结余预测（默认情景）" in page
    for data in projection["funds"].values():
        exhausted = data.get("exhausted")
        if exhausted:
            assert f"{exhausted} 年累计结余转负（基金耗尽）" in page
    assert "预测期内累计结余未转负" in page


def _base(sim: Path) -> BaseYear:
    tables = read_tables(sim)
    profile = load_profile("linshui-2020")
    result = settle_year(sim_to_columns(sim), tables, workers=1)
    return base_year_of(tables, result, profile, load_policy(profile.policy))


def test_without_next_years_policy_the_job_says_why_and_still_projects(year: Year) -> None:
    base = _base(year.sim)
    later = BaseYear(replace(base.base, year=2025), base.policy, base.cells)  # no 511623-2026
    plans, notes = actuary_plans(later)
    assert "budget" not in plans and plans["projection"]["from"] == 2025
    assert len(notes) == 1 and "511623 2026 年的内置政策" in notes[0]
