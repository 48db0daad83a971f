"""The walk issue 12 asks to see, in headless Chromium over real year-job data (`yibao year` on a
simulated Linshui year at scale 0.01, with injected abuse so the batch rules hit):

director signs in → the dashboard's monthly bar chart is drawn → a person of the year → one of
their settlements explained (fee segments, each fund's base, room and trace) → the audit queue
holds the cases the year job opened → a handler opens a review and proposes a recovery above the
hit's amount, which they may not confirm alone → the county's auditor (another user, 复审)
approves it and the recovery is posted → a user of another county sees nothing of this one.

Beside it, the store's inpatient parts give the report's ratios exactly (the sums a city's
dashboard recomputes its ratios from)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.serving import serving
from tests.web.conftest import CHROMIUM, LAPTOP, login_page
from yibao.core.money import fmt
from yibao.indicators.aggregate import RATIOS, ratios_from_parts
from yibao.jobs.year import run_year
from yibao.server.app import create_app
from yibao.services import accounts
from yibao.services.dashboard import stay_parts
from yibao.services.sim import run_sim
from yibao.sim.abuse import default_rates
from yibao.store import Store

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium")
USERS = {"director": ("director", "511600"), "handler": ("handler", "511623"),
         "auditor": ("auditor", "511623"), "guangan": ("handler", "511602")}
SCALE = 0.01
COUNTY, YEAR = "511623", 2020


@dataclass
class Walk:
    url: str
    passwords: dict[str, str]
    store: Store
    report: dict[str, Any]
    id_number: str  # the person of the settlement that paid most
    setl_id: str


@pytest.fixture(scope="module")
def walk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Walk]:
    folder = tmp_path_factory.mktemp("walk")
    run_sim("linshui-2020", SCALE, 11, folder / "sim", default_rates())
    url = f"sqlite:///{folder / 'year.db'}"
    done = run_year(folder / "sim", folder / "report", db=url, replay=10)
    store = Store(url)
    passwords = {}
    for name, (role, region) in USERS.items():
        issued = accounts.add_user(name, role, region, actor="test", store=store)
        assert isinstance(issued, accounts.Issued)
        passwords[name] = issued.secret
    with store.engine.connect() as connection:
        setl_id, id_number = connection.exec_driver_sql(
            "SELECT setl_id, id_number FROM settlements WHERE med_type = '21' "
            "ORDER BY fund_pay_sumamt_fen DESC LIMIT 1").one()
    report = {**done.values, "store": done.store, "region": COUNTY}
    patch = pytest.MonkeyPatch()
    patch.setenv("YIBAO_REPORT_DIR", str(folder / "report"))
    with serving(create_app(store)) as base:
        yield Walk(base, passwords, store, report, id_number, setl_id)
    patch.undo()
    store.dispose()


def test_the_stored_parts_give_the_reports_ratios(walk: Walk) -> None:
    ratios = ratios_from_parts(stay_parts(COUNTY, YEAR, store=walk.store))
    assert ratios == {k: walk.report[k] for k in RATIOS}
    assert sum(p.stays for p in stay_parts("5116", YEAR, store=walk.store)) == (
        walk.report["inpatient_stays"])


def test_director_to_approved_recovery_and_another_county(browser: Browser, walk: Walk,
                                                          tmp_path: Path) -> None:
    page = login_page(browser, walk, "director", LAPTOP)
    _dashboard(page, tmp_path / "dashboard.png")
    _person_and_settlement(page, walk)
    page.click("text=稽核工作队列")
    opened = walk.report["store"]["cases_opened"]
    assert opened > 0
    expect(page.locator("h2:has-text('案件（共')")).to_have_text(f"案件（共 {opened:,} 件）")
    _sign_out(page)

    handler = login_page(browser, walk, "handler", LAPTOP)
    case_url, proposed = _propose_recovery(handler)
    _sign_out(handler)
    auditor = login_page(browser, walk, "auditor", LAPTOP)
    auditor.goto(case_url)
    _approve(auditor, proposed)
    _sign_out(auditor)

    other = login_page(browser, walk, "guangan", LAPTOP)
    expect(other.locator("body")).to_contain_text("您的管辖范围（511602）内没有年度报告数据")
    expect(other.locator("svg.chart")).to_have_count(0)
    other.click("text=参保人查询")
    other.click("button:has-text('查询')")
    expect(other.locator("h2:has-text('查询结果')")).to_have_text("查询结果（0 人）")
    other.click("text=稽核工作队列")
    expect(other.locator("h2:has-text('案件（共')")).to_have_text("案件（共 0 件）")
    for refused in (f"/console/persons/{walk.id_number}", f"/console/settlements/{walk.setl_id}",
                    case_url.removeprefix(walk.url)):
        answer = other.goto(walk.url + refused)
        assert answer is not None and answer.status == 403, refused
    other.close()


def _dashboard(page: Page, shot: Path) -> None:
    """The monthly bar chart is drawn: 12 months × income and expenditure, each bar of
    non-zero size."""
    chart = page.locator("svg.chart").first
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box is not None and box["width"] > 100 and box["height"] > 50, box
    bars = chart.locator("rect.bar")
    expect(bars).to_have_count(24)
    sizes = bars.evaluate_all(
        "els => els.map(e => [e.getBoundingClientRect().width, e.getBoundingClientRect().height])")
    assert all(w > 0 and h > 0 for w, h in sizes), sizes
    expect(page.locator(".notice")).to_contain_text("模拟数据")
    expect(page.locator("body")).to_contain_text("管辖范围（511600）内只有统筹区 511623")
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 0


def _person_and_settlement(page: Page, walk: Walk) -> None:
    page.click("text=参保人查询")
    page.fill("input[name=q]", walk.id_number)
    page.click("button:has-text('查询')")
    expect(page.locator("h1")).to_contain_text("参保人")
    expect(page.locator("body")).to_contain_text(walk.id_number)
    page.click(f"a:has-text('{walk.setl_id}')")
    expect(page.locator("h1")).to_contain_text(walk.setl_id)
    body = page.locator("body")
    for text in ("费用分段", "政策范围内", "基金支付明细（setldetail）", "计算基数", "限额剩余",
                 "计算过程（setl_proc_info）", "起付线", "年度限额"):
        expect(body).to_contain_text(text)
    expect(page.locator(".error")).to_have_count(0)  # the payers add up to the total


def _propose_recovery(page: Page) -> tuple[str, str]:
    """The handler opens the review of the queue's first case and proposes a recovery 100.00
    yuan above the hit's amount; confirming it alone is refused."""
    page.click("text=稽核工作队列")
    page.locator("td a").first.click()
    expect(page.locator("body")).to_contain_text("证据")
    page.click("button:has-text('开始审核')")
    expect(page.locator(".ok")).to_have_text("已开始审核")
    amount = page.locator("form:has(input[value=confirmed]) input[name=amount]")
    proposed = fmt(Decimal(amount.input_value()) + Decimal("100.00"))
    amount.fill(proposed)
    page.fill("form:has(input[value=confirmed]) textarea", f"建议追回 {proposed} 元")
    page.click("button:has-text('确认违规')")
    expect(page.locator(".error")).to_contain_text("不能独自确认违规")
    return page.url.split("?")[0].removesuffix("/move"), proposed


def _approve(page: Page, proposed: str) -> None:
    """The auditor (复审) approves the recovery above the hit's amount; it is posted."""
    page.fill("form:has(input[value=confirmed]) input[name=amount]", proposed)
    page.fill("form:has(input[value=confirmed]) textarea", "复审：同意按建议金额追回")
    page.click("button:has-text('确认违规')")
    expect(page.locator(".ok")).to_have_text("已确认违规")
    trail = page.locator("section:has(h2:has-text('处理记录')) tbody tr")
    expect(trail).to_have_count(2)
    expect(trail.nth(0)).to_contain_text("handler")
    expect(trail.nth(1)).to_contain_text("auditor")
    expect(trail.nth(1)).to_contain_text(proposed)
    expect(page.locator("body")).to_contain_text("RC")  # the recovery posted to the ledger


def _sign_out(page: Page) -> None:
    page.click("button:has-text('退出')")
    expect(page).to_have_url(re.compile(r"/console/login$"))
    page.close()
