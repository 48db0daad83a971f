"""A live server for the API tests: uvicorn on a free loopback port, over a store holding the
service tests' population (tests/services/population.py), two institutions with secrets and one
user per role and scope. Every test runs twice: on SQLite and on a throwaway PostgreSQL database
(the interface takes other paths there: autocommit reads, statements on the driver's cursor)."""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.postgres import postgres_database
from tests.services.population import CLINIC, HOSPITAL, populate
from tests.serving import serving
from yibao.interface import sign
from yibao.server.app import create_app
from yibao.services import accounts
from yibao.store import Store
from yibao.store.migrate import upgrade

USERS = {"county": ("handler", "511623"), "city": ("handler", "511600"),
         "province": ("director", "510000"), "other": ("auditor", "511602"),
         "finance": ("finance", "511623"), "admin": ("admin", "510000")}


@dataclass
class Live:
    url: str
    store: Store
    secrets: dict[str, str]
    passwords: dict[str, str]
    tokens: dict[str, str] = field(default_factory=dict)

    def call(self, infno: str, payload: dict[str, Any], *, code: str = HOSPITAL,
             msgid: str | None = None, secret: str | None = None, **envelope: Any
             ) -> httpx.Response:
        doc = {"infno": infno, "msgid": msgid or uuid.uuid4().hex, "mdtrtarea_admvs": "511623",
               "insuplc_admdvs": "", "fixmedins_code": code, "opter": "0001",
               "inf_time": "2024-03-09 12:00:00", "input": payload, **envelope}
        return self.post(json.dumps(doc, ensure_ascii=False).encode(), code, secret)

    def post(self, body: bytes, code: str, secret: str | None = None,
             timestamp: int | None = None) -> httpx.Response:
        stamp = str(timestamp if timestamp is not None else int(time.time()))
        signature = sign(secret or self.secrets.get(code, "x"), stamp, body)
        return httpx.post(f"{self.url}/fsi/api/rsfComIfsService/callService", content=body,
                          headers={"X-Yibao-Institution": code, "X-Yibao-Timestamp": stamp,
                                   "X-Yibao-Signature": signature,
                                   "Content-Type": "application/json"}, timeout=30)

    def token(self, who: str) -> str:
        answer = httpx.post(f"{self.url}/api/v1/session",
                            json={"username": who, "password": self.passwords[who]})
        assert answer.status_code == 200, answer.text
        return str(answer.json()["token"])

    def get(self, path: str, who: str, **params: Any) -> httpx.Response:
        """GET as `who`, with one session per user for the whole run (logins cost scrypt)."""
        if who not in self.tokens:
            self.tokens[who] = self.token(who)
        return httpx.get(f"{self.url}{path}", params=params,
                         headers={"Authorization": f"Bearer {self.tokens[who]}"})


def _seed(store: Store, folder: Path, users: dict[str, tuple[str, str]] | None = None
          ) -> tuple[Store, dict[str, str], dict[str, str]]:
    upgrade(store)
    populate(store, folder)
    secrets = {}
    for code in (HOSPITAL, CLINIC):
        issued = accounts.add_institution_secret(code, actor="test", store=store)
        assert isinstance(issued, accounts.Issued)
        secrets[code] = issued.secret
    passwords = {}
    for name, (role, region) in (users or USERS).items():
        issued = accounts.add_user(name, role, region, actor="test", store=store)
        assert isinstance(issued, accounts.Issued)
        passwords[name] = issued.secret
    return store, secrets, passwords


@contextlib.contextmanager
def live_server(kind: str, folder: Path, users: dict[str, tuple[str, str]] | None = None,
                prepare: Callable[[Store], None] | None = None) -> Iterator[tuple[Live, str]]:
    """A served store of `kind` (sqlite or postgresql) seeded with `users` (default `USERS`)
    and prepared by `prepare`; the live server and the database URL."""
    with contextlib.ExitStack() as stack:
        url = (f"sqlite:///{folder / 'api.db'}" if kind == "sqlite"
               else stack.enter_context(postgres_database()))
        store, secrets, passwords = _seed(Store(url), folder, users)
        if prepare is not None:
            prepare(store)
        with serving(create_app(store)) as served:
            yield Live(served, store, secrets, passwords), url
        store.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def live(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[Live]:
    with live_server(request.param, tmp_path_factory.mktemp("api")) as (served, _url):
        yield served
