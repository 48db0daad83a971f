"""Runs the hot statements of a unit of work: compiled once, sent on the driver's cursor."""

from __future__ import annotations

import collections
import functools
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

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
