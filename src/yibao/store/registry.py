"""Registry repository: persons, employers, institutions and enrollments (参保登记)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import Connection, and_, bindparam, select, update

from yibao.core.money import from_fen, to_fen
from yibao.enroll.model import Employer, Enrollment, EnrollStatus, Institution, PersonRecord
from yibao.enroll.plan import Transfer
from yibao.store.schema import employers, enrollments, institutions, persons
from yibao.store.upsert import insert_for

#: Keys per `IN (…)` query, well under every database's parameter limit.
IN_CHUNK: Final = 500


def _chunks(items: Sequence[Any], size: int = IN_CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def person_row(p: PersonRecord) -> dict[str, Any]:
    return {"id_number": p.id_number, "name": p.name, "birth_date": p.birth_date, "sex": p.sex,
            "region": p.region, "household_id": p.household_id,
            "groups": ",".join(sorted(p.groups)), "civil_servant": p.civil_servant}


def person_of(row: Any) -> PersonRecord:
    groups = frozenset(g for g in row.groups.split(",") if g)
    return PersonRecord(row.id_number, row.name, row.birth_date, row.sex, row.region,
                        row.household_id, groups, bool(row.civil_servant))


def enrollment_row(e: Enrollment) -> dict[str, Any]:
    return {"id_number": e.id_number, "scheme": e.scheme, "region": e.region, "year": e.year,
            "status": e.status.value, "psn_type": e.psn_type, "start_date": e.start_date,
            "benefit_start": e.benefit_start, "waiting_months": e.waiting_months,
            "employer_code": e.employer_code,
            "wage_base_fen": None if e.wage_base is None else to_fen(e.wage_base),
            "contribution_years": e.contribution_years}


def enrollment_of(row: Any) -> Enrollment:
    wage: Decimal | None = None if row.wage_base_fen is None else from_fen(row.wage_base_fen)
    return Enrollment(
        id_number=row.id_number, scheme=row.scheme, region=row.region, year=row.year,
        psn_type=row.psn_type, start_date=row.start_date, benefit_start=row.benefit_start,
        waiting_months=row.waiting_months, status=EnrollStatus(row.status),
        employer_code=row.employer_code, wage_base=wage,
        contribution_years=row.contribution_years)


#: The enrollment columns under an `e_` prefix, for queries that join them to a person.
ENROLLMENT_COLUMNS = tuple(c.label(f"e_{c.name}") for c in enrollments.columns)
_PERSON_AND_ENROLLMENTS = (
    select(persons, *ENROLLMENT_COLUMNS)
    .outerjoin(enrollments, enrollments.c.id_number == persons.c.id_number)
    .where(persons.c.id_number == bindparam("id_number"))
    .order_by(enrollments.c.year, enrollments.c.id)
)


class EnrollmentView:
    """The `e_`-prefixed enrollment columns of a joined row, under their own names."""

    def __init__(self, row: Any) -> None:
        self._row = row

    def __getattr__(self, name: str) -> Any:
        return getattr(self._row, f"e_{name}")


class RegistryRepository:
    def __init__(self, connection: Connection, dialect: str) -> None:
        self.connection, self.dialect = connection, dialect

    def persons_by_ids(self, ids: Sequence[str]) -> dict[str, PersonRecord]:
        found: dict[str, PersonRecord] = {}
        for chunk in _chunks(ids):
            rows = self.connection.execute(select(persons).where(persons.c.id_number.in_(chunk)))
            found.update((r.id_number, person_of(r)) for r in rows)
        return found

    def person(self, id_number: str) -> PersonRecord | None:
        return self.persons_by_ids([id_number]).get(id_number)

    def save_persons(self, records: Sequence[PersonRecord]) -> tuple[int, int]:
        """Add new persons and update changed ones; (added, updated)."""
        existing = self.persons_by_ids([p.id_number for p in records])
        new = [person_row(p) for p in records if p.id_number not in existing]
        changed = [p for p in records if p.id_number in existing and existing[p.id_number] != p]
        if new:
            self.connection.execute(persons.insert(), new)
        for p in changed:
            row = person_row(p)
            self.connection.execute(
                update(persons).where(persons.c.id_number == row.pop("id_number")).values(row))
        return len(new), len(changed)

    def enrollments_by_ids(self, ids: Sequence[str]) -> dict[str, list[Enrollment]]:
        found: dict[str, list[Enrollment]] = {}
        for chunk in _chunks(ids):
            query = (select(enrollments).where(enrollments.c.id_number.in_(chunk))
                     .order_by(enrollments.c.year, enrollments.c.id))
            for row in self.connection.execute(query):
                found.setdefault(row.id_number, []).append(enrollment_of(row))
        return found

    def enrollments_of(self, id_number: str) -> list[Enrollment]:
        return self.enrollments_by_ids([id_number]).get(id_number, [])

    def person_and_enrollments(self, id_number: str
                               ) -> tuple[PersonRecord | None, list[Enrollment]]:
        """A person with every enrollment, in one round trip."""
        rows = self.connection.execute(_PERSON_AND_ENROLLMENTS, {"id_number": id_number}).all()
        if not rows:
            return None, []
        person = person_of(rows[0])
        return person, [enrollment_of(EnrollmentView(r)) for r in rows if r.e_id is not None]

    def add_enrollments(self, items: Sequence[Enrollment]) -> None:
        if items:
            self.connection.execute(enrollments.insert(), [enrollment_row(e) for e in items])

    def close_transferred(self, transfers: Iterable[Transfer]) -> None:
        c = enrollments.c
        for t in transfers:
            self.connection.execute(
                update(enrollments)
                .where(and_(c.id_number == t.id_number, c.year == t.year, c.scheme == t.scheme,
                            c.region == t.from_region, c.status == EnrollStatus.ACTIVE.value))
                .values(status=EnrollStatus.TRANSFERRED.value))

    def active_enrollments(
        self, year: int, region: str | None = None
    ) -> Iterator[tuple[Enrollment, frozenset[str]]]:
        """Active enrollments of a year with their person's groups, in id order."""
        c = enrollments.c
        query = (select(enrollments, persons.c.groups)
                 .join(persons, persons.c.id_number == c.id_number)
                 .where(c.year == year, c.status == EnrollStatus.ACTIVE.value)
                 .order_by(c.id_number))
        if region is not None:
            query = query.where(c.region == region)
        for row in self.connection.execute(query):
            yield enrollment_of(row), frozenset(g for g in row.groups.split(",") if g)

    def employer_codes(self, codes: Sequence[str]) -> frozenset[str]:
        found: set[str] = set()
        for chunk in _chunks(codes):
            rows = self.connection.execute(select(employers.c.code)
                                           .where(employers.c.code.in_(chunk)))
            found.update(r.code for r in rows)
        return frozenset(found)

    def save_employers(self, items: Sequence[Employer]) -> None:
        self._upsert(employers, [{"code": e.code, "name": e.name, "region": e.region}
                                 for e in items], "code")

    def save_institutions(self, items: Sequence[Institution]) -> None:
        self._upsert(institutions, [{"code": i.code, "name": i.name, "level": i.level,
                                     "region": i.region} for i in items], "code")

    def institution(self, code: str) -> Institution | None:
        row = self.connection.execute(
            select(institutions).where(institutions.c.code == code)).first()
        return None if row is None else Institution(row.code, row.name, row.level, row.region)

    def _upsert(self, table: Any, rows: list[dict[str, Any]], key: str) -> None:
        if not rows:
            return
        stmt = insert_for(self.dialect, table)
        others = {name: stmt.excluded[name] for name in rows[0] if name != key}
        self.connection.execute(stmt.on_conflict_do_update(index_elements=[key], set_=others),
                                rows)
