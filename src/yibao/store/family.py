"""The family-binding register (家庭共济): bindings added, read per person, ended.

A row is never deleted; unbinding sets the day from which it no longer holds and who ended it
(docs/benefits.md)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, or_, select, update

from yibao.enroll.family import Binding, Relation
from yibao.store.offsite import FilingRepository
from yibao.store.schema import family_bindings as t


def _binding(row: Any) -> Binding:
    return Binding(row.holder_id, row.member_id, Relation(row.relation), row.start_date,
                   row.end_date, row.bound_by, row.unbound_by)


class FamilyRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def lock_person(self, id_number: str) -> bool:
        """Lock the person's row until the transaction ends, as a filing does (False when the
        person is not registered): bindings of one member are decided one at a time."""
        return FilingRepository(self.connection).lock_person(id_number)

    def add(self, binding: Binding, region: str) -> None:
        self.connection.execute(t.insert().values(
            holder_id=binding.holder, member_id=binding.member,
            relation=binding.relation.value, region=region, start_date=binding.start,
            end_date=binding.end, bound_by=binding.bound_by[:80], created_at=datetime.now(UTC)))

    def of_member(self, member: str) -> list[Binding]:
        """The bindings where `member` is the member (ended ones too), oldest first."""
        rows = self.connection.execute(select(t).where(t.c.member_id == member)
                                       .order_by(t.c.start_date, t.c.binding_id))
        return [_binding(r) for r in rows]

    def of_person(self, psn_no: str) -> list[tuple[Binding, str]]:
        """Every binding naming the person as holder or member (ended ones too), oldest first,
        with the region of the holder's account."""
        rows = self.connection.execute(
            select(t).where(or_(t.c.holder_id == psn_no, t.c.member_id == psn_no))
            .order_by(t.c.start_date, t.c.binding_id))
        return [(_binding(r), r.region) for r in rows]

    def region_of(self, holder: str, member: str) -> str | None:
        """The account region of the binding in force between the two, if any."""
        return self.connection.execute(
            select(t.c.region).where(t.c.holder_id == holder, t.c.member_id == member,
                                     t.c.end_date.is_(None))).scalar()

    def end(self, holder: str, member: str, day: date, by: str) -> bool:
        """End the binding in force between the two from `day`; False when none was."""
        done = self.connection.execute(
            update(t).where(t.c.holder_id == holder, t.c.member_id == member,
                            t.c.end_date.is_(None))
            .values(end_date=day, unbound_by=by[:80]))
        return done.rowcount == 1
