"""Where the database is and how to reach it: URL, engines, SQLite settings.

SQLite runs in WAL mode with foreign keys on, and every transaction starts with `BEGIN
IMMEDIATE`, so writers queue for the one write lock instead of failing half way. PostgreSQL runs
at READ COMMITTED; the settlement service locks the person's accumulator row (`FOR UPDATE`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

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
