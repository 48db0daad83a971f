"""Programmer-error checks that hold even under `python -O` (TigerBeetle-style assertions)."""

from __future__ import annotations


class InvariantError(AssertionError):
    """A broken invariant: a bug in yibao, never a user's mistake."""


def invariant(condition: bool, message: str, subject: object = None) -> None:
    """Raise `InvariantError` when `condition` is false; `subject` is shown for diagnosis."""
    if not condition:
        raise InvariantError(f"{message}: {subject!r}" if subject is not None else message)
