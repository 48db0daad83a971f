"""门诊慢特病 certifications (认定): added, read per person or by expiry, revoked.

A row is never deleted; a revocation sets the day from which it no longer holds and who
revoked it. `expired` is not stored (docs/benefits.md)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, func, select, update

from yibao.opsp.model import Certification, CertState
from yibao.store.schema import opsp_certifications as t


def _cert(row: Any) -> Certification:
    return Certification(row.cert_id, row.id_number, row.insured_region, row.disease, row.icd10,
                         row.institution, row.doctor, row.applied_on, row.decided_on,
                         CertState(row.state), row.valid_from, row.valid_until, row.decided_by,
                         row.revoked_on, row.note)


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

    def revoke(self, cert_id: str, day: date, by: str) -> bool:
        """Revoke from `day`; False when it is not certified (any more)."""
        done = self.connection.execute(
            update(t).where(t.c.cert_id == cert_id, t.c.state == CertState.CERTIFIED.value)
            .values(state=CertState.REVOKED.value, revoked_on=day, revoked_by=by))
        return done.rowcount == 1
