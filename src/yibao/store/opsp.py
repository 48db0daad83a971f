"""门诊慢特病 certifications (认定): added, read per person or by expiry, revoked.

A row is never deleted; a revocation sets the day from which it no longer holds and who
revoked it. `expired` is not stored (docs/benefits.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, func, select, update

from yibao.opsp.model import Certification, CertState
from yibao.store.schema import opsp_certifications as t


def _cert(row: Any) -> Certification:
    return Certification(row.cert_id, row.id_number, row.insured_region, row.disease, row.icd10,
                         row.institution, row.doctor, row.applied_on, row.decided_on,
                         CertState(row.state), row.valid_from, row.valid_until, row.decided_by,
                         row.revoked_on, row.note)


@dataclass(frozen=True, slots=True)
class CertQuery:
    """What a list of certifications is narrowed to: insured regions starting with `prefix`
    ("" for all), a person, a disease, a state as read on `today` (`expired` is a certified
    row past its last day; `certified` one not past it), and `ending_by`: only certified rows
    whose last day falls in [today, ending_by] (复审 due), soonest first."""

    today: date
    prefix: str = ""
    psn_no: str | None = None
    disease: str | None = None
    state: CertState | None = None
    ending_by: date | None = None


def _where(query: CertQuery) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if query.prefix:
        where.append(t.c.insured_region.startswith(query.prefix))
    if query.psn_no is not None:
        where.append(t.c.id_number == query.psn_no)
    if query.disease is not None:
        where.append(t.c.disease == query.disease)
    certified = t.c.state == CertState.CERTIFIED.value
    if query.state is CertState.EXPIRED:
        where.append(and_(certified, t.c.valid_until < query.today))
    elif query.state is CertState.CERTIFIED:
        where.append(and_(certified, t.c.valid_until >= query.today))
    elif query.state is not None:
        where.append(t.c.state == query.state.value)
    if query.ending_by is not None:
        where.append(and_(certified, t.c.valid_until >= query.today,
                          t.c.valid_until <= query.ending_by))
    return where


class CertificationRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def add(self, cert: Certification, *, source: str) -> None:
        self.connection.execute(t.insert().values(
            cert_id=cert.cert_id, id_number=cert.psn_no, insured_region=cert.insured_region,
            disease=cert.disease, icd10=cert.icd10, institution=cert.institution,
            doctor=cert.doctor, applied_on=cert.applied_on, decided_on=cert.decided_on,
            state=cert.state.value, valid_from=cert.valid_from, valid_until=cert.valid_until,
            decided_by=cert.decided_by, source=source, note=cert.note,
            created_at=datetime.now(UTC)))

    def count_of(self, psn_no: str) -> int:
        return int(self.connection.execute(select(func.count()).select_from(t)
                                           .where(t.c.id_number == psn_no)).scalar_one())

    def of_person(self, psn_no: str) -> list[Certification]:
        """The person's certifications (refused and revoked ones too), oldest first."""
        rows = self.connection.execute(select(t).where(t.c.id_number == psn_no)
                                       .order_by(t.c.applied_on, t.c.created_at, t.c.cert_id))
        return [_cert(r) for r in rows]

    def get(self, cert_id: str) -> Certification | None:
        row = self.connection.execute(select(t).where(t.c.cert_id == cert_id)).first()
        return None if row is None else _cert(row)

    def ending_between(self, first: date, last: date) -> list[Certification]:
        """Certified (not revoked) certifications whose last day falls in [first, last],
        soonest first."""
        rows = self.connection.execute(
            select(t).where(t.c.state == CertState.CERTIFIED.value,
                            t.c.valid_until >= first, t.c.valid_until <= last)
            .order_by(t.c.valid_until, t.c.id_number, t.c.cert_id))
        return [_cert(r) for r in rows]

    def page(self, query: CertQuery, limit: int, offset: int
             ) -> tuple[int, list[Certification]]:
        """The count of the certifications `query` selects and one page of them: soonest last
        day first when `ending_by` is set, else the newest decisions first."""
        where = _where(query)
        total = self.connection.execute(select(func.count()).select_from(t)
                                        .where(*where)).scalar_one()
        order = ((t.c.valid_until, t.c.id_number, t.c.cert_id) if query.ending_by is not None
                 else (t.c.applied_on.desc(), t.c.created_at.desc(), t.c.cert_id))
        rows = self.connection.execute(select(t).where(*where).order_by(*order)
                                       .limit(limit).offset(offset))
        return int(total), [_cert(r) for r in rows]

    def revoke(self, cert_id: str, day: date, by: str) -> bool:
        """Revoke from `day`; False when it is not certified (any more)."""
        done = self.connection.execute(
            update(t).where(t.c.cert_id == cert_id, t.c.state == CertState.CERTIFIED.value)
            .values(state=CertState.REVOKED.value, revoked_on=day, revoked_by=by))
        return done.rowcount == 1
