"""Use-case tests (yibao.services) on SQLite and PostgreSQL."""
