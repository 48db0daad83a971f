"""The national interface refuses, over real HTTP: an unknown institution, a bad or stale
signature, a missing field, another institution's visit, an envelope for another institution,
and a msgid replayed with a different body; health, readiness and request ids answer."""

from __future__ import annotations

import json
import time
import uuid

import httpx

from tests.api.conftest import Live
from tests.services.population import CLINIC, HOSPITAL, RESIDENT, UNREGISTERED


def _register(live: Live, code: str = HOSPITAL) -> str:
    answer = live.call("2201", {"data": {"psn_no": RESIDENT, "insutype": "390",
                                         "begntime": "2024-03-10", "ipt_otp_no":
                                         uuid.uuid4().hex[:10]}}, code=code).json()
    assert answer["infcode"] == 0, answer
    return str(answer["output"]["data"]["mdtrt_id"])


def test_unknown_institution(live: Live) -> None:
    answer = live.call("1101", {"data": {"psn_no": RESIDENT}}, code=UNREGISTERED)
    assert answer.status_code == 401
    assert answer.json()["err_code"] == "unknown_institution"


def test_bad_signature(live: Live) -> None:
    answer = live.call("1101", {"data": {"psn_no": RESIDENT}}, secret="0" * 64)
    assert answer.status_code == 401 and answer.json()["err_code"] == "bad_signature"


def test_stale_timestamp(live: Live) -> None:
    body = json.dumps({"infno": "1101", "msgid": "m1", "fixmedins_code": HOSPITAL,
                       "input": {"data": {"psn_no": RESIDENT}}}).encode()
    answer = live.post(body, HOSPITAL, timestamp=int(time.time()) - 301)
    assert answer.status_code == 401 and answer.json()["err_code"] == "stale_timestamp"


def test_unsigned(live: Live) -> None:
    answer = httpx.post(f"{live.url}/fsi/api/rsfComIfsService/callService", json={})
    assert answer.status_code == 401 and answer.json()["err_code"] == "unsigned"


def test_missing_field(live: Live) -> None:
    body = json.dumps({"infno": "1101", "fixmedins_code": HOSPITAL,
                       "input": {"data": {"psn_no": RESIDENT}}}).encode()
    envelope = live.post(body, HOSPITAL)
    assert envelope.status_code == 400 and "msgid" in envelope.json()["err_msg"]
    inner = live.call("2201", {"data": {"psn_no": RESIDENT, "insutype": "390"}}).json()
    assert inner["infcode"] == -1 and inner["err_code"] == "invalid_request"
    assert inner["err_msg"].startswith("input.data.ipt_otp_no")


def test_envelope_for_another_institution(live: Live) -> None:
    body = json.dumps({"infno": "1101", "msgid": "x1", "fixmedins_code": CLINIC,
                       "input": {"data": {"psn_no": RESIDENT}}}).encode()
    answer = live.post(body, HOSPITAL)
    assert answer.status_code == 403 and answer.json()["err_code"] == "other_institution"


def test_visit_of_another_institution(live: Live) -> None:
    mdtrt_id = _register(live, CLINIC)
    for infno, payload in (
        ("2204", {"feedetail": [{"feedetl_sn": "1", "mdtrt_id": mdtrt_id, "chrg_itm_lv": "01",
                                 "med_list_codg": "X1", "cnt": "1", "pric": "1.00"}]}),
        ("2207", {"data": {"psn_no": RESIDENT, "mdtrt_id": mdtrt_id}}),
        ("3101", {"data": {"psn_no": RESIDENT, "mdtrt_id": mdtrt_id}}),
    ):
        answer = live.call(infno, payload).json()
        assert answer["err_code"] == "other_institution", (infno, answer)


def test_replayed_msgid_with_another_body(live: Live) -> None:
    msgid = uuid.uuid4().hex
    first = live.call("1101", {"data": {"psn_no": RESIDENT}}, msgid=msgid)
    same = live.call("1101", {"data": {"psn_no": RESIDENT}}, msgid=msgid)
    assert first.json() == same.json()
    changed = live.call("1101", {"data": {"psn_no": RESIDENT, "x": 1}}, msgid=msgid)
    assert changed.status_code == 409 and changed.json()["err_code"] == "msgid_conflict"


def test_fee_line_checked_by_the_engine(live: Live) -> None:
    mdtrt_id = _register(live)
    answer = live.call("2204", {"feedetail": [{
        "feedetl_sn": "1", "mdtrt_id": mdtrt_id, "chrg_itm_lv": "01", "med_list_codg": "X1",
        "cnt": "-1", "pric": "1.00"}]}).json()
    assert answer["err_code"] == "invalid_request"
    assert answer["err_msg"].startswith("input.feedetail[0].cnt")


def test_unknown_transaction(live: Live) -> None:
    assert live.call("9999", {}).json()["err_code"] == "unknown_infno"


def test_health_ready_and_request_id(live: Live) -> None:
    health = httpx.get(f"{live.url}/health")
    assert health.json() == {"status": "ok"} and len(health.headers["x-request-id"]) == 32
    ready = httpx.get(f"{live.url}/ready", headers={"X-Request-ID": "trace-12345678"})
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    assert ready.headers["x-request-id"] == "trace-12345678"
