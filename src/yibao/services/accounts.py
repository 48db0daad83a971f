"""Accounts use cases (账户): bureau users with a role and a regional scope, their sessions, and
institutions' signing secrets; every write is logged with who and when.

Passwords are generated (no default password exists), shown once and stored as Argon2id
hashes (argon2-cffi); a scrypt hash of an older release is verified and re-hashed on the next
successful login. Sessions are random bearer tokens stored as SHA-256 hashes that expire after
`SESSION_TTL`. A scope is a region code: a county (`511623`) sees itself, a city (`511600`) its
counties, a province (`510000`) all of its regions, and `000000` everything.

Logins (登录): every attempt is recorded before the password is checked (and the oldest
attempts past `LOGIN_RECORD_KEPT` are pruned with it); more than
`USER_FAILURES_MAX` uncleared failures of one user, or `ADDRESS_FAILURES_MAX` from one address,
within `LOGIN_WINDOW` lock further attempts (the right password too) until the window passes or
an administrator unlocks. An unknown user's password is checked against a dummy hash, so both
paths do the same work. A disabled user cannot sign in and their sessions end.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Final

from yibao.core.codes import REGION_CODE, check_institution
from yibao.services.passwords import (
    PASSWORD_BYTES,
    dummy_hash,
    hash_password,
    needs_rehash,
    verify_password,
)
from yibao.services.secrets import forget_secret
from yibao.store import Conflict, Store, default_store
from yibao.store.accounts import ROLES, UserRecord, WriteEntry
from yibao.store.uow import UnitOfWork

SESSION_TTL: Final = timedelta(hours=8)
#: The login throttle: failures counted per user and per address over the window.
LOGIN_WINDOW: Final = timedelta(minutes=30)
USER_FAILURES_MAX: Final = 5
ADDRESS_FAILURES_MAX: Final = 20
#: How long login attempts stay on record: six months, the least the Cybersecurity Law
#: (网络安全法, art. 21) asks network logs to be kept; the throttle reads only `LOGIN_WINDOW`.
LOGIN_RECORD_KEPT: Final = timedelta(days=183)
#: Expired attempts removed, at most, with each new one: more than the one added, so the record
#: never grows past what `LOGIN_RECORD_KEPT` holds, at a fixed cost per login.
LOGIN_PRUNE_BATCH: Final = 2
PASSWORD_MIN: Final = 12
PASSWORD_MAX: Final = 256
SECRET_BYTES: Final = 32
USERNAME: Final = re.compile(r"^[a-z][a-z0-9_.\-]{2,63}$")
REGION: Final = REGION_CODE
ROLE_NAMES: Final = {"handler": "经办", "auditor": "稽核", "finance": "基金财务",
                     "director": "局领导", "admin": "系统管理员"}


class AccountRefusal(StrEnum):
    INVALID = "invalid"
    EXISTS = "exists"
    BAD_CREDENTIALS = "bad_credentials"
    LOCKED = "locked"
    EXPIRED = "expired"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"


@dataclass(frozen=True, slots=True)
class AccountError:
    reason: AccountRefusal
    message: str


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking: a user with a role and a scope (region code)."""

    username: str
    role: str
    region: str

    def sees(self, region: str) -> bool:
        return region.startswith(scope_prefix(self.region))


@dataclass(frozen=True, slots=True)
class Issued:
    """A secret shown once: a user's password or an institution's signing secret."""

    name: str
    secret: str


@dataclass(frozen=True, slots=True)
class SessionToken:
    token: str
    expires_at: datetime
    principal: Principal


def scope_prefix(region: str) -> str:
    """The prefix every region code in a scope starts with (province 2, city 4, county 6)."""
    if region == "000000":
        return ""
    if region.endswith("0000"):
        return region[:2]
    if region.endswith("00"):
        return region[:4]
    return region


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _log(work: UnitOfWork, actor: str, action: str, target: str, detail: object,
         region: str | None) -> None:
    work.accounts.log(WriteEntry(datetime.now(UTC), actor, action, target,
                                 json.dumps(detail, ensure_ascii=False, sort_keys=True),
                                 region))


def add_user(username: str, role: str, region: str, *, actor: str,
             store: Store | None = None) -> Issued | AccountError:
    """Create a user with a generated password, returned once (`yibao user add`)."""
    if not USERNAME.match(username):
        return AccountError(AccountRefusal.INVALID,
                            "用户名应为 3–64 位小写字母、数字或 _.-，以字母开头")
    if role not in ROLES:
        return AccountError(AccountRefusal.INVALID, f"角色应为 {', '.join(ROLES)} 之一")
    if not REGION.fullmatch(region):
        return AccountError(AccountRefusal.INVALID, "管辖区划应为 6 位行政区划代码")
    password = secrets.token_urlsafe(PASSWORD_BYTES)
    record = UserRecord(username, role, region, hash_password(password), False)
    exists = AccountError(AccountRefusal.EXISTS, f"用户 {username} 已存在")

    def add(work: UnitOfWork) -> AccountError | None:
        if work.accounts.user(username) is not None:
            return exists
        work.accounts.add_user(record, datetime.now(UTC), actor)
        _log(work, actor, "user.add", username, {"role": role, "region": region}, region)
        work.commit()
        return None

    try:  # a user of that name added meanwhile is a conflict: no point trying again
        refused = (store or default_store()).transaction(add, attempts=1)
    except Conflict:
        return exists
    return refused or Issued(username, password)


