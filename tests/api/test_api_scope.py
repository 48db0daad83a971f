"""The bureau API shows each user only the regions in their scope and the data their role
may read: a county its county, a city its counties, the province all; other regions are
refused or not found; sessions are required, expire with logout, and writes are logged."""

from __future__ import annotations

import httpx

from tests.api.conftest import Live
from tests.services.population import CITY, RESIDENT


def test_login_required_and_bad_password(live: Live) -> None:
    assert httpx.get(f"{live.url}/api/v1/persons").status_code == 401
    wrong = httpx.post(f"{live.url}/api/v1/session",
                       json={"username": "county", "password": "guess"})
    assert wrong.status_code == 401


def test_persons_by_scope(live: Live) -> None:
    county = live.get("/api/v1/persons", "county", limit=100).json()
    assert {p["region"] for p in county["items"]} == {"511623"}
    city = live.get("/api/v1/persons", "city", limit=100).json()
    assert {p["region"] for p in city["items"]} == {"511623", "511602"}
    other = live.get("/api/v1/persons", "other", limit=100).json()
    assert [p["id_number"] for p in other["items"]] == [CITY]
    assert live.get("/api/v1/persons", "province").json()["total"] == city["total"]


def test_other_region_refused_or_hidden(live: Live) -> None:
    assert live.get("/api/v1/persons", "county", region="511602").status_code == 403
    assert live.get(f"/api/v1/persons/{CITY}", "county").status_code == 404
    assert live.get(f"/api/v1/persons/{RESIDENT}", "other").status_code == 404
    assert live.get(f"/api/v1/persons/{RESIDENT}", "county").status_code == 200
    assert live.get("/api/v1/settlements", "other", region="511623").status_code == 403
    assert live.get("/api/v1/enrollments", "other", region="511623").status_code == 403


def test_settlements_only_in_scope(live: Live) -> None:
    for who in ("county", "other", "province"):
        page = live.get("/api/v1/settlements", who, limit=500).json()
        prefix = {"county": "511623", "other": "511602", "province": "51"}[who]
        assert all(s["region"].startswith(prefix) for s in page["items"])
        for item in page["items"][:3]:
            assert live.get(f"/api/v1/settlements/{item['setl_id']}", who).status_code == 200
            if who == "other":
                assert live.get(f"/api/v1/settlements/{item['setl_id']}",
                                "county").status_code == 404


def test_roles(live: Live) -> None:
    assert live.get("/api/v1/funds/balances", "county").status_code == 403
    funds = live.get("/api/v1/funds/balances", "finance").json()
    assert funds["items"] and all(b["region"] == "511623" for b in funds["items"])
    assert live.get("/api/v1/audit/cases", "finance").status_code == 403
    assert live.get("/api/v1/audit/cases", "county").status_code == 200
    cases = live.get("/api/v1/audit/cases", "province").json()
    assert cases["items"] == [] and cases["note"]
    assert live.get("/api/v1/write-log", "county").status_code == 403
    log = live.get("/api/v1/write-log", "admin").json()
    assert {"user.add", "institution.secret", "session.open"} <= {
        e["action"] for e in log["items"]} | {e["action"] for e in live.get(
            "/api/v1/write-log", "admin", limit=500).json()["items"]}


def test_indicators_and_drg(live: Live) -> None:
    indicators = live.get("/api/v1/indicators", "province", year=2024)
    assert indicators.status_code == 200 and indicators.json()["scope"] == "51"
    assert live.get("/api/v1/indicators", "county", year=2024,
                    region="511602").status_code == 403
    assert live.get("/api/v1/drg/results", "county").status_code == 200


def test_logout_ends_the_session(live: Live) -> None:
    token = live.token("county")
    headers = {"Authorization": f"Bearer {token}"}
    assert httpx.delete(f"{live.url}/api/v1/session", headers=headers).status_code == 204
    assert httpx.get(f"{live.url}/api/v1/persons", headers=headers).status_code == 401


def test_openapi_documents_the_api(live: Live) -> None:
    schema = httpx.get(f"{live.url}/api/v1/openapi.json").json()
    assert "/fsi/api/rsfComIfsService/callService" in schema["paths"]
    assert "NationalRequest" in schema["components"]["schemas"]
    assert "/api/v1/settlements/{setl_id}" in schema["paths"]
