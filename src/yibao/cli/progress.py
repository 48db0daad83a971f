"""Shared terminal helpers for the faces: one rich console on stderr for progress and tables."""

from __future__ import annotations

from rich.console import Console

#: Progress, tables and summaries go to stderr so that stdout stays machine-readable JSON.
console = Console(stderr=True, highlight=False)
