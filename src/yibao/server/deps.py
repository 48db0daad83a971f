"""The dependencies the web faces share (the API and the console): the application's database
and the signed-in bureau user."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool

from yibao.services import accounts
from yibao.services.accounts import AccountError, AccountRefusal, Principal
from yibao.services.bureau import ReadRefusal, Refused
from yibao.services.database import Database

STATUS_OF_REFUSAL = {ReadRefusal.FORBIDDEN: 403, ReadRefusal.OUT_OF_SCOPE: 403,
                     ReadRefusal.NOT_FOUND: 404, ReadRefusal.INVALID: 422}
STATUS_OF_ACCOUNT_REFUSAL = {
    AccountRefusal.INVALID: 422, AccountRefusal.EXISTS: 409,
    AccountRefusal.BAD_CREDENTIALS: 401, AccountRefusal.LOCKED: 429,
    AccountRefusal.EXPIRED: 401, AccountRefusal.FORBIDDEN: 403,
    AccountRefusal.NOT_FOUND: 404}


# Dependencies that do no I/O are `async def`: FastAPI runs a plain `def` dependency in the
# thread pool, a hand-off that costs more than the work.


async def get_store(request: Request) -> Database:
    store: Database = request.app.state.store
    return store


StoreDep = Annotated[Database, Depends(get_store)]


async def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise HTTPException(401, {"reason": "unauthenticated", "message": "请先登录"},
                            headers={"WWW-Authenticate": "Bearer"})
    return token.strip()


TokenDep = Annotated[str, Depends(bearer_token)]


async def current_principal(token: TokenDep, store: StoreDep) -> Principal:
    found = await run_in_threadpool(accounts.principal_of, token, store=store)
    if isinstance(found, AccountError):
        raise HTTPException(401, {"reason": found.reason.value, "message": found.message},
                            headers={"WWW-Authenticate": "Bearer"})
    return found


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def refused(result: Refused) -> HTTPException:
    return HTTPException(STATUS_OF_REFUSAL[result.reason],
                         {"reason": result.reason.value, "message": result.message})


def account_refused(error: AccountError) -> HTTPException:
    return HTTPException(STATUS_OF_ACCOUNT_REFUSAL[error.reason],
                         {"reason": error.reason.value, "message": error.message})


def client_address(request: Request) -> str:
    """The address a login comes from, for the throttle (the peer's: put a proxy that sets
    it right in front, or every client behind the proxy shares one address's limit)."""
    return request.client.host if request.client is not None else ""