def add_institution_secret(fixmedins_code: str, *, actor: str, rotate: bool = False,
                           store: Store | None = None) -> Issued | AccountError:
    """Register an institution for the national interface with a new signing secret."""
    problem = check_institution(fixmedins_code)
    if problem is not None:
        return AccountError(AccountRefusal.INVALID, f"定点医药机构代码有误：{problem}")
    secret = secrets.token_hex(SECRET_BYTES)
    with (store or default_store()).unit_of_work() as work:
        if work.accounts.secret_of(fixmedins_code) is not None and not rotate:
            return AccountError(AccountRefusal.EXISTS,
                                f"机构 {fixmedins_code} 已有密钥；更换请加 --rotate")
        work.accounts.save_secret(fixmedins_code, secret, datetime.now(UTC), actor)
        _log(work, actor, "institution.secret", fixmedins_code, {"rotate": rotate},
             fixmedins_code[1:7])
        work.commit()
    forget_secret(store or default_store(), fixmedins_code)  # this process stops at once
    return Issued(fixmedins_code, secret)


def _throttled(work: UnitOfWork, username: str, address: str, now: datetime) -> bool:
    since = now - LOGIN_WINDOW
    return (work.accounts.failures(since, username=username) > USER_FAILURES_MAX
            or work.accounts.failures(since, address=address) > ADDRESS_FAILURES_MAX)


def _checked(username: str, password: str, address: str, store: Store
             ) -> tuple[UserRecord, int] | AccountError:
    """The user whose password this is and the attempt's id, or the refusal. The attempt is
    recorded (as a failure until it succeeds) before anything is checked, so concurrent
    guesses count against the throttle at once; an unknown user's password is checked
    against a dummy hash, the same work as a known user's."""
    now = datetime.now(UTC)
    with store.unit_of_work() as work:
        attempt = work.accounts.add_attempt(now, username, address)
        work.accounts.prune_attempts(now - LOGIN_RECORD_KEPT, LOGIN_PRUNE_BATCH)
        work.commit()
    with store.unit_of_work() as work:
        user = work.accounts.user(username)
        locked = _throttled(work, username, address, now)
    if locked:
        return AccountError(AccountRefusal.LOCKED, "登录失败次数过多，已暂时锁定；请稍后再试"
                                                   "或联系系统管理员解锁")
    matches = verify_password(password, user.password_hash if user else dummy_hash())
    if user is None or user.disabled or not matches:
        return AccountError(AccountRefusal.BAD_CREDENTIALS, "用户名或密码错误")
    return user, attempt


def _succeeded(work: UnitOfWork, user: UserRecord, attempt: int, password: str) -> bool:
    """Clear the user's failures; re-hash an older hash as Argon2id (whether it was)."""
    work.accounts.attempt_succeeded(attempt, user.username)
    if not needs_rehash(user.password_hash):
        return False
    work.accounts.set_password_hash(user.username, hash_password(password))
    return True


def open_session(username: str, password: str, *, address: str = "",
                 store: Store | None = None) -> SessionToken | AccountError:
    """Log in from `address`: a new session token, or a refusal that does not say which part
    was wrong (locked, when the throttle stops the attempt)."""
    store = store or default_store()
    checked = _checked(username[:64], password, address[:64], store)
    if isinstance(checked, AccountError):
        return checked
    user, attempt = checked
    token, now = secrets.token_urlsafe(32), datetime.now(UTC)
    with store.unit_of_work() as work:
        rehashed = _succeeded(work, user, attempt, password)
        work.accounts.drop_expired(now)
        work.accounts.add_session(token_hash(token), user.username, now, now + SESSION_TTL)
        _log(work, user.username, "session.open", user.username,
             {"rehashed": True} if rehashed else {}, user.region)
        work.commit()
    return SessionToken(token, now + SESSION_TTL, Principal(user.username, user.role,
                                                            user.region))


def principal_of(token: str, *, store: Store | None = None) -> Principal | AccountError:
    """The user behind a bearer token, unless it is unknown or expired."""
    with (store or default_store()).unit_of_work() as work:
        found = work.accounts.session_user(token_hash(token))
    if found is None:
        return AccountError(AccountRefusal.BAD_CREDENTIALS, "未登录或会话无效")
    user, expires_at = found
    if expires_at.tzinfo is None:
        expires_at = expires_at.replace(tzinfo=UTC)
    if expires_at <= datetime.now(UTC) or user.disabled:
        return AccountError(AccountRefusal.EXPIRED, "会话已过期，请重新登录")
    return Principal(user.username, user.role, user.region)


