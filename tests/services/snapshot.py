"""Every row of every table, in a stable order: two equal snapshots mean nothing was written."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from yibao.store import Store
from yibao.store.schema import metadata


def snapshot(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    tables: dict[str, list[tuple[Any, ...]]] = {}
    with store.engine.connect() as connection:
        for name, table in sorted(metadata.tables.items()):
            rows = connection.execute(select(table)).all()
            tables[name] = sorted((tuple(row) for row in rows), key=repr)
    return tables


def counts(store: Store) -> dict[str, int]:
    return {name: len(rows) for name, rows in snapshot(store).items()}
