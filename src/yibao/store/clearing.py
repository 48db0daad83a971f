"""Clearing repository (异地就医清算): the offsite direct settlements and reversals not yet
cleared, the pairs' amounts of a year, and the statements and items cleared — each month and
pair, and each item, exactly once (their keys; docs/offsite.md, "Clearing")."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import reduce
from typing import Any, Final

from sqlalchemy import Connection, and_, exists, func, select, text
from sqlalchemy.sql import ColumnElement

from yibao.offsite.clearing import ITEM_FIELDS, Item, ItemKind, Pair, PairStatement
from yibao.store.runner import Runner
from yibao.store.schema import (
    enrollments,
    institutions,
    offsite_clearing_items,
    offsite_clearings,
    reversals,
    settlements,
)

s, r, c, i = settlements.c, reversals.c, offsite_clearings.c, offsite_clearing_items.c
#: Any constant key: the clearing's transaction-scoped advisory lock (PostgreSQL).
LOCK_KEY: Final = 0x0FF5_17E0
_AMOUNT: ColumnElement[Any] = reduce(lambda a, b: a + b, [s[f"{f}_fen"] for f in ITEM_FIELDS])
_ADD_ITEMS = offsite_clearing_items.insert()
_OFFSITE_DIRECT = and_(s.care_region != s.region, s.channel == "direct")


def _uncleared(item_id: Any) -> ColumnElement[bool]:
    return ~exists().where(i.item_id == item_id)


class ClearingRepository:
    def __init__(self, connection: Connection, dialect: str, runner: Runner | None = None
                 ) -> None:
        self.connection, self.dialect = connection, dialect
        self.runner = runner or Runner(connection)

    def lock(self) -> None:
        """Serialise clearings until the transaction ends: on PostgreSQL an advisory lock (a
        second clearing waits, then reads what the first committed); SQLite's transactions
        already hold the write lock (`BEGIN IMMEDIATE`)."""
        if self.dialect == "postgresql":
            self.connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                                    {"key": LOCK_KEY})

    def uncleared(self, until: datetime) -> list[Item]:
        """The offsite direct settlements and reversals made before `until` (UTC) and not yet
        cleared."""
        settled = (select(s.setl_id, s.care_region, s.region, s.fixmedins_code, _AMOUNT)
                   .where(_OFFSITE_DIRECT, s.created_at < until, _uncleared(s.setl_id)))
        reversed_ = (select(r.reversal_id, s.care_region, s.region, s.fixmedins_code, _AMOUNT)
                     .select_from(reversals.join(settlements, s.setl_id == r.setl_id))
                     .where(_OFFSITE_DIRECT, r.created_at < until, _uncleared(r.reversal_id)))
        out = [Item(row[0], ItemKind.SETTLEMENT, row[1], row[2], row[3], int(row[4]))
               for row in self.connection.execute(settled)]
        out += [Item(row[0], ItemKind.REVERSAL, row[1], row[2], row[3], int(row[4]))
                for row in self.connection.execute(reversed_)]
        return out

    def amounts_between(self, start: datetime, end: datetime) -> dict[Pair, int]:
        """Each pair's offsite direct settlements made in [start, end) less the reversals made
        then (fen): the year's amount a prepayment is sized on."""
        out: dict[Pair, int] = {}
        settled = (select(s.care_region, s.region, func.sum(_AMOUNT))
                   .where(_OFFSITE_DIRECT, s.created_at >= start, s.created_at < end)
                   .group_by(s.care_region, s.region))
        reversed_ = (select(s.care_region, s.region, -func.sum(_AMOUNT))
                     .select_from(reversals.join(settlements, s.setl_id == r.setl_id))
                     .where(_OFFSITE_DIRECT, r.created_at >= start, r.created_at < end)
                     .group_by(s.care_region, s.region))
        for query in (settled, reversed_):
            for care, insured, fen in self.connection.execute(query):
                out[(care, insured)] = out.get((care, insured), 0) + int(fen)
        return out

    def cleared_pairs(self, month: str) -> set[Pair]:
        return {(row[0], row[1]) for row in self.connection.execute(
            select(c.care_region, c.insured_region).where(c.month == month))}

    def statements(self, month: str | None = None, regions: str = "") -> list[
            tuple[str, PairStatement]]:
        """(source, statement) of the month (every month when None), by month and pair; only
        pairs with a region starting with `regions`."""
        query = select(offsite_clearings).order_by(c.month, c.care_region, c.insured_region)
        if month is not None:
            query = query.where(c.month == month)
        if regions:
            query = query.where(c.care_region.startswith(regions)
                                | c.insured_region.startswith(regions))
        return [(row.source, PairStatement(
            row.month, row.care_region, row.insured_region, row.settlements, row.fund_fen,
            row.reversed_fen, row.prepayment_fen, row.topup_fen, row.due_fen))
            for row in self.connection.execute(query)]

    def institutions_of(self, month: str, pair: Pair) -> tuple[tuple[str, int], ...]:
        """The net amount of each institution in a pair's cleared items of the month."""
        rows = self.connection.execute(
            select(i.fixmedins_code, i.kind, func.sum(i.amount_fen))
            .where(i.month == month, i.care_region == pair[0], i.insured_region == pair[1])
            .group_by(i.fixmedins_code, i.kind))
        out: dict[str, int] = {}
        for code, kind, fen in rows:
            out[code] = out.get(code, 0) + (int(fen) if kind == ItemKind.SETTLEMENT else -int(fen))
        return tuple(sorted(out.items()))

    def items_of(self, month: str, pair: Pair) -> list[Item]:
        rows = self.connection.execute(
            select(i.item_id, i.kind, i.care_region, i.insured_region, i.fixmedins_code,
                   i.amount_fen)
            .where(i.month == month, i.care_region == pair[0], i.insured_region == pair[1])
            .order_by(i.item_id))
        return [Item(row[0], ItemKind(row[1]), row[2], row[3], row[4], int(row[5]))
                for row in rows]

    def known_items(self, ids: Sequence[str]) -> set[str]:
        out: set[str] = set()
        for start in range(0, len(ids), 500):
            out |= {row[0] for row in self.connection.execute(
                select(i.item_id).where(i.item_id.in_(ids[start:start + 500])))}
        return out

    def add(self, st: PairStatement, source: str, created_at: datetime,
            checksum: str | None = None) -> None:
        self.connection.execute(offsite_clearings.insert().values(
            month=st.month, care_region=st.care_region, insured_region=st.insured_region,
            source=source, settlements=st.settlements, fund_fen=st.fund_fen,
            reversed_fen=st.reversed_fen, prepayment_fen=st.prepayment_fen,
            topup_fen=st.topup_fen, due_fen=st.due_fen, file_checksum=checksum,
            created_at=created_at))

    def add_items(self, month: str, items: Iterable[Item]) -> None:
        rows = [{"item_id": it.item_id, "kind": it.kind.value, "month": month,
                 "care_region": it.care_region, "insured_region": it.insured_region,
                 "fixmedins_code": it.fixmedins_code, "amount_fen": it.amount_fen}
                for it in items]
        if rows:  # one statement over arrays on PostgreSQL (`Runner`)
            self.runner.run(_ADD_ITEMS, rows)

    def insured_regions(self) -> set[str]:
        """The regions whose people this store insures (its enrollments' regions)."""
        return {row[0] for row in self.connection.execute(select(enrollments.c.region).distinct())}

    def institution_regions(self, codes: Sequence[str]) -> dict[str, str]:
        """The registered region of each institution among `codes`."""
        out: dict[str, str] = {}
        for start in range(0, len(codes), 500):
            out |= {row[0]: row[1] for row in self.connection.execute(
                select(institutions.c.code, institutions.c.region)
                .where(institutions.c.code.in_(codes[start:start + 500])))}
        return out
