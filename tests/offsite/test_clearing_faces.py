"""The clearing's API (`GET /api/v1/offsite/clearing`) and console page, each in the reader's
scope and role, with the Excel export."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from tests.offsite.clearing_fixtures import beijing, offsite_settlement, register
from tests.serving import serving
from yibao.server.app import create_app
from yibao.services import accounts
from yibao.services.clearing import Cleared, clear_month
from yibao.store import Store
from yibao.store.migrate import upgrade

USERS = {"linshui": ("finance", "511623"), "yuechi": ("finance", "511621"),
         "handler": ("handler", "511623"), "province": ("director", "510000")}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[tuple[httpx.Client, dict[str, str]]]:
    folder: Path = tmp_path_factory.mktemp("clearing-faces")
    store = Store(f"sqlite:///{folder / 'yibao.db'}")
    upgrade(store)
    register(store, {"511623196001010011": "511623", "511621196001010012": "511621"},
             {"H51160200001": "511602"})
    offsite_settlement(store, "S1", "511623196001010011", "511623", "511602", "H51160200001",
                       beijing(2025, 1, 8), "1000.00")
    offsite_settlement(store, "S2", "511621196001010012", "511621", "511602", "H51160200001",
                       beijing(2025, 1, 9), "300.00")
    assert isinstance(clear_month("2025-01", store=store, now=datetime(2026, 1, 1, tzinfo=UTC)),
                      Cleared)
    passwords = {}
    for name, (role, region) in USERS.items():
        issued = accounts.add_user(name, role, region, actor="test", store=store)
        assert isinstance(issued, accounts.Issued)
        passwords[name] = issued.secret
    with serving(create_app(store)) as url, httpx.Client(base_url=url, timeout=30) as client:
        yield client, passwords
    store.dispose()


def _api(live: tuple[httpx.Client, dict[str, str]], who: str, **params: str) -> httpx.Response:
    client, passwords = live
    token = client.post("/api/v1/session",
                        json={"username": who, "password": passwords[who]}).json()["token"]
    return client.get("/api/v1/offsite/clearing", params=params,
                      headers={"Authorization": f"Bearer {token}"})


def test_api_answers_the_readers_pairs(live: tuple[httpx.Client, dict[str, str]]) -> None:
    answer = _api(live, "linshui", month="2025-01")
    assert answer.status_code == 200, answer.text
    doc = answer.json()
    assert [(p["care_region"], p["insured_region"], p["due"]) for p in doc["pairs"]] == [
        ("511602", "511623", "3000.00")]
    assert doc["net"] == {"511602": "3000.00", "511623": "-3000.00"}
    assert doc["prepayments"] == [{"care_region": "511602", "insured_region": "511623",
                                   "month": "2025-01", "prepayment": "2000.00"}]
    wide = _api(live, "province", month="2025-01").json()
    assert len(wide["pairs"]) == 2 and wide["net"]["511602"] == "3900.00"
    assert _api(live, "yuechi").json()["pairs"][0]["insured_region"] == "511621"


def test_api_refuses_role_and_bad_month(live: tuple[httpx.Client, dict[str, str]]) -> None:
    assert _api(live, "handler", month="2025-01").status_code == 403
    assert _api(live, "linshui", month="2025-13").status_code == 422


def test_console_page_and_excel(live: tuple[httpx.Client, dict[str, str]]) -> None:
    client, passwords = live
    login = client.post("/console/login", data={"username": "province",
                                                "password": passwords["province"]},
                        follow_redirects=False)
    assert login.status_code == 303
    page = client.get("/console/offsite/clearing", params={"month": "2025-01"})
    assert page.status_code == 200
    assert "异地就医清算单" in page.text and "511621" in page.text and "3900.00" in page.text
    assert "四川省岳池县（511621）" in page.text  # regions named from the national table
    assert "各清算对预付金余额" in page.text
    book = client.get("/console/offsite/clearing.xlsx", params={"month": "2025-01"})
    assert book.status_code == 200 and book.headers["content-type"].startswith(XLSX)
    assert book.content[:2] == b"PK"
