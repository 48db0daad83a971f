"""Catalogue use cases: complete settlement requests' fee lines from a fee-item catalogue file;
import the catalogue into the store (`yibao catalog import`) and read it for the rule checks of
the national interface (3101/3102)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from yibao.catalog.complete import complete_fees
from yibao.catalog.items import FeeItem
from yibao.catalog.load import load_fee_items
from yibao.services.calculate import Completer
from yibao.store import Store, default_store
from yibao.supervise.model import Item

#: Rows written per statement when importing.
IMPORT_CHUNK = 1_000


def fee_completer(path: Path) -> Completer:
    """Load the catalogue once; return a function completing each request's fee lines from it."""
    catalog = load_fee_items(path)

    def complete(request: Mapping[str, Any]) -> Mapping[str, Any]:
        return complete_fees(request, catalog)

    return complete


@dataclass(frozen=True, slots=True)
class Imported:
    """What an import did: items added, changed and found as they were."""

    added: int
    changed: int
    unchanged: int


def _row(item: FeeItem, now: datetime) -> dict[str, Any]:
    rules = item.restrictions
    cap = item.pric_uplmt_amt
    return {"hilist_code": item.hilist_code, "hilist_name": item.name,
            "chrg_itm_lv": item.chrg_itm_lv,
            "cap_e6": -1 if cap is None else int(cap * Decimal(1_000_000)),
            "lmt_sex": rules.sex or "",
            "age_min": -1 if rules.age_min is None else rules.age_min,
            "age_max": -1 if rules.age_max is None else rules.age_max,
            "lv_min": rules.min_hosp_lv or "", "lv_max": rules.max_hosp_lv or "",
            "imported_at": now}


def import_catalog(path: Path, *, store: Store | None = None) -> Imported:
    """Load the fee-item catalogue file (CSV or Parquet, docs/catalog.md) into the store, in one
    transaction; `CatalogError` (every row's problem, zh-CN) and nothing written when a row is
    wrong. Importing the same file again changes nothing."""
    catalog = load_fee_items(path)
    now = datetime.now(UTC)
    rows = [_row(item, now) for item in catalog]

    def work(uow: Any) -> Imported:
        added = changed = 0
        for start in range(0, len(rows), IMPORT_CHUNK):
            a, c = uow.catalog.upsert(rows[start:start + IMPORT_CHUNK])
            added, changed = added + a, changed + c
        uow.commit()
        return Imported(added, changed, len(rows) - added - changed)

    return (store or default_store()).transaction(work)


def known_items(codes: Iterable[str], *, store: Store | None = None) -> dict[str, Item] | None:
    """The catalogue knowledge of `codes` (those the catalogue holds), or None when no catalogue
    was imported. The catalogue file carries no reference price, so `ref_pric_e6` is -1 (none)
    and the usual daily maximum is unknown (-1)."""
    with (store or default_store()).unit_of_work(read_only=True) as uow:
        if uow.catalog.count() == 0:
            return None
        rows = uow.catalog.rows(codes)
    return {r["hilist_code"]: Item(r["hilist_code"], -1, r["cap_e6"], r["lmt_sex"],
                                   r["age_min"], r["age_max"], r["lv_min"], r["lv_max"])
            for r in rows}
