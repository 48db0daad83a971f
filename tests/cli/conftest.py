"""Shared fixtures of the CLI tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def fresh_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A SQLite database file that does not exist yet, named by YIBAO_DATABASE_URL."""
    path = tmp_path / "fresh.db"
    monkeypatch.setenv("YIBAO_DATABASE_URL", f"sqlite:///{path}")
    return path
