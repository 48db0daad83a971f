"""Password hashes (口令散列): Argon2id (argon2-cffi) for every new hash; the scrypt hashes of
older releases are still verified, and `needs_rehash` says when to replace one. `dummy_hash`
is what an unknown user's password is checked against, so a login does the same work whether
or not the user exists."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets
from typing import Final

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

#: Argon2id at the OWASP Password Storage Cheat Sheet's first configuration (19 MiB, 2 passes,
#: 1 lane): one core per login, so a two-core bureau server keeps answering under a burst.
ARGON2_TIME_COST: Final = 2
ARGON2_MEMORY_KIB: Final = 19_456
ARGON2_PARALLELISM: Final = 1
#: The scrypt parameters of older releases' hashes (verified, then re-hashed as Argon2id).
SCRYPT_N: Final = 2**14
SCRYPT_R: Final = 8
SCRYPT_P: Final = 1
PASSWORD_BYTES: Final = 15

_HASHER: Final = PasswordHasher(time_cost=ARGON2_TIME_COST, memory_cost=ARGON2_MEMORY_KIB,
                                parallelism=ARGON2_PARALLELISM, type=Type.ID)


def hash_password(password: str) -> str:
    """An Argon2id hash (with its salt and parameters) of `password`."""
    return _HASHER.hash(password)


def scrypt_hash(password: str, salt: bytes | None = None) -> str:
    """A hash in the scrypt format of older releases (kept to verify and migrate them)."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P,
                            dklen=32)
    encode = base64.b64encode
    return (f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${encode(salt).decode()}$"
            f"{encode(digest).decode()}")


def _verify_scrypt(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        got = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r),
                             p=int(p), dklen=32)
    except ValueError:
        return False
    return hmac.compare_digest(got, base64.b64decode(digest))


def verify_password(password: str, stored: str) -> bool:
    """Whether `password` matches the stored hash (Argon2id, or an older scrypt hash)."""
    if stored.startswith("scrypt$"):
        return _verify_scrypt(password, stored)
    try:
        return _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """True for a scrypt hash or an Argon2id hash with other parameters than today's."""
    return not stored.startswith("$argon2id$") or _HASHER.check_needs_rehash(stored)


@functools.cache
def dummy_hash() -> str:
    """The hash an unknown user's password is checked against (the same work as a known
    user's, so the answer's time does not say whether the user exists)."""
    return hash_password(secrets.token_urlsafe(PASSWORD_BYTES))


__all__ = ["dummy_hash", "hash_password", "needs_rehash", "scrypt_hash", "verify_password"]
