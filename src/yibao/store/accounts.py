"""Accounts and credentials (账户与凭据): institutions' signing secrets, bureau users, sessions,
and the write log (操作日志) that records who wrote what and when.

Passwords and session tokens are stored only as hashes; an institution's signing secret must be
readable to check an HMAC, so it is stored as given (protect the database accordingly). The write
log is only ever inserted into.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, select

from yibao.store.runner import Runner
from yibao.store.schema import institution_keys, sessions, users, write_log

ROLES = ("handler", "auditor", "finance", "director", "admin")



@dataclass(frozen=True, slots=True)
class UserRecord:
    username: str
    role: str
    region: str
    password_hash: str
    disabled: bool


@dataclass(frozen=True, slots=True)
class WriteEntry:
    at: datetime
    actor: str
    action: str
    target: str
    detail: str


_SECRET = select(institution_keys.c.secret).where(
    institution_keys.c.fixmedins_code == bindparam("code"))
_LOG = write_log.insert()


class AccountRepository:
    """Institutions' secrets, users, sessions and the write log on one connection (the
    statements of every national-interface request go through the `Runner`)."""

    def __init__(self, connection: Connection, runner: Runner | None = None) -> None:
        self.connection = connection
        self.runner = runner or Runner(connection)

    def secret_of(self, fixmedins_code: str) -> str | None:
        rows = self.runner.run(_SECRET, {"code": fixmedins_code})
        return str(rows[0][0]) if rows else None

    def save_secret(self, fixmedins_code: str, secret: str, at: datetime, by: str) -> None:
        self.connection.execute(delete(institution_keys).where(
            institution_keys.c.fixmedins_code == fixmedins_code))
        self.connection.execute(institution_keys.insert(), {
            "fixmedins_code": fixmedins_code, "secret": secret, "created_at": at,
            "created_by": by})

    def user(self, username: str) -> UserRecord | None:
        row = self.connection.execute(select(users).where(users.c.username == username)).first()
        if row is None:
            return None
        return UserRecord(row.username, row.role, row.region, row.password_hash,
                          bool(row.disabled))

    def add_user(self, record: UserRecord, at: datetime, by: str) -> None:
        self.connection.execute(users.insert(), {
            "username": record.username, "role": record.role, "region": record.region,
            "password_hash": record.password_hash, "disabled": record.disabled,
            "created_at": at, "created_by": by})

    def add_session(self, token_hash: str, username: str, at: datetime,
                    expires_at: datetime) -> None:
        self.connection.execute(sessions.insert(), {
            "token_hash": token_hash, "username": username, "created_at": at,
            "expires_at": expires_at})

    def session_user(self, token_hash: str) -> tuple[UserRecord, datetime] | None:
        """The user of a session and when it expires (expired sessions are returned too)."""
        row = self.connection.execute(
            select(sessions.c.expires_at, users).join(users, users.c.username ==
                                                      sessions.c.username)
            .where(sessions.c.token_hash == token_hash)).first()
        if row is None:
            return None
        user = UserRecord(row.username, row.role, row.region, row.password_hash,
                          bool(row.disabled))
        return user, row.expires_at

    def end_session(self, token_hash: str) -> None:
        self.connection.execute(delete(sessions).where(sessions.c.token_hash == token_hash))

    def drop_expired(self, now: datetime) -> None:
        self.connection.execute(delete(sessions).where(sessions.c.expires_at < now))

    def log(self, entry: WriteEntry) -> None:
        self.runner.run(_LOG, {"at": entry.at, "actor": entry.actor, "action": entry.action,
                               "target": entry.target[:96], "detail": entry.detail})

    def log_entries(self, limit: int, offset: int = 0) -> list[WriteEntry]:
        rows = self.connection.execute(
            select(write_log).order_by(write_log.c.id.desc()).limit(limit).offset(offset))
        return [WriteEntry(r.at, r.actor, r.action, r.target, r.detail) for r in rows]

    def log_count(self) -> int:
        return int(self.connection.execute(select(func.count()).select_from(write_log))
                   .scalar_one())


def row_dict(row: Any) -> dict[str, Any]:
    return dict(row._mapping)
