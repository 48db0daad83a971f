"""No 500 at the edge of the national interface and no work before authentication: malformed
signature headers, amounts that are not amounts, a lone surrogate, deep nesting, a body over the
limit (declared or streamed), Unicode digits and trailing newlines in msgid and region codes.
Over real HTTP, on SQLite and PostgreSQL; the reading of the body is also watched at the ASGI
level (nothing is read before the headers pass, nothing past the limit)."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from tests.api.conftest import Live
from tests.api.test_api_national_flow import fee
from tests.services.population import HOSPITAL, RESIDENT
from yibao.interface import sign
from yibao.interface.common import MAX_BODY_BYTES, MAX_JSON_DEPTH
from yibao.interface.route import PATH, ROUTE

URL_PATH = "/fsi/api/rsfComIfsService/callService"
NOW = "now"  # replaced by the current Unix time when the test runs


def _headers(timestamp: str | bytes, signature: str | bytes = "0" * 64,
             institution: str | bytes = HOSPITAL) -> dict[str, Any]:
    return {"X-Yibao-Institution": institution, "X-Yibao-Timestamp": timestamp,
            "X-Yibao-Signature": signature, "Content-Type": "application/json"}


@pytest.mark.parametrize("headers", [
    _headers("1" * 5_000),
    _headers(b"\xb9"),  # '¹' in Latin-1: a digit to str.isdigit(), not to int()
    _headers("１７００００００００".encode()),
    _headers(NOW, signature=b"\xe9" * 64),
    _headers(NOW, institution=b"H5116230000\xb9"),
], ids=["5000_digits", "latin1_digit", "fullwidth_digits", "non_ascii_signature",
        "non_ascii_institution"])
def test_malformed_signature_headers_are_401(live: Live, headers: dict[str, Any]) -> None:
    headers = {k: str(int(time.time())) if v == NOW else v for k, v in headers.items()}
    answer = httpx.post(f"{live.url}{URL_PATH}", content=b"{}", headers=headers, timeout=30)
    assert answer.status_code == 401, answer.text
    assert answer.json()["err_code"] in ("stale_timestamp", "bad_signature",
                                         "unknown_institution")


def _visit_with_fees(live: Live) -> str:
    reg = live.call("2201", {"data": {"psn_no": RESIDENT, "insutype": "390",
                                      "begntime": "2024-03-09 08:00:00",
                                      "ipt_otp_no": uuid.uuid4().hex[:12]}}).json()
    mdtrt_id = str(reg["output"]["data"]["mdtrt_id"])
    fees = live.call("2204", {"feedetail": [fee(mdtrt_id, "1", "01", "2", "30.00")]}).json()
    assert fees["infcode"] == 0, fees
    return mdtrt_id


@pytest.mark.parametrize("given", ["abc", "sNaN", "NaN", "Infinity", ["60.00"], {"a": 1},
                                   True, "1e999999", "60.001", "9" * 400])
def test_medfee_sumamt_that_is_not_an_amount(live: Live, given: object) -> None:
    mdtrt_id = _visit_with_fees(live)
    for infno in ("2206", "2207"):
        answer = live.call(infno, {"data": {"psn_no": RESIDENT, "mdtrt_id": mdtrt_id,
                                            "medfee_sumamt": given}})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["infcode"] == -1 and body["err_code"] == "invalid_request", body
        assert body["err_msg"].startswith("input.data.medfee_sumamt")


def _raw_1101(data_text: str) -> bytes:
    """A 1101 envelope whose `input.data` is the JSON text `data_text`, written as it is."""
    head = json.dumps({"infno": "1101", "msgid": uuid.uuid4().hex, "fixmedins_code": HOSPITAL})
    return (head[:-1] + ', "input": {"data": ' + data_text + "}}").encode()


def test_lone_surrogate_is_refused(live: Live) -> None:
    for text in ('"\\ud800"', '"a\\udfffb"', '{"\\udc00": 1}'):
        answer = live.post(_raw_1101('{"psn_no": ' + text + "}"), HOSPITAL)
        assert answer.status_code == 400, answer.text
        assert answer.json()["err_code"] == "invalid_request"
    pair = _raw_1101('{"psn_no": "' + RESIDENT + '", "x": "\\ud83d\\ude00"}')
    assert live.post(pair, HOSPITAL).json()["infcode"] == 0  # a pair is a character


@pytest.mark.parametrize("depth", [100_000, 1_000, MAX_JSON_DEPTH + 1])
def test_deep_nesting_is_refused(live: Live, depth: int) -> None:
    inner = "[" * depth + "]" * depth
    answer = live.post(_raw_1101('{"psn_no": "' + RESIDENT + '", "x": ' + inner + "}"),
                       HOSPITAL)
    assert answer.status_code == 400, answer.text
    assert answer.json()["err_code"] == "invalid_request"


def _signed_headers(live: Live, body: bytes) -> dict[str, str]:
    stamp = str(int(time.time()))
    return {"X-Yibao-Institution": HOSPITAL, "X-Yibao-Timestamp": stamp,
            "X-Yibao-Signature": sign(live.secrets[HOSPITAL], stamp, body),
            "Content-Type": "application/json"}


def test_body_over_the_limit(live: Live) -> None:
    body = b" " * (MAX_BODY_BYTES + 1)
    declared = httpx.post(f"{live.url}{URL_PATH}", content=body,
                          headers=_signed_headers(live, body), timeout=60)
    assert declared.status_code == 413 and declared.json()["err_code"] == "too_large"

    def chunks() -> Iterator[bytes]:  # no Content-Length: chunked transfer
        for _ in range(MAX_BODY_BYTES // 65_536 + 2):
            yield b" " * 65_536

    streamed = httpx.post(f"{live.url}{URL_PATH}", content=chunks(),
                          headers=_signed_headers(live, b""), timeout=60)
    assert streamed.status_code == 413 and streamed.json()["err_code"] == "too_large"
    ok = {"infno": "1101", "msgid": uuid.uuid4().hex, "fixmedins_code": HOSPITAL,
          "input": {"data": {"psn_no": RESIDENT}}}
    text = json.dumps(ok).encode()
    at_limit = text[:-1] + b" " * (MAX_BODY_BYTES - len(text)) + b"}"
    assert len(at_limit) == MAX_BODY_BYTES
    answer = live.post(at_limit, HOSPITAL)
    assert answer.status_code == 200 and answer.json()["infcode"] == 0, answer.text


@pytest.mark.parametrize("field,value", [
    ("msgid", "abc\n"), ("msgid", "１２３"), ("msgid", "abc٣"),
    ("mdtrtarea_admvs", "511623\n"), ("mdtrtarea_admvs", "５１１６２３"),
    ("insuplc_admdvs", "٥١١٦٢٣"), ("insuplc_admdvs", "511623\n"),
])
def test_unicode_digits_and_newlines_in_codes(live: Live, field: str, value: str) -> None:
    envelope: dict[str, Any] = {"msgid": uuid.uuid4().hex, field: value}
    answer = live.call("1101", {"data": {"psn_no": RESIDENT}}, **envelope)
    assert answer.status_code == 400, answer.text
    assert answer.json()["err_msg"].startswith(field)


def test_dates_with_unicode_digits_or_newline(live: Live) -> None:
    for begntime in ("2024-03-09\n", "２０２４-03-09"):
        answer = live.call("2201", {"data": {"psn_no": RESIDENT, "insutype": "390",
                                             "begntime": begntime,
                                             "ipt_otp_no": uuid.uuid4().hex[:12]}}).json()
        assert answer["infcode"] == -1 and answer["err_code"] == "invalid_request", answer


class _Watched:
    """An ASGI receive that hands out a body in chunks and counts the bytes taken."""

    def __init__(self, chunk: bytes, count: int) -> None:
        self.chunk, self.left, self.taken = chunk, count, 0

    async def __call__(self) -> dict[str, Any]:
        if self.left == 0:
            return {"type": "http.disconnect"}
        self.left -= 1
        self.taken += len(self.chunk)
        return {"type": "http.request", "body": self.chunk, "more_body": self.left > 0}


def _asgi(headers: dict[str, str], receive: _Watched) -> int:
    app = Starlette(routes=[ROUTE])
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": PATH, "raw_path": PATH.encode(),
             "query_string": b"", "root_path": "", "scheme": "http", "http_version": "1.1",
             "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 1),
             "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]}
    asyncio.run(app(scope, receive, send))  # type: ignore[arg-type]
    return int(sent[0]["status"])


def test_nothing_read_before_the_headers_pass() -> None:
    unsigned = _Watched(b" " * 1_000_000, 300)  # 300 MB offered
    assert _asgi({"Content-Type": "application/json"}, unsigned) == 401
    assert unsigned.taken == 0
    stale = _Watched(b" " * 1_000_000, 300)
    assert _asgi(_headers("1"), stale) == 401 and stale.taken == 0
    declared = _Watched(b" " * 1_000_000, 300)
    headers = _headers(str(int(time.time()))) | {"Content-Length": str(300_000_000)}
    assert _asgi(headers, declared) == 413 and declared.taken == 0


def test_streamed_body_stops_at_the_limit() -> None:
    chunked = _Watched(b" " * 65_536, 300_000_000 // 65_536)
    assert _asgi(_headers(str(int(time.time()))), chunked) == 413
    assert chunked.taken <= MAX_BODY_BYTES + 65_536


@pytest.mark.parametrize("body", [
    b'{"username": "\\ud800", "password": "x"}', b'{"username": "admin", "password": "\\udfff"}',
    b'{"username": "\xed\xa0\x80", "password": "x"}',  # a surrogate's bytes, not UTF-8
])
def test_bureau_login_with_a_lone_surrogate(live: Live, body: bytes) -> None:
    answer = httpx.post(f"{live.url}/api/v1/session", content=body,
                        headers={"Content-Type": "application/json"})
    assert answer.status_code == 422, answer.text


@pytest.mark.parametrize("region", ["５１１６２３", "٥١١٦٢٣", "511623\n"])
def test_bureau_region_in_other_digits(live: Live, region: str) -> None:
    answer = live.get("/api/v1/persons", "admin", region=region)
    assert answer.status_code == 422, answer.text


def test_setl_time_in_beijing_time(live: Live) -> None:
    """Reproduction: setl_time was ISO UTC with an offset (2026-12-03T14:36:00+00:00)."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    mdtrt_id = _visit_with_fees(live)
    data = {"psn_no": RESIDENT, "mdtrt_id": mdtrt_id, "medfee_sumamt": "60.00"}
    for infno in ("2206", "2207"):
        setl_time = live.call(infno, {"data": data}).json()["output"]["setlinfo"]["setl_time"]
        stamped = datetime.strptime(setl_time, "%Y-%m-%d %H:%M:%S")
        now = datetime.now(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None)
        assert abs(stamped - now) < timedelta(minutes=5), (setl_time, now)


@pytest.mark.parametrize("path,kind", [("/api/v1/session", "application/json"),
                                       ("/console/login", "application/x-www-form-urlencoded")])
def test_bureau_and_console_bodies_are_bounded(live: Live, path: str, kind: str) -> None:
    """Reproduction: a body of any size was read whole before the login was refused."""
    from yibao.server.app import MAX_FORM_BYTES

    declared = httpx.post(f"{live.url}{path}", content=b" " * (MAX_FORM_BYTES + 1),
                          headers={"Content-Type": kind}, timeout=60)
    assert declared.status_code == 413, declared.text

    def chunks() -> Iterator[bytes]:
        for _ in range(MAX_FORM_BYTES // 10_000 + 2):
            yield b" " * 10_000

    streamed = httpx.post(f"{live.url}{path}", content=chunks(), headers={"Content-Type": kind},
                          timeout=60)
    assert streamed.status_code == 413, streamed.text
    at_limit = b'{"username": "admin", "password": "x"}'
    at_limit = at_limit + b" " * (MAX_FORM_BYTES - len(at_limit))
    if kind == "application/json":
        assert httpx.post(f"{live.url}{path}", content=at_limit,
                          headers={"Content-Type": kind}).status_code == 401
