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


def _booked_after_upgrade(store: Store) -> list[tuple[str, object]]:
    """Migrate to 0007, write a transaction made at 17:00 UTC, migrate to head; its booked_on."""
    upgrade(store, "0007")
    with store.engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO fund_transactions (txn_id, kind, region, created_at) VALUES "
            "('T1', 'settlement', '511623', '2024-03-09 17:00:00+00:00')"
            if store.engine.dialect.name == "postgresql" else
            "INSERT INTO fund_transactions (txn_id, kind, region, created_at) VALUES "
            "('T1', 'settlement', '511623', '2024-03-09 17:00:00.000000')")
    upgrade(store)
    with store.engine.connect() as connection:
        return [tuple(r) for r in connection.exec_driver_sql(
            "SELECT txn_id, booked_on FROM fund_transactions")]


def test_sqlite_dates_earlier_transactions_by_their_beijing_day(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'b.db'}")
    assert _booked_after_upgrade(store) == [("T1", "2024-03-10")]
    store.dispose()


@pytest.mark.postgres
def test_postgres_dates_earlier_transactions_by_their_beijing_day() -> None:
    import datetime

    with postgres_store(migrated=False) as store:
        assert _booked_after_upgrade(store) == [("T1", datetime.date(2024, 3, 10))]
