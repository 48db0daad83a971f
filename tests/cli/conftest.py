"""Shared fixtures of the CLI tests: a fresh SQLite file, and for the tests that need a store
both backends with the service tests' population."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.services.conftest import populated
from tests.store.fixtures import backend, make_store, store, templates

__all__ = ["backend", "make_store", "populated", "store", "templates"]


@pytest.fixture
def fresh_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A SQLite database file that does not exist yet, named by YIBAO_DATABASE_URL."""
    path = tmp_path / "fresh.db"
    monkeypatch.setenv("YIBAO_DATABASE_URL", f"sqlite:///{path}")
    return path
