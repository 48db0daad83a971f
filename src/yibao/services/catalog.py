"""Catalogue use cases: complete settlement requests' fee lines from a fee-item catalogue file."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from yibao.catalog.complete import complete_fees
from yibao.catalog.load import load_fee_items
from yibao.services.calculate import Completer


def fee_completer(path: Path) -> Completer:
    """Load the catalogue once; return a function completing each request's fee lines from it."""
    catalog = load_fee_items(path)

    def complete(request: Mapping[str, Any]) -> Mapping[str, Any]:
        return complete_fees(request, catalog)

    return complete
