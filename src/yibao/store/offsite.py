"""Filings for cross-region care (异地就医备案): added, read per person, revoked.

A filing row is never deleted; a revocation sets the day from which it no longer holds and who
revoked it (docs/offsite.md)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, select, update

from yibao.offsite.model import Filing, FilingType
from yibao.store.schema import offsite_filings as t
from yibao.store.schema import persons


def _filing(row: Any) -> Filing:
    return Filing(row.filing_id, row.id_number, row.insured_region, FilingType(row.filing_type),
                  row.care_area, row.start_date, row.end_date, row.filed_on, bool(row.promise),
                  row.materials, row.revoked_on)


class FilingRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def add(self, filing: Filing, *, channel: str, filed_by: str) -> None:
        self.connection.execute(t.insert().values(
            filing_id=filing.filing_id, id_number=filing.id_number,
            insured_region=filing.insured_region, filing_type=filing.filing_type.value,
            care_area=filing.care_area, start_date=filing.start, end_date=filing.end,
            filed_on=filing.filed_on, promise=filing.promise, materials=filing.materials,
            channel=channel, filed_by=filed_by, created_at=datetime.now(UTC)))

    def lock_person(self, id_number: str) -> bool:
        """Lock the person's row until the transaction ends (PostgreSQL; SQLite's writer holds
        the database lock already), so that filings of one person are decided one at a time;
        False when the person is not registered."""
        row = self.connection.execute(select(persons.c.id_number)
                                      .where(persons.c.id_number == id_number)
                                      .with_for_update()).first()
        return row is not None

    def origin(self, filing_id: str) -> tuple[str, str] | None:
        """(channel, filed_by) of a filing: through which face and by whom it was made."""
        row = self.connection.execute(select(t.c.channel, t.c.filed_by)
                                      .where(t.c.filing_id == filing_id)).first()
        return None if row is None else (row.channel, row.filed_by)

    def origins(self, filing_ids: Sequence[str]) -> dict[str, tuple[str, str]]:
        if not filing_ids:
            return {}
        rows = self.connection.execute(select(t.c.filing_id, t.c.channel, t.c.filed_by)
                                       .where(t.c.filing_id.in_(list(filing_ids))))
        return {r.filing_id: (r.channel, r.filed_by) for r in rows}

    def of_person(self, id_number: str) -> list[Filing]:
        """The person's filings (revoked ones too), oldest first."""
        rows = self.connection.execute(
            select(t).where(t.c.id_number == id_number)
            .order_by(t.c.start_date, t.c.filing_id))
        return [_filing(r) for r in rows]

    def get(self, filing_id: str) -> Filing | None:
        row = self.connection.execute(select(t).where(t.c.filing_id == filing_id)).first()
        return None if row is None else _filing(row)

    def revoke(self, filing_id: str, day: date, by: str) -> bool:
        """Revoke from `day`; False when it was revoked already (a concurrent revocation)."""
        done = self.connection.execute(
            update(t).where(t.c.filing_id == filing_id, t.c.revoked_on.is_(None))
            .values(revoked_on=day, revoked_by=by))
        return done.rowcount == 1
