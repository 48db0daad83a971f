"""In headless Chromium, finance staff of the county see the fund risk warnings (基金运行风险预警)
on the dashboard, computed from the ledger of their county only: the same warnings the bureau
API gives; a role that does not read the funds is told so. Screenshot in var/screenshots."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.web.conftest import CHROMIUM, LAPTOP, SHOTS, Console, login_page
from yibao.core import labels
from yibao.services.accounts import Principal
from yibao.services.bureau import fund_warnings_in_scope
from yibao.services.fund import fund_names

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium")


def test_finance_sees_the_warnings_of_its_county(browser: Browser, console: Console) -> None:
    finance = console.login("finance")
    assert "基金运行风险预警" in finance.get("/console/").text
    expected = fund_warnings_in_scope(Principal("finance", "finance", "511623"),
                                      store=console.store)
    assert expected is not None and [b["region"] for b in expected] == ["511623"]
    warnings = expected[0]["warnings"]
    assert warnings, "the county's ledger has funds out of their reasonable band"

    page = login_page(browser, console, "finance", LAPTOP)
    block = page.locator("section:has(h2:text('基金运行风险预警'))")
    expect(block).to_be_visible()
    rows = block.locator("tbody tr")
    expect(rows).to_have_count(len(warnings))
    for i, w in enumerate(warnings):
        row = rows.nth(i)
        expect(row).to_contain_text(fund_names()[w["fund"]])
        expect(row).to_contain_text(labels.name("fund_level", w["level"]))
        expect(row).to_contain_text(w["message"])
    expect(block).not_to_contain_text("511602")
    page.screenshot(path=str(SHOTS / "11-fund-warnings.png"), full_page=True)
    page.close()


def test_a_role_without_the_funds_is_told(console: Console) -> None:
    page = console.login("auditor").get("/console/").text
    assert "您的角色不查看基金运行预警" in page


def test_the_province_sees_each_county_with_postings(console: Console) -> None:
    page = console.login("director").get("/console/").text
    assert "基金运行风险预警" in page
    expected = fund_warnings_in_scope(Principal("director", "director", "510000"),
                                      store=console.store)
    assert expected is not None
    assert {b["region"] for b in expected} >= {"511623"}
    for block in expected:
        for w in block["warnings"]:
            assert w["message"] in page
