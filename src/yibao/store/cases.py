"""Audit cases (稽核案件): the work queue's cases and their append-only trail.

A case row holds the current state of one rule hit on one visit; every move is a new row of
`audit_case_events` (who, when, from, to, note, amount), never changed or removed. The case row
itself changes state, amount and the ids of its recovery transactions (追回, 退回).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, func, select, update

from yibao.store.schema import (
    audit_case_events,
    audit_cases,
    institutions,
    persons,
    reversals,
    settlements,
)


@dataclass(frozen=True, slots=True)
class CaseRow:
    case_id: str
    region: str
    year: int
    rule_id: str
    rule_name: str
    mdtrt_id: str
    setl_id: str
    fixmedins_code: str
    psn_no: str
    staff_code: str
    insutype: str
    amount_fen: int
    state: str
    evidence_json: str
    recovery_txn_id: str | None
    refund_txn_id: str | None
    created_at: datetime
    created_by: str


@dataclass(frozen=True, slots=True)
class EventRow:
    at: datetime
    actor: str
    from_state: str
    to_state: str
    note: str
    amount_fen: int


@dataclass(frozen=True, slots=True)
class SettledVisit:
    """A stored, unreversed settlement of a region-year with its request and the facts of the
    person and institution the batch rules read."""

    setl_id: str
    mdtrt_id: str
    fixmedins_code: str
    id_number: str
    scheme: str
    request_json: str
    sex: str
    birth_date: date
    hosp_lv: str
    commit_seq: int


@dataclass(frozen=True, slots=True)
class SettlementKey:
    """What a case names of the settlement it is drawn from."""

    setl_id: str
    mdtrt_id: str
    fixmedins_code: str
    id_number: str
    scheme: str


CASE_FIELDS = tuple(CaseRow.__dataclass_fields__)


def _case(row: Any) -> CaseRow:
    return CaseRow(**{name: getattr(row, name) for name in CASE_FIELDS})


class CaseRepository:
    """Cases, their trail and the settlements they are drawn from, on one connection."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def settled_visits(self, region: str, year: int, limit: int, after: int = 0
                       ) -> list[SettledVisit]:
        """Up to `limit` of the region-year's unreversed settlements, in commit order from
        after the commit sequence number `after` (a page: pass the last one's `commit_seq`)."""
        rows = self.connection.execute(
            select(settlements.c.setl_id, settlements.c.mdtrt_id, settlements.c.fixmedins_code,
                   settlements.c.id_number, settlements.c.scheme, settlements.c.request_json,
                   persons.c.sex, persons.c.birth_date,
                   func.coalesce(institutions.c.level, ""), settlements.c.commit_seq)
            .join(persons, persons.c.id_number == settlements.c.id_number)
            .outerjoin(institutions, institutions.c.code == settlements.c.fixmedins_code)
            .outerjoin(reversals, reversals.c.setl_id == settlements.c.setl_id)
            .where(and_(settlements.c.region == region, settlements.c.year == year,
                        settlements.c.commit_seq > after, reversals.c.setl_id.is_(None)))
            .order_by(settlements.c.commit_seq).limit(limit))
        return [SettledVisit(*row) for row in rows]

    def settlement_keys(self, region: str, year: int, mdtrt_ids: Iterable[str]
                        ) -> dict[str, SettlementKey]:
        """The unreversed settlements of the region-year of these visits, by visit."""
        ids = sorted(set(mdtrt_ids))
        if not ids:
            return {}
        rows = self.connection.execute(
            select(settlements.c.setl_id, settlements.c.mdtrt_id, settlements.c.fixmedins_code,
                   settlements.c.id_number, settlements.c.scheme)
            .outerjoin(reversals, reversals.c.setl_id == settlements.c.setl_id)
            .where(and_(settlements.c.region == region, settlements.c.year == year,
                        settlements.c.mdtrt_id.in_(ids), reversals.c.setl_id.is_(None))))
        return {row.mdtrt_id: SettlementKey(*row) for row in rows}

    def settlement_count(self, region: str, year: int | None = None) -> int:
        """Settlements stored for the region (in that year)."""
        where = [settlements.c.region == region]
        if year is not None:
            where.append(settlements.c.year == year)
        return int(self.connection.execute(
            select(func.count()).select_from(settlements).where(*where)).scalar_one())

    def existing(self, case_ids: Iterable[str]) -> set[str]:
        ids = list(case_ids)
        if not ids:
            return set()
        rows = self.connection.execute(
            select(audit_cases.c.case_id).where(audit_cases.c.case_id.in_(ids)))
        return {r[0] for r in rows}

    def add(self, rows: Iterable[CaseRow]) -> None:
        values = [{name: getattr(r, name) for name in CASE_FIELDS} for r in rows]
        if values:
            self.connection.execute(audit_cases.insert(), values)

    def get(self, case_id: str, *, lock: bool = False) -> CaseRow | None:
        query = select(audit_cases).where(audit_cases.c.case_id == case_id)
        if lock and self.connection.dialect.name == "postgresql":
            query = query.with_for_update()
        row = self.connection.execute(query).first()
        return None if row is None else _case(row)

    def page(self, prefix: str, state: str | None, limit: int, offset: int
             ) -> tuple[int, list[CaseRow]]:
        where = [audit_cases.c.region.startswith(prefix)]
        if state is not None:
            where.append(audit_cases.c.state == state)
        total = self.connection.execute(
            select(func.count()).select_from(audit_cases).where(*where)).scalar_one()
        rows = self.connection.execute(
            select(audit_cases).where(*where)
            .order_by(audit_cases.c.created_at.desc(), audit_cases.c.case_id)
            .limit(limit).offset(offset))
        return int(total), [_case(r) for r in rows]

    def events(self, case_id: str) -> list[EventRow]:
        rows = self.connection.execute(
            select(audit_case_events).where(audit_case_events.c.case_id == case_id)
            .order_by(audit_case_events.c.id))
        return [EventRow(r.at, r.actor, r.from_state, r.to_state, r.note, r.amount_fen)
                for r in rows]

    def moved(self, case_id: str, was: str, event: EventRow, changes: dict[str, Any]) -> bool:
        """Record a move if the case is still in state `was` (optimistic check); False if
        another reviewer moved it first."""
        done = self.connection.execute(
            update(audit_cases)
            .where(and_(audit_cases.c.case_id == case_id, audit_cases.c.state == was))
            .values(state=event.to_state, amount_fen=event.amount_fen, **changes))
        if done.rowcount != 1:
            return False
        self.connection.execute(audit_case_events.insert(), {
            "case_id": case_id, "at": event.at, "actor": event.actor,
            "from_state": event.from_state, "to_state": event.to_state, "note": event.note,
            "amount_fen": event.amount_fen})
        return True
