"""Catalogue repository: the fee items imported with `yibao catalog import` (医保目录), one
catalogue per region (`region`; "" is the deployment-wide catalogue a region without its own
uses: docs/offsite.md "就医地目录")."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Final

from sqlalchemy import Connection, func, select

from yibao.store.schema import catalog_items
from yibao.store.upsert import insert_for

#: Codes per `IN (…)` query, well under every database's parameter limit.
IN_CHUNK: Final = 500
COLUMNS: Final = ("hilist_code", "hilist_name", "chrg_itm_lv", "cap_e6", "lmt_sex", "age_min",
                  "age_max", "lv_min", "lv_max", "selfpay_e6")
#: The deployment-wide catalogue.
ALL_REGIONS: Final = ""


class CatalogRepository:
    def __init__(self, connection: Connection, dialect: str) -> None:
        self.connection, self.dialect = connection, dialect

    def count(self, region: str | None = None) -> int:
        """Items in `region`'s catalogue (None: in every catalogue)."""
        query = select(func.count()).select_from(catalog_items)
        if region is not None:
            query = query.where(catalog_items.c.region == region)
        return int(self.connection.execute(query).scalar_one())

    def rows(self, codes: Iterable[str], region: str = ALL_REGIONS) -> list[dict[str, Any]]:
        """The stored rows of `codes` (those in `region`'s catalogue)."""
        wanted = sorted(set(codes))
        found: list[dict[str, Any]] = []
        for start in range(0, len(wanted), IN_CHUNK):
            chunk = wanted[start:start + IN_CHUNK]
            result = self.connection.execute(
                select(*(catalog_items.c[c] for c in COLUMNS))
                .where(catalog_items.c.region == region, catalog_items.c.hilist_code.in_(chunk)))
            found += [dict(row._mapping) for row in result]
        return found

    def rows_for(self, codes: Iterable[str], region: str) -> list[dict[str, Any]]:
        """The rows of `codes` in `region`'s catalogue, else in the deployment-wide one."""
        wanted = set(codes)
        own = self.rows(wanted, region) if region != ALL_REGIONS else []
        missing = wanted - {r["hilist_code"] for r in own}
        return own + (self.rows(missing) if missing else [])

    def upsert(self, rows: Sequence[dict[str, Any]], region: str = ALL_REGIONS
               ) -> tuple[int, int]:
        """Insert or replace `rows` in `region`'s catalogue (keyed by hilist_code); (added,
        changed). A row equal to the stored one is left as it is, so importing a file again
        changes nothing."""
        stored = {row["hilist_code"]: row
                  for row in self.rows((r["hilist_code"] for r in rows), region)}
        fresh = [{**r, "region": region} for r in rows
                 if {c: r[c] for c in COLUMNS} != stored.get(r["hilist_code"])]
        added = sum(r["hilist_code"] not in stored for r in fresh)
        if fresh:
            stmt = insert_for(self.dialect, catalog_items)
            stmt = stmt.on_conflict_do_update(
                index_elements=["region", "hilist_code"],
                set_={c: stmt.excluded[c] for c in (*COLUMNS[1:], "imported_at")})
            self.connection.execute(stmt, list(fresh))
        return added, len(fresh) - added
