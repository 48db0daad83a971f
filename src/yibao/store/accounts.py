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

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    bindparam,
    case,
    delete,
    func,
    literal,
    or_,
    select,
    update,
)

from yibao.store.runner import Runner
from yibao.store.schema import institution_keys, login_attempts, sessions, users, write_log

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
    region: str | None = None  # the region the write concerns (None: the actor's institution)


def _entry_region() -> ColumnElement[str]:
    """The region of a write-log row: its own, or for a national transaction (`if.*`) the
    region digits of the institution code that is the actor (`H511623…/opter`)."""
    national = write_log.c.action.startswith("if.")
    return func.coalesce(write_log.c.region,
                         case((national, func.substr(write_log.c.actor, 2, 6)), else_=literal("")))


def _in_scope(prefix: str) -> ColumnElement[bool]:
    if not prefix:
        return literal(True)
    return or_(write_log.c.region.startswith(prefix),
               and_(write_log.c.region.is_(None), _entry_region().startswith(prefix)))


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
                               "target": entry.target[:96], "detail": entry.detail,
                               "region": entry.region})

    def log_entries(self, limit: int, offset: int = 0, prefix: str = "") -> list[WriteEntry]:
        """The newest entries whose region starts with `prefix` ("" for every entry)."""
        rows = self.connection.execute(
            select(write_log.c.at, write_log.c.actor, write_log.c.action, write_log.c.target,
                   write_log.c.detail, _entry_region().label("region"))
            .where(_in_scope(prefix))
            .order_by(write_log.c.id.desc()).limit(limit).offset(offset))
        return [WriteEntry(r.at, r.actor, r.action, r.target, r.detail, r.region or None)
                for r in rows]

    def log_count(self, prefix: str = "") -> int:
        return int(self.connection.execute(
            select(func.count()).select_from(write_log).where(_in_scope(prefix))).scalar_one())

    # ---------- users and login attempts ----------

    def set_password_hash(self, username: str, password_hash: str) -> None:
        self.connection.execute(update(users).where(users.c.username == username)
                                .values(password_hash=password_hash))

    def set_disabled(self, username: str, disabled: bool) -> bool:
        done = self.connection.execute(update(users).where(users.c.username == username)
                                       .values(disabled=disabled))
        return done.rowcount == 1

    def end_sessions_of(self, username: str) -> None:
        self.connection.execute(delete(sessions).where(sessions.c.username == username))

    def add_attempt(self, at: datetime, username: str, address: str) -> int:
        """Record a login attempt as a failure (until `attempt_succeeded`); its id."""
        row = self.connection.execute(login_attempts.insert().returning(login_attempts.c.id), {
            "at": at, "username": username, "address": address, "failed": True,
            "cleared": False}).first()
        assert row is not None
        return int(row[0])

    def prune_attempts(self, before: datetime, limit: int) -> int:
        """Delete those of the `limit` oldest attempts (by id, the order they were recorded in)
        that are older than `before`: a fixed cost, whatever the table holds."""
        oldest = select(login_attempts.c.id).order_by(login_attempts.c.id).limit(limit)
        done = self.connection.execute(delete(login_attempts).where(
            login_attempts.c.id.in_(oldest.scalar_subquery()), login_attempts.c.at < before))
        return int(done.rowcount)

    def attempt_succeeded(self, attempt_id: int, username: str) -> None:
        """The attempt succeeded: it is no failure, and the user's earlier ones are cleared."""
        self.connection.execute(update(login_attempts).where(login_attempts.c.id == attempt_id)
                                .values(failed=False, cleared=True))
        self.clear_failures(username=username)

    def failures(self, since: datetime, *, username: str | None = None,
                 address: str | None = None) -> int:
        """Uncleared failed attempts since `since`, of a user or from an address."""
        where: list[ColumnElement[bool]] = [
            login_attempts.c.failed, login_attempts.c.at >= since,
            login_attempts.c.cleared.is_(False)]
        if username is not None:
            where.append(login_attempts.c.username == username)
        if address is not None:
            where.append(login_attempts.c.address == address)
        return int(self.connection.execute(
            select(func.count()).select_from(login_attempts).where(*where)).scalar_one())

    def clear_failures(self, *, username: str | None = None, address: str | None = None
                       ) -> int:
        """Clear (never delete) the failed attempts of a user or an address: an unlock."""
        assert username is not None or address is not None
        where: list[ColumnElement[bool]] = [login_attempts.c.cleared.is_(False)]
        if username is not None:
            where.append(login_attempts.c.username == username)
        if address is not None:
            where.append(login_attempts.c.address == address)
        done = self.connection.execute(update(login_attempts).where(*where)
                                       .values(cleared=True))
        return int(done.rowcount)

    def users_in(self, prefix: str) -> list[UserRecord]:
        rows = self.connection.execute(select(users).where(users.c.region.startswith(prefix))
                                       .order_by(users.c.username))
        return [UserRecord(r.username, r.role, r.region, r.password_hash, bool(r.disabled))
                for r in rows]


def row_dict(row: Any) -> dict[str, Any]:
    return dict(row._mapping)
