"""The store of one database (`Store`: its URL, its engine built when first needed, its units of
work) and the default store named by the environment."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError

from yibao.store.engine import ENV_URL, database_url, describe, make_engine
from yibao.store.uow import MAX_ATTEMPTS, Conflict, Step, UnitOfWork, lost_race

__all__ = ["ENV_URL", "Conflict", "Store", "database_url", "default_store", "describe"]
T = TypeVar("T")


class Store:
    """One database: its URL and, once first needed, its engine. Cheap to create."""

    def __init__(self, url: str | None = None) -> None:
        self.url = database_url(url)
        self._engine: Engine | None = None
        self._lock = threading.Lock()
        #: Keys of fund accounts known to exist (added only after a commit that created them).
        self.known_accounts: set[str] = set()

    @property
    def engine(self) -> Engine:
        with self._lock:
            if self._engine is None:
                self._engine = make_engine(self.url)
            return self._engine

    @functools.cached_property
    def dialect(self) -> str:
        return make_url(self.url).get_backend_name()

    def unit_of_work(self, on_step: Step = None, *,
                     read_only: bool = False) -> UnitOfWork:
        """A new unit of work on this store (see `yibao.store.uow`); `read_only` for a few
        reads that commit nothing."""
        return UnitOfWork(self.engine, self.dialect, self.known_accounts, on_step,
                          read_only=read_only)

    def transaction(self, work: Callable[[UnitOfWork], T], *, on_step: Step = None,
                    attempts: int = MAX_ATTEMPTS) -> T:
        """`work(uow)` in a unit of work, run again from the start when it loses a race (see
        `lost_race`), at most `attempts` times; `Conflict` when the last attempt lost too.
        `work` commits (or not) itself; any other error comes out as it is."""
        for attempt in range(attempts):
            try:
                with self.unit_of_work(on_step) as uow:
                    return work(uow)
            except (IntegrityError, OperationalError) as err:
                if not lost_race(err):
                    raise
                if attempt == attempts - 1:
                    raise Conflict(str(err.orig or err)) from err
        raise AssertionError("unreachable")

    def dispose(self) -> None:
        """Close every pooled connection (before a fork, or at the end of a test)."""
        with self._lock:
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None

    def __repr__(self) -> str:
        return f"Store({describe(self.url)!r})"


_default: dict[str, Store] = {}
_default_lock = threading.Lock()


def default_store() -> Store:
    """The store named by the environment, one per URL and process."""
    url = database_url()
    with _default_lock:
        if url not in _default:
            _default[url] = Store(url)
        return _default[url]