def close_session(token: str, principal: Principal, *, store: Store | None = None) -> None:
    with (store or default_store()).unit_of_work() as work:
        work.accounts.end_session(token_hash(token))
        _log(work, principal.username, "session.close", principal.username, {},
             principal.region)
        work.commit()


def write_log(limit: int = 50, offset: int = 0, *, prefix: str = "",
              store: Store | None = None) -> tuple[int, list[WriteEntry]]:
    """The newest entries of the write log whose region starts with `prefix`, and how many
    there are."""
    with (store or default_store()).unit_of_work() as work:
        return (work.accounts.log_count(prefix),
                work.accounts.log_entries(limit, offset, prefix))


# ---------- a user's own password, and administrators managing users ----------

def change_password(who: Principal, current: str, new: str, *, address: str = "",
                    store: Store | None = None) -> AccountError | None:
    """A user changes their own password from `address`: the current one is checked like a
    login (a wrong one counts against the throttle), the new one has `PASSWORD_MIN`–
    `PASSWORD_MAX` characters and differs from it. Every session of the user ends (sign in
    again with the new password)."""
    if not PASSWORD_MIN <= len(new) <= PASSWORD_MAX or new == current:
        return AccountError(AccountRefusal.INVALID, f"新密码应为 {PASSWORD_MIN}–{PASSWORD_MAX} "
                                                    "个字符，且不同于当前密码")
    store = store or default_store()
    checked = _checked(who.username, current, address[:64], store)
    if isinstance(checked, AccountError):
        return AccountError(checked.reason, "当前密码错误" if checked.reason is
                            AccountRefusal.BAD_CREDENTIALS else checked.message)
    user, attempt = checked
    with store.unit_of_work() as work:
        _succeeded(work, user, attempt, current)
        work.accounts.set_password_hash(who.username, hash_password(new))
        work.accounts.end_sessions_of(who.username)
        _log(work, who.username, "user.password", who.username, {}, who.region)
        work.commit()
    return None


def _managed(work: UnitOfWork, by: Principal | None, username: str
             ) -> UserRecord | AccountError:
    """The user `by` may manage: an administrator's (or the operator's, `by=None`) within
    scope; an administrator does not lock themself out."""
    if by is not None and by.role != "admin":
        return AccountError(AccountRefusal.FORBIDDEN, "只有系统管理员可以管理用户")
    user = work.accounts.user(username)
    if user is None or (by is not None and not by.sees(user.region)):
        return AccountError(AccountRefusal.NOT_FOUND, f"没有用户 {username}（或不在管辖范围内）")
    if by is not None and by.username == username:
        return AccountError(AccountRefusal.INVALID, "不能停用或解锁自己的账户")
    return user


def set_disabled(username: str, disabled: bool, *, actor: str, by: Principal | None = None,
                 store: Store | None = None) -> AccountError | None:
    """Disable (停用) or enable a user; a disabled user's sessions end at once."""
    with (store or default_store()).unit_of_work() as work:
        user = _managed(work, by, username)
        if isinstance(user, AccountError):
            return user
        work.accounts.set_disabled(username, disabled)
        if disabled:
            work.accounts.end_sessions_of(username)
        _log(work, actor, "user.disable" if disabled else "user.enable", username, {},
             user.region)
        work.commit()
    return None


def unlock(username: str, *, actor: str, by: Principal | None = None,
           store: Store | None = None) -> int | AccountError:
    """Unlock a user locked by the throttle: their failed attempts are cleared (kept on
    record); how many."""
    with (store or default_store()).unit_of_work() as work:
        user = _managed(work, by, username)
        if isinstance(user, AccountError):
            return user
        cleared = work.accounts.clear_failures(username=username)
        _log(work, actor, "user.unlock", username, {"cleared": cleared}, user.region)
        work.commit()
    return cleared


def unlock_address(address: str, *, actor: str, store: Store | None = None) -> int:
    """Unlock an address locked by the throttle (the operator's command line only)."""
    with (store or default_store()).unit_of_work() as work:
        cleared = work.accounts.clear_failures(address=address[:64])
        _log(work, actor, "address.unlock", address[:64], {"cleared": cleared}, None)
        work.commit()
    return cleared


@dataclass(frozen=True, slots=True)
class UserView:
    username: str
    role: str
    role_name: str
    region: str
    disabled: bool
    locked: bool


def list_users(by: Principal, *, store: Store | None = None) -> list[UserView] | AccountError:
    """The users in an administrator's scope, with whether each is disabled or locked."""
    if by.role != "admin":
        return AccountError(AccountRefusal.FORBIDDEN, "只有系统管理员可以管理用户")
    since = datetime.now(UTC) - LOGIN_WINDOW
    with (store or default_store()).unit_of_work() as work:
        return [UserView(u.username, u.role, ROLE_NAMES[u.role], u.region, u.disabled,
                         work.accounts.failures(since, username=u.username)
                         >= USER_FAILURES_MAX)
                for u in work.accounts.users_in(scope_prefix(by.region))]
