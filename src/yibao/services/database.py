"""Database administration use cases: where the store is, and migrating it (`yibao db`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NewType

from yibao.store import Store, default_store
from yibao.store.db import describe
from yibao.store.migrate import current_revision, head_revision, upgrade

#: The database a face's requests run on, as the faces hold it: they get it from
#: `open_database` and pass it to service functions (`store=`), and call nothing on it.
Database = NewType("Database", Store)


def open_database(url: str | None = None) -> Database:
    """The database at `url`, else the one named by `YIBAO_DATABASE_URL` (one per process)."""
    return Database(Store(url) if url is not None else default_store())


@dataclass(frozen=True, slots=True)
class UpgradeReport:
    location: str
    before: str | None
    after: str | None


def upgrade_database(store: Store | None = None) -> UpgradeReport:
    """Create or migrate the schema to the newest revision (idempotent)."""
    store = store or default_store()
    before, after = upgrade(store)
    return UpgradeReport(describe(store.url), before, after)


def database_location(store: Store | None = None) -> str:
    """Where the store is, password hidden (for messages)."""
    return describe((store or default_store()).url)


@dataclass(frozen=True, slots=True)
class DatabaseStatus:
    location: str
    current: str | None
    head: str

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


def database_status(store: Store | None = None) -> DatabaseStatus:
    store = store or default_store()
    return DatabaseStatus(describe(store.url), current_revision(store), head_revision())
