"""Accounts use cases (账户): bureau users with a role and a regional scope, their sessions, and
institutions' signing secrets; every write is logged with who and when.

Passwords are generated (no default password exists), shown once and stored as scrypt hashes
(`hashlib.scrypt`, N=2^14, r=8, p=1, 16-byte salt). Sessions are random bearer tokens stored as
SHA-256 hashes that expire after `SESSION_TTL`. A scope is a region code: a county (`511623`)
sees itself, a city (`511600`) its counties, a province (`510000`) all of its regions, and
`000000` everything.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Final

from yibao.core.codes import check_institution
from yibao.services.secrets import forget_secret
from yibao.store import Conflict, Store, default_store
from yibao.store.accounts import ROLES, UserRecord, WriteEntry
from yibao.store.uow import UnitOfWork

SESSION_TTL: Final = timedelta(hours=8)
SCRYPT_N: Final = 2**14
SCRYPT_R: Final = 8
SCRYPT_P: Final = 1
PASSWORD_BYTES: Final = 15
SECRET_BYTES: Final = 32
USERNAME: Final = re.compile(r"^[a-z][a-z0-9_.\-]{2,63}$")
REGION: Final = re.compile(r"^\d{6}$")
ROLE_NAMES: Final = {"handler": "经办", "auditor": "稽核", "finance": "基金财务",
                     "director": "局领导", "admin": "系统管理员"}


class AccountRefusal(StrEnum):
    INVALID = "invalid"
    EXISTS = "exists"
    BAD_CREDENTIALS = "bad_credentials"
    EXPIRED = "expired"


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


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P,
                            dklen=32)
    encode = base64.b64encode
    return (f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${encode(salt).decode()}$"
            f"{encode(digest).decode()}")


def verify_password(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        assert kind == "scrypt"
        got = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r),
                             p=int(p), dklen=32)
    except (ValueError, AssertionError):
        return False
    return hmac.compare_digest(got, base64.b64decode(digest))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _log(work: UnitOfWork, actor: str, action: str, target: str, detail: object) -> None:
    work.accounts.log(WriteEntry(datetime.now(UTC), actor, action, target,
                                 json.dumps(detail, ensure_ascii=False, sort_keys=True)))


def add_user(username: str, role: str, region: str, *, actor: str,
             store: Store | None = None) -> Issued | AccountError:
    """Create a user with a generated password, returned once (`yibao user add`)."""
    if not USERNAME.match(username):
        return AccountError(AccountRefusal.INVALID,
                            "用户名应为 3–64 位小写字母、数字或 _.-，以字母开头")
    if role not in ROLES:
        return AccountError(AccountRefusal.INVALID, f"角色应为 {', '.join(ROLES)} 之一")
    if not REGION.match(region):
        return AccountError(AccountRefusal.INVALID, "管辖区划应为 6 位行政区划代码")
    password = secrets.token_urlsafe(PASSWORD_BYTES)
    record = UserRecord(username, role, region, hash_password(password), False)
    exists = AccountError(AccountRefusal.EXISTS, f"用户 {username} 已存在")

    def add(work: UnitOfWork) -> AccountError | None:
        if work.accounts.user(username) is not None:
            return exists
        work.accounts.add_user(record, datetime.now(UTC), actor)
        _log(work, actor, "user.add", username, {"role": role, "region": region})
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
        _log(work, actor, "institution.secret", fixmedins_code, {"rotate": rotate})
        work.commit()
    forget_secret(store or default_store(), fixmedins_code)  # this process stops at once
    return Issued(fixmedins_code, secret)


def open_session(username: str, password: str, *, store: Store | None = None
                 ) -> SessionToken | AccountError:
    """Log in: a new session token, or a refusal that does not say which part was wrong."""
    with (store or default_store()).unit_of_work() as work:
        user = work.accounts.user(username)
    ok = user is not None and not user.disabled and verify_password(password,
                                                                     user.password_hash)
    if not ok or user is None:
        return AccountError(AccountRefusal.BAD_CREDENTIALS, "用户名或密码错误")
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with (store or default_store()).unit_of_work() as work:
        work.accounts.drop_expired(now)
        work.accounts.add_session(token_hash(token), username, now, now + SESSION_TTL)
        _log(work, username, "session.open", username, {})
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
        _log(work, principal.username, "session.close", principal.username, {})
        work.commit()


def write_log(limit: int = 50, offset: int = 0, *, store: Store | None = None
              ) -> tuple[int, list[WriteEntry]]:
    """The newest entries of the write log, and how many there are."""
    with (store or default_store()).unit_of_work() as work:
        return work.accounts.log_count(), work.accounts.log_entries(limit, offset)
