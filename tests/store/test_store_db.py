"""Choosing the database: YIBAO_DATABASE_URL or the SQLite default, psycopg 3 for PostgreSQL,
passwords hidden in messages, and no engine or connection before one is needed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from yibao.store import Store, database_url, default_store
from yibao.store.db import ENV_URL, describe


def test_url_from_argument_environment_or_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_URL, raising=False)
    assert database_url().startswith("sqlite:///") and database_url().endswith("var/yibao.db")
    monkeypatch.setenv(ENV_URL, "postgresql://u@h:5432/db")
    assert database_url() == "postgresql+psycopg://u@h:5432/db"
    assert database_url("sqlite:///x.db") == "sqlite:///x.db"
    assert default_store() is default_store()


def test_messages_hide_the_password() -> None:
    assert "secret" not in describe("postgresql+psycopg://u:secret@h/db")


def test_no_engine_until_first_use(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'lazy' / 'x.db'}")
    assert store._engine is None and not (tmp_path / "lazy").exists()
    with store.engine.connect():
        pass
    assert (tmp_path / "lazy" / "x.db").exists()
    store.dispose()


def test_importing_the_store_and_services_connects_to_nothing() -> None:
    code = ("import sqlalchemy, yibao.store, yibao.services.settle_service, yibao.cli;"
            "from yibao.store import db; assert db._default == {}; print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={"YIBAO_DATABASE_URL": "postgresql://nobody@192.0.2.1:1/none"},
                         check=True)
    assert out.stdout.strip() == "ok"
