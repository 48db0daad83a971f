"""Separation of duties on money, over real HTTP on SQLite and PostgreSQL: the person who opened
a review cannot confirm the case alone, a recovery above the hit's amount needs a second person
with the auditor role (复审), administrators do not work cases (API and console), and an absurd
amount is a clear 422, never a 500.

Reproductions of issue #12 item 7: before the fix a single handler confirmed an 80-yuan hit with
a recovery of 50,000,000.00 (posted to the ledger), an administrator could confirm, and
99999999999999999.99 overflowed the database into a 500.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.api.conftest import USERS, live_server
from tests.services.population import RESIDENT, visit
from yibao.services import cases
from yibao.services.settle_service import Settled, settle_committed
from yibao.store import Store
from yibao.supervise.model import Hit
from yibao.web.session import csrf_of

#: One case per rule on the settled visit, each on its 80.00-yuan line (feedetl_sn 2).
RULES = [f"R{n:03d}" for n in range(1, 9)]
HIT_AMOUNT = "80.00"
MORE_USERS = {"handler2": ("handler", "511623"), "auditor1": ("auditor", "511623"),
              "auditor2": ("auditor", "511623")}


@dataclass
class Queue:
    url: str
    passwords: dict[str, str]
    free: list[str]
    tokens: dict[str, str] = field(default_factory=dict)

    def case(self) -> str:
        return self.free.pop()

    def auth(self, who: str) -> dict[str, str]:
        if who not in self.tokens:
            answer = httpx.post(f"{self.url}/api/v1/session",
                                json={"username": who, "password": self.passwords[who]})
            assert answer.status_code == 200, answer.text
            self.tokens[who] = answer.json()["token"]
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def move(self, who: str, case_id: str, to: str, **body: Any) -> httpx.Response:
        return httpx.post(f"{self.url}/api/v1/audit/cases/{case_id}/moves",
                          json={"to": to, **body}, headers=self.auth(who), timeout=30)


def _open_cases(store: Store) -> None:
    settled = settle_committed(visit(RESIDENT, "CASE-1"), store=store)
    assert isinstance(settled, Settled), settled
    hits = [Hit(rule, "CASE-1", 2) for rule in RULES]
    opened = cases.open_cases("511623", 2024, actor="test", hits=hits, store=store)
    assert opened.opened == len(RULES)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def queue(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[Queue]:
    with live_server(request.param, tmp_path_factory.mktemp("cases"), USERS | MORE_USERS,
                     _open_cases) as (live, _url):
        ids = [cases.case_id_of("511623", 2024, rule, "CASE-1") for rule in RULES]
        yield Queue(live.url, live.passwords, ids)


def _reviewed(q: Queue, by: str = "county") -> str:
    case_id = q.case()
    answer = q.move(by, case_id, "under_review", note="初审")
    assert answer.status_code == 200, answer.text
    assert answer.json()["amount"] == HIT_AMOUNT
    return case_id


def test_the_reviewer_cannot_confirm_alone(queue: Queue) -> None:
    case_id = _reviewed(queue)
    answer = queue.move("county", case_id, "confirmed", amount="50000000.00")
    assert answer.status_code == 403, answer.text
    assert answer.json()["detail"]["reason"] == "same_person"
    answer = queue.move("county", case_id, "confirmed")  # not even within the hit's amount
    assert answer.json()["detail"]["reason"] == "same_person"
    detail = httpx.get(f"{queue.url}/api/v1/audit/cases/{case_id}",
                       headers=queue.auth("county")).json()
    assert detail["state"] == "under_review" and detail["recovery_txn_id"] is None


def test_a_second_handler_confirms_within_the_hit(queue: Queue) -> None:
    case_id = _reviewed(queue)
    above = queue.move("handler2", case_id, "confirmed", amount="50000000.00")
    assert above.status_code == 403, above.text
    assert above.json()["detail"]["reason"] == "second_review_needed"
    within = queue.move("handler2", case_id, "confirmed", amount="60.00", note="复审")
    assert within.status_code == 200, within.text
    done = within.json()
    assert done["state"] == "confirmed" and done["amount"] == "60.00"
    assert done["recovery_txn_id"].startswith("RC")
    assert [e["by"] for e in done["trail"]] == ["county", "handler2"]


def test_the_trail_is_in_beijing_time(queue: Queue) -> None:
    case_id = _reviewed(queue)
    detail = httpx.get(f"{queue.url}/api/v1/audit/cases/{case_id}",
                       headers=queue.auth("county")).json()
    assert detail["created_at"].endswith("+08:00")
    assert detail["trail"] and all(e["at"].endswith("+08:00") for e in detail["trail"]), \
        detail["trail"]


def test_an_auditor_approves_a_larger_recovery(queue: Queue) -> None:
    case_id = _reviewed(queue)
    answer = queue.move("auditor1", case_id, "confirmed", amount="120.00", note="复审批准")
    assert answer.status_code == 200, answer.text
    assert answer.json()["amount"] == "120.00"
    assert answer.json()["recovery_txn_id"].startswith("RC")


@pytest.mark.parametrize("amount", ["99999999999999999.99", "100000000.01", "1e30", "abc",
                                    "-5", "0"])
def test_an_absurd_amount_is_a_clear_refusal(queue: Queue, amount: str) -> None:
    case_id = queue.free[1]  # one case for every amount (cases are popped from the end)
    state = httpx.get(f"{queue.url}/api/v1/audit/cases/{case_id}",
                      headers=queue.auth("county")).json()["state"]
    if state == "new":
        assert queue.move("county", case_id, "under_review").status_code == 200
    answer = queue.move("auditor2", case_id, "confirmed", amount=amount)
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"]["reason"] in {"invalid", "amount_too_large",
                                                 "amount_needed"}
    assert "message" in answer.json()["detail"]


def test_administrators_do_not_work_cases(queue: Queue) -> None:
    case_id = queue.free[0]
    for to in ("under_review", "dismissed"):
        answer = queue.move("admin", case_id, to)
        assert answer.status_code == 403, answer.text
        assert answer.json()["detail"]["reason"] == "forbidden"
    detail = httpx.get(f"{queue.url}/api/v1/audit/cases/{case_id}",
                       headers=queue.auth("admin")).json()
    assert detail["moves"] == []  # an administrator reads the case, and is offered no move


def test_administrators_do_not_work_cases_in_the_console(queue: Queue) -> None:
    case_id = queue.free[0]
    with httpx.Client(base_url=queue.url, timeout=30) as client:
        login = client.post("/console/login", data={"username": "admin",
                                                    "password": queue.passwords["admin"]})
        assert login.status_code == 303, login.text
        page = client.get(f"/console/cases/{case_id}")
        assert page.status_code == 200 and "开始审核</button>" not in page.text
        token = client.cookies.get("yibao_console")
        assert token is not None
        moved = client.post(f"/console/cases/{case_id}/move",
                            data={"csrf": csrf_of(token), "to": "under_review", "note": ""})
        assert moved.status_code == 403, moved.text
    assert httpx.get(f"{queue.url}/api/v1/audit/cases/{case_id}",
                     headers=queue.auth("county")).json()["state"] == "new"


def test_the_console_refuses_the_reviewer_confirming_alone(queue: Queue) -> None:
    case_id = _reviewed(queue)
    with httpx.Client(base_url=queue.url, timeout=30) as client:
        login = client.post("/console/login", data={"username": "county",
                                                    "password": queue.passwords["county"]})
        assert login.status_code == 303, login.text
        token = client.cookies.get("yibao_console")
        assert token is not None
        moved = client.post(f"/console/cases/{case_id}/move", data={
            "csrf": csrf_of(token), "to": "confirmed", "amount": "50000000.00", "note": ""})
        assert moved.status_code == 409, moved.text
        assert "不能独自确认违规" in moved.text
    detail = httpx.get(f"{queue.url}/api/v1/audit/cases/{case_id}",
                       headers=queue.auth("county")).json()
    assert detail["state"] == "under_review" and detail["recovery_txn_id"] is None
