"""The catalogue room (目录): fee items, designated institutions, loading and request completion.

Imports nothing outside `yibao.core`; files are read only in `load`, everything else is pure.
"""

from __future__ import annotations

from yibao.catalog.complete import complete_fees
from yibao.catalog.institutions import Institution, InstitutionRegistry
from yibao.catalog.items import Catalog, FeeItem, Restrictions, restriction_violations
from yibao.catalog.load import CatalogError, RowError, load_fee_items, load_institutions

__all__ = [
    "Catalog",
    "CatalogError",
    "FeeItem",
    "Institution",
    "InstitutionRegistry",
    "Restrictions",
    "RowError",
    "complete_fees",
    "load_fee_items",
    "load_institutions",
    "restriction_violations",
]
