"""Money through the national interface cannot be settled, changed or reversed twice: a
settlement asked for again after its reversal is refused, a settled visit is closed to changes,
and concurrent reversals, registrations and settlement lists answer once and never 500 — over
real HTTP on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from typing import Any

from tests.api.conftest import Live
from tests.api.test_api_national_flow import fee, ok
from tests.services.population import RESIDENT


def _refused(answer: Any, code: str) -> dict[str, Any]:
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["infcode"], body["err_code"]) == (-1, code), body
    return dict(body)


def _outpatient(live: Live, amount: str = "30.00") -> tuple[str, dict[str, str]]:
    """A registered outpatient visit with one fee line; the settlement request's data."""
    reg = ok(live.call("2201", {"data": {"psn_no": RESIDENT, "insutype": "390",
                                         "begntime": "2024-03-09 08:00:00",
                                         "ipt_otp_no": uuid.uuid4().hex[:12]}}))["data"]
    mdtrt_id = reg["mdtrt_id"]
    ok(live.call("2204", {"feedetail": [fee(mdtrt_id, "1", "01", "1", amount)]}))
    return mdtrt_id, {"psn_no": RESIDENT, "mdtrt_id": mdtrt_id}


def test_a_reversed_settlement_is_not_answered_as_settled(live: Live) -> None:
    _, data = _outpatient(live)
    msgid = uuid.uuid4().hex
    settled = ok(live.call("2207", {"data": data}, msgid=msgid))["setlinfo"]
    ok(live.call("2208", {"data": {**data, "setl_id": settled["setl_id"]}}))
    again = _refused(live.call("2207", {"data": data}), "already_reversed")
    assert settled["setl_id"] in again["err_msg"] and "2201" in again["err_msg"]
    assert ok(live.call("2207", {"data": data}, msgid=msgid))["setlinfo"] == settled
