"""A write that loses every attempt of `Store.transaction` to concurrent writes (`Conflict`) is a
refusal to try again, never a 500: the national interface answers it in its envelope (infcode
-1, `concurrent_conflict`, kept under no msgid, so the same message can be sent again), the REST
API with 409 and a zh-CN message. The race is forced by making every attempt's insert lose (the
unique key "taken meanwhile"), so `Store.transaction` really retries and gives up; on SQLite and
PostgreSQL."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy.exc import IntegrityError

from tests.api.conftest import Live
from tests.services.population import RESIDENT
from yibao.services import cases
from yibao.store.interface import InterfaceRepository
from yibao.store.uow import MAX_ATTEMPTS


class Lost:
    """A stand-in for a write that a concurrent writer always beats; counts the attempts."""

    def __init__(self) -> None:
        self.attempts = 0

    def __call__(self, *_args: Any, **_kwargs: Any) -> None:
        self.attempts += 1
        raise IntegrityError("INSERT …", {}, Exception("duplicate key value (concurrent)"))


def _register(live: Live, msgid: str, number: str) -> httpx.Response:
    return live.call("2201", {"data": {"psn_no": RESIDENT, "insutype": "390",
                                       "begntime": "2024-03-09 08:00:00",
                                       "ipt_otp_no": number}}, msgid=msgid)


def test_the_interface_refuses_in_its_envelope(live: Live, monkeypatch: pytest.MonkeyPatch
                                               ) -> None:
    lost, msgid, number = Lost(), uuid.uuid4().hex, uuid.uuid4().hex[:12]
    monkeypatch.setattr(InterfaceRepository, "add_visit", lost)
    answer = _register(live, msgid, number)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["infcode"], body["err_code"]) == (-1, "concurrent_conflict"), body
    assert "冲突" in body["err_msg"] and "重试" in body["err_msg"]
    assert lost.attempts == MAX_ATTEMPTS
    monkeypatch.undo()  # the race is over: the same message now registers the visit
    again = _register(live, msgid, number).json()
    assert again["infcode"] == 0, again
    assert again["output"]["data"]["mdtrt_id"]


def test_the_api_answers_409(live: Live, monkeypatch: pytest.MonkeyPatch) -> None:
    lost = Lost()

    def move_case(*_args: Any, store: Any, **_kwargs: Any) -> Any:
        return store.transaction(lost)

    monkeypatch.setattr(cases, "move_case", move_case)
    answer = httpx.post(f"{live.url}/api/v1/audit/cases/ANY/moves", json={"to": "under_review"},
                        headers={"Authorization": f"Bearer {live.token('county')}"})
    assert answer.status_code == 409, answer.text
    detail = answer.json()["detail"]
    assert detail["reason"] == "concurrent_conflict"
    assert "冲突" in detail["message"] and "重试" in detail["message"]
    assert lost.attempts == MAX_ATTEMPTS
