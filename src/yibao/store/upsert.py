"""`INSERT … ON CONFLICT` in the dialect at hand (SQLite and PostgreSQL share the syntax)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite


def insert_for(dialect: str, table: Table) -> Any:
    """A dialect-specific `insert(table)` offering `on_conflict_do_nothing/update`."""
    if dialect == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)
