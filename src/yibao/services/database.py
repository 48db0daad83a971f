"""Database administration use cases: where the store is, and migrating it (`yibao db`).

A database that cannot be used is a `DatabaseUnavailable` with one zh-CN sentence: a URL yibao
does not support (only SQLite and PostgreSQL through psycopg), a server that does not answer, a
SQLite folder that cannot be created. A missing SQLite folder is created.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Final, NewType

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, InterfaceError, OperationalError

from yibao.store import Store, database_url, default_store
from yibao.store.db import describe
from yibao.store.migrate import current_revision, head_revision, upgrade

#: The database a face's requests run on, as the faces hold it: they get it from
#: `open_database` and pass it to service functions (`store=`), and call nothing on it.
Database = NewType("Database", Store)


def open_database(url: str | None = None) -> Database:
    """The database at `url`, else the one named by `YIBAO_DATABASE_URL` (one per process)."""
    return Database(Store(url) if url is not None else default_store())


#: Backend → the drivers yibao ships and is tested with.
DRIVERS: Final = {"sqlite": ("pysqlite",), "postgresql": ("psycopg",)}
URL_FORMS: Final = "sqlite:///文件路径 或 postgresql://用户@主机:端口/库名"


class DatabaseUnavailable(ValueError):
    """The database named by the URL cannot be used (zh-CN message)."""


def check_url(url: str) -> None:
    """Refuse a URL that is malformed or names a database or driver yibao does not support."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseUnavailable(f"数据库 URL 无效：{url}（应为 {URL_FORMS}）") from None
    backend, driver = parsed.get_backend_name(), parsed.get_driver_name()
    if backend not in DRIVERS or driver not in DRIVERS[backend]:
        raise DatabaseUnavailable(
            f"不支持的数据库 URL {describe(url)}：yibao 只支持 SQLite 与 PostgreSQL（{URL_FORMS}）")


def unavailable(error: BaseException, url: str | None = None) -> DatabaseUnavailable | None:
    """`error` as a `DatabaseUnavailable` when it says the database cannot be reached or used:
    a failed connection, or a driver that cannot be loaded or a URL that cannot be parsed while
    the URL in use is one yibao does not support."""
    if isinstance(error, DatabaseUnavailable):
        return error
    url = url or database_url()
    if isinstance(error, OperationalError | InterfaceError):
        return _driver_failure(error, url)
    if isinstance(error, ArgumentError | ImportError):
        try:
            check_url(url)
        except DatabaseUnavailable as refused:
            return refused
    return None


def _driver_failure(error: OperationalError | InterfaceError, url: str) -> DatabaseUnavailable:
    reason = (str(error.orig or error).strip().splitlines() or ["未知原因"])[0]
    return DatabaseUnavailable(f"无法使用数据库 {describe(url)}：请确认数据库服务已启动、"
                               f"URL 与权限正确（驱动报告：{reason}）")


@contextmanager
def reaching(store: Store) -> Iterator[None]:
    """Check the store's URL, then turn a failure to connect (or to create the SQLite folder)
    inside the block into `DatabaseUnavailable`."""
    check_url(store.url)
    try:
        yield
    except OSError as err:
        raise DatabaseUnavailable(f"无法创建或打开 SQLite 数据库文件 {describe(store.url)}："
                                  f"请检查路径与权限（系统报告：{err.strerror or err}）") from None
    except (OperationalError, InterfaceError) as err:
        raise _driver_failure(err, store.url) from None


@dataclass(frozen=True, slots=True)
class UpgradeReport:
    location: str
    before: str | None
    after: str | None


def upgrade_database(store: Store | None = None) -> UpgradeReport:
    """Create or migrate the schema to the newest revision (idempotent)."""
    store = store or default_store()
    with reaching(store):
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
    with reaching(store):
        current = current_revision(store)
    return DatabaseStatus(describe(store.url), current, head_revision())
