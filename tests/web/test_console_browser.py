"""In headless Chromium, a county handler signs in, finds a person, opens a settlement and sees
every yuan explained, is refused another county's person, and opens the review of an audit case;
a second user (the county's auditor) confirms it (复审; the handler alone may not), recorded with
who and when, on a tablet-sized screen. Screenshots go to var/screenshots/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.conftest import CHROMIUM, LAPTOP, SHOTS, TABLET, Console, login_page

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium")


def _login(browser: Browser, console: Console, who: str, viewport: dict[str, int]) -> Page:
    return login_page(browser, console, who, viewport)


def test_handler_reads_a_settlement_and_confirms_a_case(browser: Browser,
                                                        console: Console) -> None:
    page = _login(browser, console, "county", LAPTOP)
    expect(page.locator("body")).to_contain_text("主要指标与“十四五”目标")
    page.screenshot(path=str(SHOTS / "01-dashboard.png"), full_page=True)
    page.click("text=参保人查询")
    page.fill("input[name=q]", "张三")
    page.click("button:has-text('查询')")
    page.click(f"a:has-text('{console.resident}')")
    expect(page.locator("h1")).to_have_text("参保人 张三")
    expect(page.locator("body")).to_contain_text("年度累计")
    page.screenshot(path=str(SHOTS / "02-person.png"), full_page=True)
    page.click(f"a:has-text('{console.setl_id}')")
    expect(page.locator("h1")).to_contain_text(console.setl_id)
    body = page.locator("body")
    for text in ("居民基本医保统筹基金", "起付线", "全自费", "超限价", "乙类先行自付",
                 "政策范围内", "个人现金", "计算过程（setl_proc_info）"):
        expect(body).to_contain_text(text)
    expect(page.locator(".error")).to_have_count(0)  # the payers add up to the total
    page.screenshot(path=str(SHOTS / "03-settlement.png"), full_page=True)
    page.set_viewport_size(TABLET)
    page.screenshot(path=str(SHOTS / "04-settlement-tablet.png"), full_page=True)
    answer = page.goto(f"{console.url}/console/persons/{console.city}")
    assert answer is not None and answer.status == 403
    expect(page.locator("h1")).to_have_text("无权查看")
    page.screenshot(path=str(SHOTS / "05-other-county-refused.png"), full_page=True)
    case_url = _review_a_case(page)
    page.click("button:has-text('退出')")
    expect(page).to_have_url(re.compile(r"/console/login$"))
    page.close()
    second = _login(browser, console, "auditor", TABLET)
    second.goto(case_url)
    _confirm_a_case(second)
    second.close()


def _review_a_case(page: Page) -> str:
    """The first review (初审) of a flagged item by the handler, who may not confirm it alone."""
    page.click("text=稽核工作队列")
    page.locator("td a").first.click()
    expect(page.locator("body")).to_contain_text("证据")
    page.click("button:has-text('开始审核')")
    expect(page.locator(".ok")).to_have_text("已开始审核")
    page.click("button:has-text('确认违规')")
    expect(page.locator(".error")).to_contain_text("不能独自确认违规")
    return page.url.split("?")[0].removesuffix("/move")  # the refusal answers the form's POST


def _confirm_a_case(page: Page) -> None:
    """The second review (复审) by another person: confirm, the recovery is posted."""
    page.fill("form:has(input[value=confirmed]) textarea", "核实病历，确认违规收费")
    page.click("button:has-text('确认违规')")
    expect(page.locator(".ok")).to_have_text("已确认违规")
    trail = page.locator("section:has(h2:has-text('处理记录')) tbody tr")
    expect(trail).to_have_count(2)
    expect(trail.nth(0)).to_contain_text("county")
    expect(trail.nth(1)).to_contain_text("auditor")
    expect(trail.nth(1)).to_contain_text("核实病历")
    expect(page.locator("body")).to_contain_text("RC")  # the recovery posted to the ledger
    page.screenshot(path=str(SHOTS / "06-case-confirmed.png"), full_page=True)


def test_other_region_refused_in_the_browser(browser: Browser, console: Console) -> None:
    page = _login(browser, console, "other", LAPTOP)
    answer = page.goto(f"{console.url}/console/settlements/{console.setl_id}")
    assert answer is not None and answer.status == 403
    expect(page.locator("body")).not_to_contain_text("居民基本医保统筹基金")
    page.screenshot(path=str(SHOTS / "07-other-region-settlement.png"), full_page=True)
    page.close()
