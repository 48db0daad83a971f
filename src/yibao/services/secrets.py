"""Institutions' signing secrets for the national interface (接口密钥), as the platform reads
them: kept in memory for `SECRET_TTL_S` seconds per store, so that a request does not read the
store to check a signature it checked a moment ago.

The interface asks for the remembered secret first (`remembered_secret`) and reads the store
again (`read_secret`) when the signature does not match it, so a new or rotated secret is
accepted at once; a secret replaced or removed in another process stops being accepted here
within `SECRET_TTL_S`. A secret issued or rotated in this process is forgotten at once.
"""

from __future__ import annotations

import threading
import time
from typing import Final

from yibao.store import Store, default_store

#: How long a process trusts a signing secret it has read before reading it again.
SECRET_TTL_S: Final = 60.0

_found: dict[tuple[str, str], tuple[float, str]] = {}
_lock = threading.Lock()


def remembered_secret(institution: str, *, store: Store | None = None) -> str | None:
    """The secret of `institution` read from the store less than `SECRET_TTL_S` ago."""
    found = _found.get(((store or default_store()).url, institution))
    if found is None or time.monotonic() - found[0] > SECRET_TTL_S:
        return None
    return found[1]


def read_secret(institution: str, *, store: Store | None = None) -> str | None:
    """The secret of `institution` as the store has it now (remembered for next time)."""
    store = store or default_store()
    with store.unit_of_work(read_only=True) as uow:
        secret = uow.accounts.secret_of(institution)
    with _lock:
        if secret is None:
            _found.pop((store.url, institution), None)
        else:
            _found[(store.url, institution)] = (time.monotonic(), secret)
    return secret


def forget_secret(store: Store, institution: str) -> None:
    """Stop trusting the remembered secret of `institution` (after it was replaced)."""
    with _lock:
        _found.pop((store.url, institution), None)
