"""The application (应用): the three web faces mounted side by side — the national interface
(`yibao.interface`), the bureau REST API (`yibao.api`) and the console (`yibao.web`), which do not
import one another — with the request-id and request-log middleware, health and readiness."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from typing import Any, Final

from fastapi import FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from yibao.api import assist as assist_api
from yibao.api import bureau, users
from yibao.api import clearing as clearing_api
from yibao.api import family as family_api
from yibao.api import flows as flows_api
from yibao.api import offsite as offsite_api
from yibao.api import opsp as opsp_api
from yibao.api.docs import mount_docs
from yibao.api.schemas import SECRET_FIELDS, Health, Ready
from yibao.interface import route as national
from yibao.server.deps import StoreDep
from yibao.services.database import Database, database_status, open_database
from yibao.services.errors import CONCURRENT_MESSAGE, lost_to_concurrent
from yibao.web import console

log = logging.getLogger("yibao.api")
REQUEST_ID = re.compile(r"^[A-Za-z0-9_\-]{8,64}$")


_NUL_REFUSED = json.dumps({"detail": {"reason": "invalid_request",
                                      "message": "路径或查询参数含有空字符 %00"}},
                          ensure_ascii=False).encode()


def _has_nul(scope: Scope) -> bool:
    """A NUL in the path or query: no database text can hold one, so refuse it up front."""
    raw = (scope.get("raw_path") or scope["path"].encode()) + b"?" + scope["query_string"]
    return b"%00" in raw or b"\x00" in raw


#: The largest body the bureau API and the console read (a login, a case form); the national
#: interface has its own limit and reads its body itself (`interface.route`).
MAX_FORM_BYTES: Final = 100_000
_TOO_LARGE = json.dumps({"detail": {"reason": "too_large",
                                    "message": f"请求体超过 {MAX_FORM_BYTES} 字节"}},
                        ensure_ascii=False).encode()
_CONCURRENT = json.dumps({"detail": {"reason": "concurrent_conflict",
                                     "message": CONCURRENT_MESSAGE}},
                         ensure_ascii=False).encode()


async def _bounded_body(scope: Scope, receive: Receive) -> Receive | None:
    """A receive that replays the request's body, read here up to MAX_FORM_BYTES, or None when
    the body is longer (declared by Content-Length, or as it streams in): nothing past the limit
    is read, and no face reads a body before the limit is checked."""
    declared = dict(scope["headers"]).get(b"content-length", b"")
    if declared.isdigit() and int(declared[:18]) > MAX_FORM_BYTES:
        return None
    chunks: list[bytes] = []
    size, more = 0, True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            return receive  # the client went away: let the face see it
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_FORM_BYTES:
            return None
        chunks.append(chunk)
        more = message.get("more_body", False)
    body, sent = b"".join(chunks), [False]

    async def replay() -> Message:
        if sent[0]:
            return await receive()
        sent[0] = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


class RequestContext:
    """Gives every response an `X-Request-ID` (the caller's when well formed) and writes one
    JSON log line per request; refuses a path or query holding a NUL character (400) and,
    outside the national interface, a body over MAX_FORM_BYTES (413); answers a write that lost
    every attempt to concurrent ones with 409 (the national interface answers it in its own
    envelope before it gets here)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if REQUEST_ID.match(given) else uuid.uuid4().hex
        started, status, answered = time.perf_counter(), [500], [False]

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0], answered[0] = message["status"], True
                message["headers"] = [*message.get("headers", []),
                                      (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            if _has_nul(scope):
                await Response(_NUL_REFUSED, 400, media_type="application/json")(
                    scope, receive, send_with_id)
                return
            if scope["path"] != national.PATH and scope["method"] in ("POST", "PUT", "PATCH"):
                bounded = await _bounded_body(scope, receive)
                if bounded is None:
                    await Response(_TOO_LARGE, 413, media_type="application/json")(
                        scope, receive, send_with_id)
                    return
                receive = bounded
            try:
                await self.app(scope, receive, send_with_id)
            except Exception as error:
                if not lost_to_concurrent(error) or answered[0]:
                    raise
                await Response(_CONCURRENT, 409, media_type="application/json")(
                    scope, receive, send_with_id)
        finally:
            client = scope.get("client")
            log.info("request", extra={
                "request_id": request_id, "method": scope["method"], "path": scope["path"],
                "status": status[0], "client": client[0] if client else "",
                "duration_ms": round((time.perf_counter() - started) * 1000, 2)})


#: What a 422 answer shows in place of a password it would echo.
MASK: Final = "******"


def _masked(value: Any) -> Any:
    """`value` with the value of every password field (`SECRET_FIELDS`) in it masked."""
    if isinstance(value, dict):
        return {k: MASK if k in SECRET_FIELDS else _masked(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_masked(v) for v in value]
    return value


def _without_secrets(problem: dict[str, Any]) -> dict[str, Any]:
    """One validation error whose `input` shows no password: masked when it is a password
    field's value, and inside a body or object it echoes whole."""
    if "input" not in problem:
        return problem
    names = [part for part in problem.get("loc", ()) if isinstance(part, str)]
    hidden = MASK if names and names[-1] in SECRET_FIELDS else _masked(problem["input"])
    return {**problem, "input": hidden}


async def _invalid(_request: Request, error: RequestValidationError) -> Response:
    """FastAPI's 422 answer, with no password echoed back (`_without_secrets`), written so that
    an input it echoes may hold a lone surrogate: the one character UTF-8 cannot encode is
    written as its JSON escape (`\\ud800`)."""
    problems = [_without_secrets(problem) for problem in error.errors()]
    text = json.dumps({"detail": jsonable_encoder(problems)}, ensure_ascii=False)
    return Response(text.encode("utf-8", "backslashreplace"), 422,
                    media_type="application/json")


def _openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema is None:
        from fastapi.openapi.utils import get_openapi

        schema = get_openapi(title=app.title, version=app.version,
                             description=app.description, routes=app.routes)
        schema["paths"] = {national.PATH: national.openapi_path(), **schema.get("paths", {})}
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for model in national.SCHEMAS:
            components[model.__name__] = model.model_json_schema(
                ref_template="#/components/schemas/{model}")
        app.openapi_schema = schema
    return app.openapi_schema


def create_app(store: Database | None = None) -> FastAPI:
    """The application on `store` (default: the one named by `YIBAO_DATABASE_URL`)."""
    app = FastAPI(title="yibao 医保平台", version="1",
                  description="国家接口（定点医药机构）与医保局业务 API。见 docs/api.md、"
                              "docs/interface.md。",
                  openapi_url="/api/v1/openapi.json", docs_url=None, redoc_url=None)
    app.state.store = store or open_database()
    app.add_middleware(RequestContext)
    app.add_exception_handler(RequestValidationError, _invalid)  # type: ignore[arg-type]
    app.router.routes.append(national.ROUTE)
    app.include_router(bureau.router)
    app.include_router(users.router)
    for room in (offsite_api, clearing_api, flows_api, family_api, opsp_api, assist_api):
        app.include_router(room.router)
    console.mount(app)
    mount_docs(app)

    @app.get("/health", response_model=Health, tags=["运行"])
    async def health() -> dict[str, str]:
        """进程存活。"""
        return {"status": "ok"}

    @app.get("/ready", response_model=Ready, tags=["运行"], responses={503: {"model": Ready}})
    async def ready(store: StoreDep, response: Response) -> dict[str, Any]:
        """数据库可达且结构为最新版本时就绪。"""
        try:
            state = await run_in_threadpool(database_status, store)
        except Exception as err:  # the database is unreachable: not ready, say why
            response.status_code = 503
            return {"status": "unavailable", "database": type(err).__name__, "revision": None,
                    "head": ""}
        if not state.up_to_date:
            response.status_code = 503
        return {"status": "ready" if state.up_to_date else "migrating",
                "database": state.location, "revision": state.current, "head": state.head}

    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app
