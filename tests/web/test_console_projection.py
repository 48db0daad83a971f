"""The console's 基金精算 page shows the newest actuarial projection (`projection.json` of
`yibao fund project --report`) to viewers whose scope holds its region, with the chart drawn by
the same function as the report; others are told there is none in their scope."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.actuary.test_projection import BASE, OPENING, RATES, SCENARIO
from tests.web.conftest import CHROMIUM, LAPTOP, SHOTS, Console, login_page
from yibao.actuary.projection import project
from yibao.actuary.report import projection_json
from yibao.services.actuary import projection_svg_of


def _write() -> dict[str, object]:
    doc = projection_json(project(BASE, {2020: RATES}, 2, SCENARIO, OPENING))
    folder = Path(os.environ["YIBAO_REPORT_DIR"]) / "精算"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "projection.json").write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    return doc


def test_the_county_sees_its_projection(console: Console) -> None:
    doc = _write()
    page = console.login("county").get("/console/fund/projection").text
    assert "基金中长期精算" in page and projection_svg_of(doc) in page
    assert "2022 年累计结余转负" in page  # the hand-built cohort's resident pool
    assert "-0.27 万元" in page and "-0.6523" in page and "结余不足" in page


def test_another_county_sees_none(console: Console) -> None:
    _write()
    page = console.login("other").get("/console/fund/projection").text
    assert "您的管辖范围（511602）内没有精算结果" in page and "<svg" not in page


@pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium")
def test_the_page_in_a_browser(browser: Browser, console: Console) -> None:
    """A finance officer opens 基金精算 from the menu and sees the chart (screenshot
    var/screenshots/20-fund-projection.png)."""
    doc = _write()
    page = login_page(browser, console, "finance", LAPTOP)
    page.click("text=基金精算")
    expect(page.locator("svg.chart")).to_be_visible()
    expect(page.locator("body")).to_contain_text("2022 年累计结余转负")
    funds = doc["funds"]
    assert isinstance(funds, dict)
    assert page.locator("svg.chart polyline.line").count() == len(funds) == 7  # one line a fund
    page.screenshot(path=str(SHOTS / "20-fund-projection.png"), full_page=True)


def test_the_year_reports_projection_is_found(console: Console) -> None:
    """`yibao year --report $YIBAO_REPORT_DIR` writes `projection.json` beside indicators.json,
    at the top of the folder: the page finds it there too."""
    doc = projection_json(project(BASE, {2020: RATES}, 3, SCENARIO, OPENING))
    top = Path(os.environ["YIBAO_REPORT_DIR"])
    top.mkdir(parents=True, exist_ok=True)
    (top / "projection.json").write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    page = console.login("county").get("/console/fund/projection").text
    assert projection_svg_of(doc) in page and "<td>2023</td>" in page
