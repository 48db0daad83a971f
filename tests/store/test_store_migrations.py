"""The Alembic migrations, configured in code, build exactly the schema of `yibao.store.schema`
on SQLite and PostgreSQL, are idempotent, and go down and up again."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from tests.postgres import postgres_store
from yibao.store import Store
from yibao.store.migrate import MIGRATIONS, alembic_config, current_revision, head_revision, upgrade
from yibao.store.schema import metadata


def _differences(store: Store) -> list[object]:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))



def test_sqlite_schema_matches_the_model(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'm.db'}")
    assert current_revision(store) is None
    assert upgrade(store) == (None, head_revision())
    assert _differences(store) == []
    assert upgrade(store) == (head_revision(), head_revision())
    with store.engine.begin() as connection:
        command.downgrade(alembic_config(connection), "base")
    assert current_revision(store) is None
    upgrade(store)
    assert _differences(store) == []
    store.dispose()


@pytest.mark.postgres
def test_postgres_schema_matches_the_model() -> None:
    with postgres_store(migrated=False) as store:
        assert upgrade(store) == (None, head_revision())
        assert _differences(store) == []
        with store.engine.begin() as connection:
            command.downgrade(alembic_config(connection), "base")
        upgrade(store)
        assert _differences(store) == []


def test_migrations_ship_inside_the_package() -> None:
    assert MIGRATIONS.is_relative_to(Path(__file__).parents[2] / "src" / "yibao" / "store")
    assert (MIGRATIONS / "env.py").is_file()
    assert list((MIGRATIONS / "versions").glob("0001_*.py"))
