"""Canonical JSON (规范 JSON): the one text form in which requests and answers are stored,
hashed and replayed byte for byte.

Keys sorted, no spaces, characters as they are (not `\\u` escapes), and any value JSON does not
know (a `Decimal`, a `date`) as its `str()` text. Changing this changes the bytes of every kept
answer and every request hash: never change it.
"""

from __future__ import annotations

import json


def canonical_json(value: object) -> str:
    """`value` as canonical JSON text (see the module doc)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=str)
