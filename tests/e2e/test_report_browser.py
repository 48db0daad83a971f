"""The year report opens in headless Chromium without a network and its charts render."""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import sync_playwright

from yibao.jobs.year import run_year
from yibao.services.sim import run_sim

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def test_report_charts_render(tmp_path: Path) -> None:
    run_sim("linshui-2020", 0.005, 3, tmp_path / "sim")
    outcome = run_year(tmp_path / "sim", tmp_path / "report")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        page.on("request", lambda r: requests.append(r.url))
        page.goto(outcome.html_path.as_uri())
        charts = page.locator("svg.chart")
        assert charts.count() >= 4
        for index in range(charts.count()):
            box = charts.nth(index).bounding_box()
            assert box is not None and box["width"] > 300 and box["height"] > 100
        assert page.locator("svg.chart rect.bar").count() > 24
        assert page.locator("svg.chart polyline.line").count() >= 1
        assert "主要指标" in page.inner_text("body")
        notice = page.inner_text(".notice")  # says the data is simulated, and at which scale
        assert "模拟数据" in notice and "linshui-2020" in notice and "0.005" in notice
        page.screenshot(path=str(SCREENSHOTS / "report.png"), full_page=True)
        browser.close()
    assert all(url.startswith("file://") for url in requests)  # nothing from the network
    assert json.loads(outcome.json_path.read_text("utf-8"))["region"] == "511623"
