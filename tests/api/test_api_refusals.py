"""The national interface refuses, over real HTTP: an unknown institution, a bad or stale
signature, a missing field, another institution's visit, an envelope for another institution,
and a msgid replayed with a different body; health, readiness and request ids answer."""

from __future__ import annotations

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.api.conftest import Live
from tests.services.population import CLINIC, HOSPITAL, RESIDENT, UNREGISTERED
from yibao.services import accounts


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


def test_nul_characters_refused_everywhere(live: Live) -> None:
    """No database text holds a NUL (PostgreSQL refuses it): the envelope, a query, a login and
    a console form carrying one are refused as bad input, never a server error."""
    inner = live.call("1101", {"data": {"psn_no": RESIDENT + "\x00"}})
    assert inner.status_code == 400 and inner.json()["err_code"] == "invalid_request"
    assert "\\u0000" in inner.json()["err_msg"]
    query = live.get("/api/v1/persons", "county", name="张\x00")
    assert query.status_code == 400 and query.json()["detail"]["reason"] == "invalid_request"
    login = httpx.post(f"{live.url}/api/v1/session", json={"username": "a\x00", "password": "x"})
    assert login.status_code == 422
    form = httpx.post(f"{live.url}/console/login", content=b"username=a%00&password=x",
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert form.status_code == 400


def test_secret_rotation_takes_effect_at_once(live: Live) -> None:
    """The server remembers secrets for a while; a rotated secret is accepted at once and, in
    the process that rotated it, the old one is refused at once."""
    assert live.call("1101", {"data": {"psn_no": RESIDENT}}, code=CLINIC).status_code == 200
    issued = accounts.add_institution_secret(CLINIC, actor="test", rotate=True,
                                             store=live.store)
    assert isinstance(issued, accounts.Issued)
    old, live.secrets[CLINIC] = live.secrets[CLINIC], issued.secret
    fresh = live.call("1101", {"data": {"psn_no": RESIDENT}}, code=CLINIC)
    assert fresh.status_code == 200 and fresh.json()["infcode"] == 0
    stale = live.call("1101", {"data": {"psn_no": RESIDENT}}, code=CLINIC, secret=old)
    assert stale.status_code == 401 and stale.json()["err_code"] == "bad_signature"


def _settleable(live: Live) -> dict[str, str]:
    mdtrt_id = _register(live)
    done = live.call("2204", {"feedetail": [{
        "feedetl_sn": "1", "mdtrt_id": mdtrt_id, "chrg_itm_lv": "01", "med_list_codg": "X1",
        "cnt": "2", "pric": "40.00"}]}).json()
    assert done["infcode"] == 0, done
    return {"psn_no": RESIDENT, "mdtrt_id": mdtrt_id}


def test_settlement_msgid_replayed_refused_or_answered(live: Live) -> None:
    """Settlement reads its msgid with the visit: a refusal is replayed as kept, a changed
    body under a used msgid is refused, and the settled answer is replayed byte for byte."""
    data = _settleable(live)
    msgid = uuid.uuid4().hex
    refused = live.call("2207", {"data": {"mdtrt_id": data["mdtrt_id"]}}, msgid=msgid).json()
    assert refused["err_code"] == "invalid_request"
    assert live.call("2207", {"data": {"mdtrt_id": data["mdtrt_id"]}}, msgid=msgid
                     ).json() == refused
    changed = live.call("2207", {"data": data}, msgid=msgid)
    assert changed.status_code == 409 and changed.json()["err_code"] == "msgid_conflict"
    msgid = uuid.uuid4().hex
    settled = live.call("2207", {"data": data}, msgid=msgid)
    assert settled.json()["infcode"] == 0
    assert live.call("2207", {"data": data}, msgid=msgid).content == settled.content
    other = live.call("2207", {"data": {**data, "medfee_sumamt": "1.00"}}, msgid=msgid)
    assert other.status_code == 409


def test_concurrent_settlements_under_one_msgid(live: Live) -> None:
    """Eight concurrent copies of one settlement message: one settlement, one answer kept and
    every copy answered with it."""
    data = _settleable(live)
    msgid = uuid.uuid4().hex
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: live.call("2207", {"data": data}, msgid=msgid),
                                range(8)))
    assert {a.status_code for a in answers} == {200}
    assert len({a.content for a in answers}) == 1, [a.text[:120] for a in answers]
    assert answers[0].json()["infcode"] == 0
    with live.store.engine.connect() as connection:
        count = connection.exec_driver_sql(
            "SELECT count(*) FROM settlements WHERE mdtrt_id = ?"
            if live.store.dialect == "sqlite" else
            "SELECT count(*) FROM settlements WHERE mdtrt_id = %s", (data["mdtrt_id"],)
        ).scalar_one()
    assert count == 1
