"""The store (数据存储): SQLAlchemy schema, repositories, unit of work and Alembic migrations.

`YIBAO_DATABASE_URL` chooses the database: a SQLite file (`var/yibao.db` under the working
directory) by default, or PostgreSQL (`postgresql://user@host:port/db`). Nothing connects at import
time: an engine is built the first time a unit of work needs it.
"""

from yibao.store.db import Conflict, Store, database_url, default_store

__all__ = ["Conflict", "Store", "database_url", "default_store"]
