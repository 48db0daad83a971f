"""Throwaway databases for tests and benchmarks: a fresh PostgreSQL database per use.

`YIBAO_TEST_POSTGRES_URL` names the server (default: the `test` database on 127.0.0.1:5432 as
`postgres`, trust auth). A migrated template is built once per process and copied for each new
database (`CREATE DATABASE … TEMPLATE …`), which is fast. Nothing here skips: when the server
cannot be reached the error propagates, so a PostgreSQL test fails instead of silently passing.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

import psycopg
from sqlalchemy.engine import make_url

from yibao.store.db import Store
from yibao.store.migrate import upgrade

ENV_TEST_URL: Final = "YIBAO_TEST_POSTGRES_URL"
DEFAULT_TEST_URL: Final = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PREFIX: Final = "yibao_t"
CONNECT_TIMEOUT_S: Final = 5

_template: dict[str, str] = {}
_template_lock = threading.Lock()


def admin_url() -> str:
    return os.environ.get(ENV_TEST_URL, DEFAULT_TEST_URL)


def _libpq(url: str, database: str | None = None) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


def _admin(sql: str) -> None:
    with psycopg.connect(_libpq(admin_url()), autocommit=True,
                         connect_timeout=CONNECT_TIMEOUT_S) as connection:
        connection.execute(sql.encode())


def _sqlalchemy_url(database: str) -> str:
    return make_url(admin_url()).set(drivername="postgresql+psycopg", database=database) \
        .render_as_string(hide_password=False)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def drop_stale() -> list[str]:
    """Drop the throwaway databases left behind by processes that no longer run."""
    with psycopg.connect(_libpq(admin_url()), autocommit=True,
                         connect_timeout=CONNECT_TIMEOUT_S) as connection:
        names = [row[0] for row in connection.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", (f"{PREFIX}\\_%",))]
    stale = []
    for name in names:
        pid = name.removeprefix(f"{PREFIX}_").removeprefix("tpl_").split("_")[0]
        if pid.isdigit() and not _alive(int(pid)):
            _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            stale.append(name)
    return stale


def _migrated_template() -> str:
    """A migrated database to copy from, made once per process and dropped at its exit."""
    with _template_lock:
        if "name" not in _template:
            drop_stale()
            name = f"{PREFIX}_tpl_{os.getpid()}_{uuid.uuid4().hex[:8]}"
            _admin(f'CREATE DATABASE "{name}"')
            store = Store(_sqlalchemy_url(name))
            upgrade(store)
            store.dispose()
            _template["name"] = name
            atexit.register(_drop_at_exit, os.getpid())
        return _template["name"]


def _drop_at_exit(owner: int) -> None:
    if os.getpid() == owner:  # not in a forked child
        with contextlib.suppress(psycopg.Error):
            drop_template()


def drop_template() -> None:
    with _template_lock:
        name = _template.pop("name", None)
    if name is not None:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def database_name(url: str) -> str:
    name = make_url(url).database
    assert name, url
    return name


@contextmanager
def postgres_database(migrated: bool = True, template: str | None = None) -> Iterator[str]:
    """A new database — empty, freshly migrated, or a copy of the database `template` (which
    nobody may be connected to); dropped on exit. Yields its URL."""
    name = f"{PREFIX}_{os.getpid()}_{uuid.uuid4().hex[:10]}"
    source = template or (_migrated_template() if migrated else None)
    _admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{source}"' if source else ""))
    try:
        yield _sqlalchemy_url(name)
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def postgres_store(migrated: bool = True, template: str | None = None) -> Iterator[Store]:
    with postgres_database(migrated, template) as url:
        store = Store(url)
        try:
            yield store
        finally:
            store.dispose()
