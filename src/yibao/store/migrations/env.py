"""Alembic environment: runs on the connection handed over by `yibao.store.migrate`."""

from __future__ import annotations

from alembic import context

from yibao.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only through yibao.store.migrate
    raise RuntimeError("run migrations with `yibao db upgrade` (yibao.store.migrate.upgrade)")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
