"""The national interface's one endpoint: `POST /fsi/api/rsfComIfsService/callService`."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool

from yibao.api.deps import StoreDep
from yibao.api.schemas import NationalRequest, NationalResponse
from yibao.services import interface

PATH = "/fsi/api/rsfComIfsService/callService"
router = APIRouter(tags=["国家接口 national interface"])
HEADERS = {"X-Yibao-Institution": "定点医药机构代码 fixmedins_code",
           "X-Yibao-Timestamp": "Unix 秒", "X-Yibao-Signature":
           "hex HMAC-SHA256(secret, timestamp + '\\n' + body)"}
_EXTRA = {
    "requestBody": {"required": True, "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/NationalRequest"}}}},
    "parameters": [{"in": "header", "name": name, "required": True,
                    "description": text, "schema": {"type": "string"}}
                   for name, text in HEADERS.items()],
}


@router.post(PATH, response_model=NationalResponse, openapi_extra=_EXTRA,
             responses={401: {"model": NationalResponse}, 403: {"model": NationalResponse},
                        409: {"model": NationalResponse}})
async def call_service(request: Request, store: StoreDep) -> Response:
    """One transaction of the national interface, named by `infno` (docs/interface.md)."""
    body = await request.body()
    signed = interface.Signed(request.headers.get("x-yibao-institution"),
                              request.headers.get("x-yibao-timestamp"),
                              request.headers.get("x-yibao-signature"))
    answer = await run_in_threadpool(interface.call_service, body, signed, store=store)
    text = json.dumps(answer.body, ensure_ascii=False, default=str)
    return Response(text, status_code=answer.status, media_type="application/json")


#: Listed so that the schema appears in OpenAPI even though the body is read raw (to check
#: its signature byte for byte).
SCHEMAS = (NationalRequest,)
