"""In headless Chromium, a director signs in and sees the dashboard's monthly bar chart drawn
(bars of different, non-zero heights: the console's own `.bar` style once flattened them all),
pages and filters the person search, downloads the filtered list as `.xlsx` and reads it back
with openpyxl; the Swagger page renders with no request leaving the machine."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, expect

from tests.web.conftest import CHROMIUM, CROWD, LAPTOP, SHOTS, Console, login_page

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium")
PERSONS_IN_SCOPE = 8 + CROWD  # the director (510000) also sees the city's person


def test_director_dashboard_persons_and_export(browser: Browser, console: Console,
                                               tmp_path: Path) -> None:
    page = login_page(browser, console, "director", LAPTOP)
    bars = page.locator("svg.chart").first.locator("rect.bar")
    expect(bars).to_have_count(24)  # 12 months × income and expenditure
    heights = bars.evaluate_all("els => els.map(e => e.getBoundingClientRect().height)")
    assert min(heights) > 1 and max(heights) > 3 * min(heights), heights
    expect(page.locator(".notice")).to_contain_text("模拟数据")
    page.screenshot(path=str(SHOTS / "08-director-dashboard.png"), full_page=True)

    page.click("text=参保人查询")
    expect(page.locator(".pager")).to_contain_text(f"共 {PERSONS_IN_SCOPE} 条，第 1 / 2 页")
    expect(page.locator("tbody tr")).to_have_count(50)
    page.click(".pager a:has-text('下一页')")
    expect(page.locator("tbody tr")).to_have_count(PERSONS_IN_SCOPE - 50)
    page.select_option("select[name=group]", "dibao")
    page.select_option("select[name=insutype]", "390")
    page.click("button:has-text('查询')")
    dibao = [i for i in range(0, CROWD, 3) if i % 7] + ["李四"]
    expect(page.locator("tbody tr")).to_have_count(len(dibao))
    expect(page.locator("tbody")).to_contain_text("低保对象")
    expect(page.locator("tbody")).not_to_contain_text("dibao")
    page.screenshot(path=str(SHOTS / "09-persons-filtered.png"), full_page=True)

    with page.expect_download() as download:
        page.click("text=导出 Excel")
    assert download.value.suggested_filename == "参保人.xlsx"
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    rows = list(load_workbook(saved, read_only=True).active.iter_rows(values_only=True))
    assert rows[0][:2] == ("身份证号", "姓名")
    assert len(rows) - 1 == len(dibao)
    assert {r[5] for r in rows[1:]} == {"城乡居民医保"}
    page.close()


def test_swagger_page_renders_offline(browser: Browser, console: Console) -> None:
    page = browser.new_page(viewport=LAPTOP)
    hosts: set[str] = set()
    page.on("request", lambda r: hosts.add(urlparse(r.url).hostname or ""))
    page.goto(f"{console.url}/api/v1/docs")
    expect(page.locator(".swagger-ui .info")).to_contain_text("yibao")
    expect(page.locator(".opblock").first).to_be_visible()
    assert hosts == {"127.0.0.1"}, hosts
    page.screenshot(path=str(SHOTS / "10-swagger.png"))
    page.close()
