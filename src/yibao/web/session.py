"""Who is looking at the console: the session cookie (an API session token, HttpOnly,
SameSite=Strict), the signed-in principal and the token every form carries against CSRF."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Annotated, Final
from urllib.parse import parse_qs

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool

from yibao.server.deps import StoreDep
from yibao.services import accounts
from yibao.services.accounts import ROLE_NAMES, Principal

COOKIE: Final = "yibao_console"
FORM_BYTES_MAX: Final = 16_384


class LoginNeeded(Exception):
    """No valid session: the console answers with the login page."""


class BadForm(Exception):
    """A form without the session's CSRF token, or too large."""


@dataclass(frozen=True, slots=True)
class Viewer:
    principal: Principal
    token: str

    @property
    def username(self) -> str:
        return self.principal.username

    @property
    def role(self) -> str:
        return self.principal.role

    @property
    def region(self) -> str:
        return self.principal.region

    @property
    def role_name(self) -> str:
        return ROLE_NAMES.get(self.principal.role, self.principal.role)

    @property
    def csrf(self) -> str:
        return csrf_of(self.token)


def csrf_of(token: str) -> str:
    return hashlib.sha256(f"csrf:{token}".encode()).hexdigest()[:32]


async def viewer(request: Request, store: StoreDep) -> Viewer:
    token = request.cookies.get(COOKIE, "")
    if not token:
        raise LoginNeeded
    found = await run_in_threadpool(accounts.principal_of, token, store=store)
    if isinstance(found, accounts.AccountError):
        raise LoginNeeded
    return Viewer(found, token)


ViewerDep = Annotated[Viewer, Depends(viewer)]


async def form(request: Request) -> dict[str, str]:
    """The urlencoded form of a POST (last value of each field), at most FORM_BYTES_MAX, with
    no NUL character (no database text can hold one)."""
    body = await request.body()
    if len(body) > FORM_BYTES_MAX or b"%00" in body or b"\x00" in body:
        raise BadForm
    fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return {k: v[-1] for k, v in fields.items()}


FormDep = Annotated[dict[str, str], Depends(form)]


def check_csrf(who: Viewer, fields: dict[str, str]) -> None:
    if not hmac.compare_digest(fields.get("csrf", ""), who.csrf):
        raise BadForm
