"""JSON in and out of the settlement engine: numbers are read from their text, never as floats."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any


def _constant(name: str) -> Decimal:
    # NaN, Infinity and -Infinity become non-finite decimals, which every validator refuses.
    return Decimal(name.replace("Infinity", "Inf"))


def loads(text: str | bytes) -> Any:
    """Decode JSON with every non-integer number as an exact `Decimal`."""
    return json.loads(text, parse_float=Decimal, parse_constant=_constant)


def dumps(document: object, *, indent: int | None = 2) -> str:
    """Encode a result document (strings, ints, lists, dicts) as UTF-8 JSON text."""
    return json.dumps(document, ensure_ascii=False, indent=indent)
