"""A live console for the browser tests: uvicorn on a free loopback port over a SQLite store
seeded through the services (enrollment import, committed settlements, cases from the batch
rules), a small year report under `YIBAO_REPORT_DIR`, and users of two counties."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Protocol

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.services.population import CITY, PEOPLE_HEADER, RESIDENT, WORKER, populate, visit
from tests.serving import serving
from yibao.core.idnum import make_resident_id
from yibao.server.app import create_app
from yibao.services import accounts, cases, enroll
from yibao.services.settle_service import Settled, settle_committed
from yibao.store import Store
from yibao.store.migrate import upgrade

USERS = {"county": ("handler", "511623"), "auditor": ("auditor", "511623"),
         "finance": ("finance", "511623"),
         "other": ("auditor", "511602"), "director": ("director", "510000")}
MONTHS = 12
REPORT = {
    "year": 2024, "profile": "linshui-2024-test", "region": "511623", "scale": 0.01, "insured": 800,
    "insured_employee": 100, "insured_resident": 700, "fund_income": 900000.00,
    "fund_expenditure": 780000.50, "inpatient_inscp_ratio_employee": 0.86,
    "inpatient_inscp_ratio_resident": 0.69, "assistance_ratio_key_groups": 0.72,
    "offsite_direct_settlements": 12, "offsite_direct_amount": 34567.89,
    "inpatient_cost_share_drg": 0.74,
    "monthly": {"income": [300000.00] + [54545.45] * (MONTHS - 1),
                "expenditure": [65000.04] * MONTHS,
                "balance": [235000.0 - 10454.59 * m for m in range(MONTHS)]},
    "drg": {"budget": 500000.00, "point_value": 71.7965, "total_points": 6964.1, "cases": 120,
            "grouping": {"ok": 119, "invalid": 1}, "groups_cv_at_least_1": 2, "splits": 5,
            "hospitals": [
                {"hospital": "H51162300001", "name": "邻水县人民医院", "cases": 80, "cmi": 1.02,
                 "points": 5000.1, "amount": 359000.0},
                {"hospital": "H51160200001", "name": "广安市人民医院", "cases": 40, "cmi": 1.9,
                 "points": 1964.0, "amount": 141000.0}]},
}


@dataclass
class Console:
    url: str
    store: Store
    passwords: dict[str, str]
    setl_id: str
    resident: str = RESIDENT
    city: str = CITY

    def login(self, who: str) -> httpx.Client:
        """An HTTP client signed in to the console as `who` (cookie session)."""
        client = httpx.Client(base_url=self.url, follow_redirects=False, timeout=30)
        answer = client.post("/console/login",
                             data={"username": who, "password": self.passwords[who]})
        assert answer.status_code == 303, answer.text
        return client


CROWD = 60  # more residents of the county than one page of the person search holds


def crowd_rows() -> list[str]:
    """CROWD generated people of 511623 for paging and filters: every third 低保, every fifth
    特困 (unless 低保), every seventh a retired worker."""
    rows = []
    for i in range(CROWD):
        sex = "M" if i % 2 else "F"
        born = date(1950 + i % 40, 1 + i % 12, 1 + i % 28)
        number = make_resident_id("511623", born, 100 + 2 * i + (1 if sex == "M" else 0), sex)
        group = "dibao" if i % 3 == 0 else "tekun" if i % 5 == 0 else ""
        scheme, kind = ("310", "retired") if i % 7 == 0 else ("390", "resident")
        rows.append(f"{number},测试{i:02d},HC{i},{scheme},{kind},511623,2024,{group},false,,,")
    return rows


def _seed(folder: Path) -> tuple[Store, dict[str, str], str]:
    store = Store(f"sqlite:///{folder / 'console.db'}")
    upgrade(store)
    populate(store, folder)
    crowd = folder / "crowd.csv"
    crowd.write_text("\n".join([PEOPLE_HEADER, *crowd_rows()]) + "\n", encoding="utf-8")
    assert not enroll.import_enrollments(crowd, store=store).errors
    first = settle_committed(visit(RESIDENT, "WEB-1"), store=store)
    assert isinstance(first, Settled), first
    settled = settle_committed(visit(WORKER, "WEB-2", day="2024-04-02"), store=store)
    assert isinstance(settled, Settled), settled
    opened = cases.open_cases("511623", 2024, actor="test", store=store)
    assert isinstance(opened, cases.Opened) and opened.opened > 0, opened
    passwords = {}
    for name, (role, region) in USERS.items():
        issued = accounts.add_user(name, role, region, actor="test", store=store)
        assert isinstance(issued, accounts.Issued)
        passwords[name] = issued.secret
    return store, passwords, first.setl_id


@pytest.fixture(scope="session")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    folder = tmp_path_factory.mktemp("console")
    store, passwords, setl_id = _seed(folder)
    (folder / "report" / "2024").mkdir(parents=True)
    (folder / "report" / "2024" / "indicators.json").write_text(
        json.dumps(REPORT, ensure_ascii=False), encoding="utf-8")
    patch = pytest.MonkeyPatch()
    patch.setenv("YIBAO_REPORT_DIR", str(folder / "report"))
    with serving(create_app(store)) as url:
        yield Console(url, store, passwords, setl_id)
    patch.undo()
    store.dispose()


CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
LAPTOP = {"width": 1366, "height": 800}
TABLET = {"width": 768, "height": 1024}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's headless Chromium through Playwright (tests skip without /usr/bin/chromium)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as play:
        chromium = play.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield chromium
        chromium.close()


class Served(Protocol):
    """A live console: its base URL and its users' passwords."""

    url: str
    passwords: dict[str, str]


def login_page(browser: Browser, console: Served, who: str, viewport: dict[str, int]) -> Page:
    """A browser page signed in to the console as `who`, on the dashboard."""
    page = browser.new_page(viewport=viewport, locale="zh-CN", accept_downloads=True)
    page.goto(f"{console.url}/console/")
    expect(page).to_have_url(re.compile(r"/console/login$"))
    page.fill("input[name=username]", who)
    page.fill("input[name=password]", console.passwords[who])
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("运行概览")
    return page
