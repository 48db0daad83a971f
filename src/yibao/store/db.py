"""Where the database is and how to reach it: URL, lazily built engines, SQLite settings.

SQLite runs in WAL mode with foreign keys on, and every transaction starts with `BEGIN
IMMEDIATE`, so writers queue for the one write lock instead of failing half way. PostgreSQL runs
at READ COMMITTED; the settlement service locks the person's accumulator row (`FOR UPDATE`).
"""

from __future__ import annotations

import collections
import functools
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

if TYPE_CHECKING:
    from yibao.store.uow import UnitOfWork

ENV_URL: Final = "YIBAO_DATABASE_URL"
DEFAULT_SQLITE: Final = Path("var") / "yibao.db"
SQLITE_BUSY_TIMEOUT_S: Final = 60
POOL_SIZE: Final = 16


def database_url(url: str | None = None) -> str:
    """The URL to use: `url`, else `$YIBAO_DATABASE_URL`, else the SQLite file `var/yibao.db`.

    A plain `postgresql://` URL is given the psycopg 3 driver.
    """
    chosen = url or os.environ.get(ENV_URL) or f"sqlite:///{DEFAULT_SQLITE.resolve()}"
    if chosen.startswith(("postgresql://", "postgres://")):
        chosen = "postgresql+psycopg://" + chosen.split("://", 1)[1]
    return chosen


def describe(url: str) -> str:
    """The URL with any password hidden, for messages."""
    return make_url(url).render_as_string(hide_password=True)


def _sqlite_engine(url: str) -> Engine:
    path = make_url(url).database
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S,
                                              "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let BEGIN below control transactions
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL",
                       f"busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def make_engine(url: str) -> Engine:
    """A new engine for `url` (SQLite or PostgreSQL)."""
    if make_url(url).get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    return create_engine(url, pool_size=POOL_SIZE, max_overflow=POOL_SIZE)


Params = Mapping[str, Any]
#: Hot statements compiled once: (statement, parameter names) → SQL text (PostgreSQL).
_COMPILED: dict[tuple[Any, tuple[str, ...]], tuple[str, Any]] = {}
_UNNEST: dict[tuple[Any, tuple[str, ...]], str] = {}
#: SQL text of a statement → the maker of its named rows (a statement's columns never change).
_ROW_MAKERS: dict[str, Any] = {}


class Runner:
    """Runs the hot statements of one unit of work.

    On PostgreSQL a statement is compiled once to SQL text and sent on psycopg's own cursor,
    skipping SQLAlchemy's per-call work (about a third of the client's time per settlement);
    many rows of one INSERT go as one statement over arrays (`unnest`). Driver errors come out
    as SQLAlchemy's (`IntegrityError`, …), as from `Connection.execute`, so callers retry the
    same way. On SQLite every statement is a plain `Connection.execute`.
    """

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.dialect = connection.dialect
        self.native: Any = (connection.connection.driver_connection
                            if self.dialect.name == "postgresql" else None)
        self._cursor: Any = None

    def run(self, statement: Any, params: Params | Sequence[Params]) -> list[Any]:
        """Execute `statement` once, or for every row when `params` is a list; its rows."""
        if self.native is None:
            result = self.connection.execute(statement, params)
            return list(result) if result.returns_rows else []
        if not isinstance(params, Mapping):
            return self._many(statement, params)
        sql, compiled = self._compiled(statement, tuple(params))
        return self._execute(sql, compiled.construct_params(params, _check=False), named=True)

    def text(self, sql: str, params: Params) -> list[Any]:
        """Execute SQL text written for PostgreSQL (`%(name)s` parameters); its rows."""
        assert self.native is not None, "SQL text is for PostgreSQL"
        return self._execute(sql, params)

    def _execute(self, sql: str, params: Params, named: bool = False) -> list[Any]:
        """One statement on the unit's own psycopg cursor (made once: a cursor costs as much
        to set up as a short statement takes to run); named rows have the columns as
        attributes, their class made once per statement."""
        error = self.native.Error
        if self._cursor is None or self._cursor.closed:
            self._cursor = self.native.cursor(row_factory=_tuple_rows)
        cursor = self._cursor
        try:
            cursor.execute(sql, params)
            result = cursor.pgresult
            if result is None or not result.nfields:
                return []
            rows = cursor.fetchall()
        except error as err:
            raise DBAPIError.instance(sql, None, err, error, dialect=self.dialect) from err
        if not named:
            return rows  # type: ignore[no-any-return]
        make = _ROW_MAKERS.get(sql)
        if make is None:
            names = tuple(result.fname(i).decode() for i in range(result.nfields))
            make = _ROW_MAKERS[sql] = _row_class(names)._make
        return [make(row) for row in rows]

    def _many(self, statement: Any, rows: Sequence[Params]) -> list[Any]:
        """Many rows of one INSERT as one statement: `… SELECT * FROM unnest(arrays)`."""
        if not rows:
            return []
        keys = tuple(rows[0])
        sql = _UNNEST.get((statement, keys))
        if sql is None:
            sql = _UNNEST[(statement, keys)] = _unnest(self._compiled(statement, keys)[0],
                                                       statement.table, self.dialect)
        return self._execute(sql, {key: [row[key] for row in rows] for key in keys})

    def _compiled(self, statement: Any, keys: tuple[str, ...]) -> tuple[str, Any]:
        found = _COMPILED.get((statement, keys))
        if found is None:
            compiled = statement.compile(dialect=self.dialect, column_keys=list(keys))
            unbound = [b.key for b in compiled.binds.values()
                       if b.key not in keys and b.value is None and b.callable is None]
            if unbound:  # e.g. a column default SQLAlchemy would have filled in
                raise ValueError(f"statement needs values for {unbound}")
            found = _COMPILED[(statement, keys)] = (str(compiled), compiled)
        return found


def _unnest(sql: str, table: Any, dialect: Any) -> str:
    """`INSERT INTO t (a, b) VALUES (…) [ON CONFLICT …]` → `… SELECT * FROM unnest(…) …`."""
    head, values = sql.split(" VALUES (", 1)
    depth, end = 1, 0
    while depth:
        depth += {"(": 1, ")": -1}.get(values[end], 0)
        end += 1
    columns = head[head.index("(") + 1:head.rindex(")")].split(", ")
    arrays = ", ".join(f"%({c})s::{table.c[c].type.compile(dialect)}[]" for c in columns)
    return f"{head} SELECT * FROM unnest({arrays}){values[end:]}"


def _tuple_rows(_cursor: Any) -> Any:
    return tuple


@functools.lru_cache(maxsize=64)
def _row_class(names: tuple[str, ...]) -> Any:
    return collections.namedtuple("Row", names)


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

    def unit_of_work(self, on_step: Callable[[str], None] | None = None) -> UnitOfWork:
        """A new unit of work on this store (see `yibao.store.uow`)."""
        from yibao.store.uow import UnitOfWork

        return UnitOfWork(self, on_step)

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
