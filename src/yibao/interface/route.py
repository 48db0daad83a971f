"""The national interface's one endpoint: `POST /fsi/api/rsfComIfsService/callService`.

Hospitals call it for every registration, fee upload and settlement, so it is a plain Starlette
route: the body is read raw (its signature is checked byte for byte) and the transaction runs in
the thread pool, without FastAPI's dependency and validation layers, which cost more per request
than they do here. Its OpenAPI entry is written out below (`openapi_path`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from yibao import interface
from yibao.interface.common import MAX_BODY_BYTES
from yibao.interface.envelope import check_headers, too_large
from yibao.interface.schemas import NationalRequest, NationalResponse
from yibao.services.database import Database

PATH = "/fsi/api/rsfComIfsService/callService"
TAG = "国家接口 national interface"
HEADERS = {"X-Yibao-Institution": "定点医药机构代码 fixmedins_code",
           "X-Yibao-Timestamp": "Unix 秒", "X-Yibao-Signature":
           "hex HMAC-SHA256(secret, timestamp + '\\n' + body)"}


def _response(answer: interface.Answer) -> Response:
    return Response(answer.text, status_code=answer.status, media_type="application/json")


async def _read_body(request: Request) -> bytes | None:
    """The body, read as it streams in; None as soon as it passes MAX_BODY_BYTES (whatever
    `Content-Length` said, or with none, as with chunked transfer)."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def call_service(request: Request) -> Response:
    """One transaction of the national interface, named by `infno` (docs/interface.md)."""
    signed = interface.Signed(request.headers.get("x-yibao-institution"),
                              request.headers.get("x-yibao-timestamp"),
                              request.headers.get("x-yibao-signature"))
    refused = check_headers(signed, datetime.now(UTC))  # nothing read before the headers pass
    if refused is not None:
        return _response(refused)
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared[:18]) > MAX_BODY_BYTES:
        return _response(too_large())
    try:
        body = await _read_body(request)
    except ClientDisconnect:
        return Response(status_code=400)
    if body is None:
        return _response(too_large())
    store: Database = request.app.state.store
    answer = await run_in_threadpool(interface.call_service, body, signed, store=store)
    return _response(answer)


ROUTE = Route(PATH, call_service, methods=["POST"], name="national_interface")


def openapi_path() -> dict[str, Any]:
    """The endpoint's OpenAPI path item; the two schemas it names go in `components`."""
    answer = {"content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/NationalResponse"}}}}
    return {"post": {
        "tags": [TAG], "summary": "Call Service", "operationId": "national_call_service",
        "description": call_service.__doc__,
        "parameters": [{"in": "header", "name": name, "required": True, "description": text,
                        "schema": {"type": "string"}} for name, text in HEADERS.items()],
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/NationalRequest"}}}},
        "responses": {str(status): {"description": text, **answer} for status, text in (
            (200, "应答报文（infcode 0 成功，-1 拒绝）"), (400, "报文无效"),
            (401, "签名缺失、过期或无效，或机构未登记"), (403, "报文机构与签名机构不一致"),
            (409, "msgid 已用于内容不同的请求"), (413, "报文过大"))}}}


#: The schemas of the path item, for `components.schemas`.
SCHEMAS = (NationalRequest, NationalResponse)
