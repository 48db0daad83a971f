"""The national interface's one endpoint: `POST /fsi/api/rsfComIfsService/callService`.

Hospitals call it for every registration, fee upload and settlement, so it is a plain Starlette
route: the body is read raw (its signature is checked byte for byte) and the transaction runs in
the thread pool, without FastAPI's dependency and validation layers, which cost more per request
than they do here. Its OpenAPI entry is written out below (`openapi_path`)."""

from __future__ import annotations

from typing import Any

from fastapi.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from yibao import interface
from yibao.interface.schemas import NationalRequest, NationalResponse
from yibao.services.database import Database

PATH = "/fsi/api/rsfComIfsService/callService"
TAG = "国家接口 national interface"
HEADERS = {"X-Yibao-Institution": "定点医药机构代码 fixmedins_code",
           "X-Yibao-Timestamp": "Unix 秒", "X-Yibao-Signature":
           "hex HMAC-SHA256(secret, timestamp + '\\n' + body)"}


async def call_service(request: Request) -> Response:
    """One transaction of the national interface, named by `infno` (docs/interface.md)."""
    body = await request.body()
    signed = interface.Signed(request.headers.get("x-yibao-institution"),
                              request.headers.get("x-yibao-timestamp"),
                              request.headers.get("x-yibao-signature"))
    store: Database = request.app.state.store
    answer = await run_in_threadpool(interface.call_service, body, signed, store=store)
    return Response(answer.text, status_code=answer.status, media_type="application/json")


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
