"""The faces of the flows and rates: `GET /api/v1/offsite/flows` and the console page
`/console/offsite/flows` (with its Excel export) over the hand-made set, each in the reader's
scope — a county its own insured's rates and the flows out of and into it, a city its
counties, a region outside the scope refused."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests.offsite.test_rates_store import YEAR, seed_flows
from yibao.server.app import create_app
from yibao.services import accounts
from yibao.store import Store
from yibao.store.migrate import upgrade

USERS = {"county": ("handler", "511623"), "city": ("director", "511600"),
         "other": ("auditor", "511602")}


class Faces:
    def __init__(self, client: TestClient, passwords: dict[str, str]) -> None:
        self.client, self.passwords, self.tokens = client, passwords, {}

    def api(self, who: str, **params: object) -> tuple[int, Any]:
        if who not in self.tokens:
            answer = self.client.post("/api/v1/session", json={
                "username": who, "password": self.passwords[who]})
            self.tokens[who] = answer.json()["token"]
        got = self.client.get("/api/v1/offsite/flows", params=params,
                              headers={"Authorization": f"Bearer {self.tokens[who]}"})
        return got.status_code, got.json()

    def console(self, who: str, path: str) -> tuple[int, bytes]:
        with TestClient(self.client.app) as browser:
            signed = browser.post("/console/login", data={
                "username": who, "password": self.passwords[who]}, follow_redirects=False)
            assert signed.status_code == 303
            got = browser.get(path)
            return got.status_code, got.content


@pytest.fixture(scope="module")
def faces(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Faces]:
    folder: Path = tmp_path_factory.mktemp("flows")
    store = Store(f"sqlite:///{folder / 'faces.db'}")
    upgrade(store)
    seed_flows(store)
    passwords = {}
    for name, (role, region) in USERS.items():
        issued = accounts.add_user(name, role, region, actor="test", store=store)
        assert isinstance(issued, accounts.Issued)
        passwords[name] = issued.secret
    with TestClient(create_app(store)) as client:
        yield Faces(client, passwords)
    store.dispose()


def test_api_county_sees_its_own_rates_and_flows(faces: Faces) -> None:
    status, doc = faces.api("county", year=YEAR)
    assert status == 200 and doc["scope"] == "511623" and doc["target"] == "0.70"
    assert [r["region"] for r in doc["regions"]] == ["511623"]
    # Linshui's own stays: cross-province 1 of 3, in-province 5 of 6 (test_offsite_rates)
    assert doc["cross_province_direct_rate"] == "0.333333"
    assert doc["in_province_direct_rate"] == "0.833333"
    pairs = [(f["insured_region"], f["care_region"]) for f in doc["flows"]]
    assert pairs == [("511602", "511623"), ("511623", "500112"), ("511623", "510107"),
                     ("511623", "511602")]  # Guang'an's insured treated in Linshui, and out
    out = {f["care_region"]: f for f in doc["flows"]
           if f["insured_region"] == "511623"}
    assert out["511602"]["medfee"] == "5350.00" and out["500112"]["manual"] == 2


def test_api_city_sees_its_counties_and_refusals(faces: Faces) -> None:
    status, doc = faces.api("city")
    assert status == 200 and doc["year"] == YEAR
    assert [r["region"] for r in doc["regions"]] == [
        "511602", "511621", "511623"]
    assert doc["in_province_direct_rate"] == "0.875000"  # (5 + 2) / (6 + 2)
    yuechi = doc["regions"][1]
    assert yuechi["cross_province_direct_rate"] is None
    assert yuechi["in_province_direct_rate"] is None
    status, other = faces.api("other", year=YEAR)
    assert status == 200 and [r["region"] for r in other["regions"]] == [
        "511602"]
    assert faces.api("county", region="511602")[0] == 403
    assert faces.api("county", region="51162x")[0] == 422
    assert faces.api("county", year=20240)[0] == 422


def test_console_page_and_export(faces: Faces) -> None:
    status, page = faces.console("county", f"/console/offsite/flows?year={YEAR}")
    text = page.decode()
    assert status == 200 and "异地就医流向与直接结算率" in text
    assert "<svg" in text and "33.33%" in text and "83.33%" in text
    assert "/console/offsite/clearing" in text
    assert "511621" not in text  # Yuechi is outside Linshui's flows
    assert "四川省广安区（511602）" in text  # regions named from the national table
    status, book = faces.console("city", f"/console/offsite/flows.xlsx?year={YEAR}")
    assert status == 200
    sheets = load_workbook(io.BytesIO(book))
    matrix = list(sheets["流向矩阵"].values)
    assert matrix[0][:3] == ("参保地", "就医地", "类别") and len(matrix) == 1 + 5
    rates = {r[0]: r for r in list(sheets["直接结算率"].values)[1:]}
    assert set(rates) == {"511602", "511621", "511623", "合计"}
    assert rates["合计"][4] == pytest.approx(0.875)
    status, _ = faces.console("county", "/console/offsite/flows?year=1")
    assert status == 422
