"""The bureau API's 依申请救助 routes and the console's pages on a live server (SQLite and
PostgreSQL): a handler records and decides an application, the queue pages, filters and exports,
the audit trail shows who did what; refusals are Problems (422 input, 403 role or scope, 404
outside the scope, 409 decided already) and write nothing; the console checks the CSRF token."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from tests.api.conftest import Live, live_server
from tests.assist.conftest import enroll_assist
from tests.assist.helpers import settle_on
from tests.offsite.test_filing_console import console_login
from tests.services.population import CITY, DIBAO, RESIDENT, TEKUN
from yibao.services import assist
from yibao.services.assist import AssistRefused
from yibao.store import Store

USERS = {"county": ("handler", "511623"), "other": ("handler", "511602"),
         "auditor": ("auditor", "511623")}


def _prepare(store: Store, folder: Any) -> None:
    enroll_assist(store, folder)
    settle_on(store, RESIDENT, "A1", "30000.00", date(2025, 5, 10))
    settle_on(store, RESIDENT, "A2", "12000.00", date(2025, 6, 10))
    settle_on(store, DIBAO, "B1", "5000.00", date(2025, 7, 1))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def live_assist(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                ) -> Iterator[Live]:
    folder = tmp_path_factory.mktemp("assist")
    with live_server(request.param, folder, USERS,
                     lambda store: _prepare(store, folder)) as (served, _url):
        yield served


def _post(live: Live, path: str, who: str, body: dict[str, Any]) -> httpx.Response:
    if who not in live.tokens:
        live.tokens[who] = live.token(who)
    return httpx.post(f"{live.url}{path}", json=body, timeout=30,
                      headers={"Authorization": f"Bearer {live.tokens[who]}"})


def _total(live: Live) -> int:
    page = assist.applications(store=live.store)
    assert not isinstance(page, AssistRefused)
    return page.total


def test_api_apply_decide_queue_trail_and_monitor(live_assist: Live) -> None:
    live = live_assist
    made = _post(live, "/api/v1/assist/applications", "county",
                 {"psn_no": RESIDENT, "income": "15000", "applied_on": "2025-11-30"})
    assert made.status_code == 201, made.text
    app_id = made.json()["app_id"]
    assert made.json()["state"] == "applied" and made.json()["applied_by"] == "api:county"
    queued = live.get("/api/v1/assist/applications", "auditor", state="applied")
    assert queued.status_code == 200 and app_id in [a["app_id"] for a in queued.json()["items"]]
    assert live.get("/api/v1/assist/applications", "other").json()["total"] == 0  # scope
    denied = _post(live, f"/api/v1/assist/applications/{app_id}/decide", "auditor",
                   {"decision": "approve"})
    assert denied.status_code == 403, denied.text
    hidden = _post(live, f"/api/v1/assist/applications/{app_id}/decide", "other",
                   {"decision": "approve"})
    assert hidden.status_code == 404, hidden.text
    done = _post(live, f"/api/v1/assist/applications/{app_id}/decide", "county",
                 {"decision": "approve"})
    assert done.status_code == 200, done.text
    # B = 9948.75; t = 8000; (9948.75 − 8000) × 0.5 = 974.375 → 974.38
    assert (done.json()["state"], done.json()["grant"]) == ("granted", "974.38")
    twice = _post(live, f"/api/v1/assist/applications/{app_id}/decide", "county",
                  {"decision": "refuse", "reason": "复核"})
    assert twice.status_code == 409 and twice.json()["detail"]["reason"] == "already_decided"
    shown = live.get(f"/api/v1/assist/applications/{app_id}", "auditor")
    assert shown.status_code == 200
    assert [e["action"] for e in shown.json()["trail"]] == ["assist.apply", "assist.decide"]
    assert [e["actor"] for e in shown.json()["trail"]] == ["api:county", "api:county"]
    watched = live.get("/api/v1/assist/monitor", "auditor", year=2025)
    assert watched.status_code == 200 and watched.json() == assist.monitor(2025,
                                                                          store=live.store)
    assert live.get("/api/v1/assist/monitor", "auditor", year=1).status_code == 422


@pytest.mark.parametrize(("body", "status", "words"), [
    ({"psn_no": TEKUN, "income": "-5", "applied_on": "2025-11-30"}, 422, "家庭年收入"),
    ({"psn_no": TEKUN, "income": "5", "applied_on": "2025-02-30"}, 422, "申请日期"),
    ({"psn_no": CITY, "income": "5", "applied_on": "2025-11-30"}, 404, "管辖范围"),  # not revealed
    ({"psn_no": "110101199001011234", "income": "5", "applied_on": "2025-11-30"}, 404,
     "没有参保人"),
])
def test_api_refusals_write_nothing(live_assist: Live, body: dict[str, str], status: int,
                                    words: str) -> None:
    before = _total(live_assist)
    answer = _post(live_assist, "/api/v1/assist/applications", "county", body)
    assert answer.status_code == status, answer.text
    assert words in answer.json()["detail"]["message"]
    assert _total(live_assist) == before
    bad = _post(live_assist, "/api/v1/assist/applications", "county",
                {**body, "psn_no": "../x"})
    assert bad.status_code == 422


def test_console_queue_apply_decide_export(live_assist: Live) -> None:
    client, csrf = console_login(live_assist, "county")
    start = client.get("/console/assist")
    assert start.status_code == 200 and "申请队列" in start.text and "登记申请" in start.text
    assert "/console/assist" in client.get("/console/").text  # the nav link
    made = client.post("/console/assist", data={"csrf": csrf, "psn_no": DIBAO,
                                                "income": "1000", "applied_on": "2025-11-30"})
    assert made.status_code == 200 and "已登记医疗救助申请" in made.text, made.text
    page = assist.applications(psn_no=DIBAO, store=live_assist.store)
    assert not isinstance(page, AssistRefused)
    (item,) = page.items
    detail = client.get(f"/console/assist/{item.app_id}")
    assert detail.status_code == 200 and "审核通过并核定" in detail.text
    forged = client.post(f"/console/assist/{item.app_id}/decide",
                         data={"csrf": "forged", "decision": "approve"})
    assert forged.status_code == 400
    decided = client.post(f"/console/assist/{item.app_id}/decide",
                          data={"csrf": csrf, "decision": "approve", "reason": ""})
    assert decided.status_code == 303
    shown = client.get(decided.headers["location"])
    # DIBAO holds dibao, which the policy names: refused by the rule, shown with its reason
    assert "已属医疗救助对象" in shown.text and "assist.decide" in shown.text
    assert "console:county" in shown.text and "审核通过并核定" not in shown.text
    again = client.post(f"/console/assist/{item.app_id}/decide",
                        data={"csrf": csrf, "decision": "approve"})
    assert again.status_code == 409 and "不能重复审核" in again.text
    refused = client.post("/console/assist", data={"csrf": csrf, "psn_no": DIBAO,
                                                   "income": "x", "applied_on": "2025-11-30"})
    assert refused.status_code == 422 and "家庭年收入" in refused.text
    assert f"value='{DIBAO}'" in refused.text  # the form keeps what was typed
    filtered = client.get("/console/assist", params={"state": "refused", "year": "2025"})
    assert filtered.status_code == 200 and DIBAO in filtered.text
    assert client.get("/console/assist", params={"state": "applied", "year": "2024"}
                      ).text.count("没有符合条件") == 1
    book = client.get("/console/assist/export.xlsx", params={"state": "refused"})
    assert book.status_code == 200, book.text
    rows = list(load_workbook(io.BytesIO(book.content), read_only=True).active.values)
    assert rows[0][:2] == ("编号", "参保人") and any(r[1] == DIBAO for r in rows[1:])
    assert all(r[6] == "未通过" for r in rows[1:])


def test_console_auditor_reads_only(live_assist: Live) -> None:
    client, csrf = console_login(live_assist, "auditor")
    start = client.get("/console/assist")
    assert start.status_code == 200 and "只有经办人员" in start.text
    denied = client.post("/console/assist", data={"csrf": csrf, "psn_no": TEKUN,
                                                  "income": "1", "applied_on": "2025-11-30"})
    assert denied.status_code == 403 and "无权" in denied.text
    other, _ = console_login(live_assist, "other")
    page = assist.applications(store=live_assist.store)
    assert not isinstance(page, AssistRefused)
    for item in page.items:
        assert other.get(f"/console/assist/{item.app_id}").status_code == 404
