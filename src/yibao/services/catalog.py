"""Catalogue use cases: complete settlement requests' fee lines from a fee-item catalogue file;
import a region's catalogue into the store (`yibao catalog import [--region R]`) and read it for
the rule checks of the national interface (3101/3102) and for offsite settlements, whose lines
the care region's catalogue prices (就医地目录, docs/offsite.md)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from yibao.catalog.complete import complete_fees
from yibao.catalog.items import Catalog, FeeItem, Restrictions, restriction_violations
from yibao.catalog.load import load_fee_items
from yibao.services.calculate import Completer
from yibao.settle.model import FeeLine
from yibao.store import Store, default_store
from yibao.store.catalog import ALL_REGIONS
from yibao.store.uow import UnitOfWork
from yibao.supervise.model import Item

#: Rows written per statement when importing.
IMPORT_CHUNK = 1_000
#: Millionths: how a cap and a 先行自付 share are stored (-1: the catalogue gives none).
E6: Final = Decimal(1_000_000)


def fee_completer(path: Path) -> Completer:
    """Load the catalogue once; return a function completing each request's fee lines from it."""
    catalog = load_fee_items(path)

    def complete(request: Mapping[str, Any]) -> Mapping[str, Any]:
        return complete_fees(request, catalog)

    return complete


@dataclass(frozen=True, slots=True)
class Imported:
    """What an import did: items added, changed and found as they were, in which catalogue."""

    added: int
    changed: int
    unchanged: int
    region: str = ALL_REGIONS


def _e6(value: Decimal | None) -> int:
    return -1 if value is None else int(value * E6)


def _row(item: FeeItem, now: datetime) -> dict[str, Any]:
    rules = item.restrictions
    return {"hilist_code": item.hilist_code, "hilist_name": item.name,
            "chrg_itm_lv": item.chrg_itm_lv, "cap_e6": _e6(item.pric_uplmt_amt),
            "selfpay_e6": _e6(item.selfpay_prop),
            "lmt_sex": rules.sex or "",
            "age_min": -1 if rules.age_min is None else rules.age_min,
            "age_max": -1 if rules.age_max is None else rules.age_max,
            "lv_min": rules.min_hosp_lv or "", "lv_max": rules.max_hosp_lv or "",
            "imported_at": now}


def _decimal(e6: int) -> Decimal | None:
    return None if e6 < 0 else (Decimal(e6) / E6).normalize()


def _item(row: Mapping[str, Any]) -> FeeItem:
    """A stored catalogue row as the catalogue's fee item."""
    rules = Restrictions(row["lmt_sex"] or None, None if row["age_min"] < 0 else row["age_min"],
                         None if row["age_max"] < 0 else row["age_max"],
                         row["lv_min"] or None, row["lv_max"] or None)
    return FeeItem(row["hilist_code"], row["hilist_name"], row["chrg_itm_lv"],
                   _decimal(row["selfpay_e6"]), _decimal(row["cap_e6"]), rules)


def import_catalog(path: Path, *, region: str = ALL_REGIONS,
                   store: Store | None = None) -> Imported:
    """Load the fee-item catalogue file (CSV or Parquet, docs/catalog.md) into the store as
    `region`'s catalogue ("": the deployment-wide one), in one transaction; `CatalogError`
    (every row's problem, zh-CN) and nothing written when a row is wrong. Importing the same
    file again changes nothing."""
    catalog = load_fee_items(path)
    now = datetime.now(UTC)
    rows = [_row(item, now) for item in catalog]

    def work(uow: Any) -> Imported:
        added = changed = 0
        for start in range(0, len(rows), IMPORT_CHUNK):
            a, c = uow.catalog.upsert(rows[start:start + IMPORT_CHUNK], region)
            added, changed = added + a, changed + c
        uow.commit()
        return Imported(added, changed, len(rows) - added - changed, region)

    return (store or default_store()).transaction(work)


def known_items(codes: Iterable[str], region: str | None = None, *,
                store: Store | None = None) -> dict[str, Item] | None:
    """The catalogue knowledge of `codes`: those `region`'s catalogue holds (the care region:
    the institution's), else the deployment-wide catalogue; None when no catalogue was imported
    at all. The catalogue file carries no reference price, so `ref_pric_e6` is -1 (none) and
    the usual daily maximum is unknown (-1)."""
    with (store or default_store()).unit_of_work(read_only=True) as uow:
        if uow.catalog.count() == 0:
            return None
        rows = (uow.catalog.rows_for(codes, region) if region is not None
                else uow.catalog.rows(codes))
    return {r["hilist_code"]: Item(r["hilist_code"], -1, r["cap_e6"], r["lmt_sex"],
                                   r["age_min"], r["age_max"], r["lv_min"], r["lv_max"])
            for r in rows}


def care_catalog(uow: UnitOfWork, codes: Iterable[str], region: str) -> Catalog:
    """The items of `codes` in `region`'s catalogue (else the deployment-wide one)."""
    return Catalog.of(_item(r) for r in uow.catalog.rows_for(codes, region))


def care_region_lines(fees: tuple[FeeLine, ...], catalog: Catalog, sex: str | None,
                      age: int | None, hosp_lv: str | None) -> tuple[FeeLine, ...]:
    """An offsite visit's fee lines priced by the care region's catalogue (就医地目录,
    docs/offsite.md): a line whose code the catalogue holds takes the catalogue's class, 先行自付
    share and price cap, whatever the institution sent (a share or cap the catalogue does not
    give is then absent: the insured region's `class_b_selfpay`, no cap); a line breaking the
    item's restrictions (sex, age, institution level) is paid as 丙类 (03, 全自费). A line whose
    code the catalogue does not hold keeps what the institution sent."""
    priced: list[FeeLine] = []
    for line in fees:
        item = catalog.get(line.hilist_code)
        if item is None:
            priced.append(line)
            continue
        level = "03" if restriction_violations(item, sex, age, hosp_lv) else item.chrg_itm_lv
        priced.append(replace(line, chrg_itm_lv=level, selfpay_prop=item.selfpay_prop,
                              pric_uplmt_amt=item.pric_uplmt_amt))
    return tuple(priced)
