"""Database fixtures shared by the store and service tests: a migrated SQLite file or a
throwaway PostgreSQL database, and the ledger check run after every test that used one.

A seeded store (say, with a population imported) is built once per session as a template — a
SQLite file copied, or a PostgreSQL database cloned with `CREATE DATABASE … TEMPLATE` — so each
test still gets its own database. PostgreSQL is never skipped: when 127.0.0.1:5432 cannot be
reached the fixture fails the test (run `make postgres`, i.e. scripts/ensure-postgres.sh).
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import psycopg
import pytest

from tests.postgres import (
    admin_url,
    database_name,
    drop_template,
    postgres_database,
    postgres_store,
)
from yibao.services.fund import check_fund_ledger
from yibao.store import Store
from yibao.store.migrate import upgrade

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
Seed = Callable[[Store, Path], None]
StoreFactory = Callable[..., Store]


def _sqlite(path: Path) -> Store:
    store = Store(f"sqlite:///{path}")
    upgrade(store)
    return store


def _unreachable(err: Exception) -> None:
    pytest.fail(f"PostgreSQL at {admin_url()} unreachable (run `make postgres`): {err}")


class Templates:
    """Seeded databases built once per session, per backend and seed name."""

    def __init__(self, folder: Path, stack: ExitStack) -> None:
        self.folder, self.stack = folder, stack
        self.built: dict[tuple[str, str], str] = {}

    def get(self, backend: str, name: str, seed: Seed) -> str:
        key = (backend, name)
        if key not in self.built:
            work = self.folder / f"{backend}-{name}"
            if backend == "sqlite":
                store = _sqlite(work / "template.db")
                seed(store, work)
                store.dispose()
                self.built[key] = str(work / "template.db")
            else:
                url = self.stack.enter_context(postgres_database())
                store = Store(url)
                seed(store, work)
                store.dispose()
                self.built[key] = database_name(url)
        return self.built[key]


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Templates]:
    with ExitStack() as stack:
        yield Templates(tmp_path_factory.mktemp("templates"), stack)
        stack.callback(_quiet_drop_template)


def _quiet_drop_template() -> None:
    with contextlib.suppress(psycopg.Error):
        drop_template()


def _assert_ledger(store: Store) -> None:
    report = check_fund_ledger(store=store)
    assert report.ok, f"ledger check failed on {store}: {report}"


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make_store(backend: str, tmp_path: Path, templates: Templates) -> Iterator[StoreFactory]:
    """Fresh migrated stores of the test's backend (seeded when asked); each passes the ledger
    check at teardown."""
    stack = ExitStack()
    made: list[Store] = []

    def make(seed: Seed | None = None, name: str = "") -> Store:
        try:
            template = templates.get(backend, name, seed) if seed is not None else None
            if backend == "sqlite":
                path = tmp_path / f"yibao-{len(made)}.db"
                if template is not None:
                    shutil.copyfile(template, path)
                store = _sqlite(path)
                stack.callback(store.dispose)
            else:
                store = stack.enter_context(postgres_store(template=template))
        except psycopg.OperationalError as err:
            _unreachable(err)
            raise
        made.append(store)
        return store

    with stack:
        yield make
        for store in made:
            _assert_ledger(store)


@pytest.fixture
def store(make_store: StoreFactory) -> Store:
    return make_store()
