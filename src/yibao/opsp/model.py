"""A certification (门诊慢特病认定) as a frozen value, and its state on a day.

A certification names the person, the disease (a code of the policy's `[opsp]` list), the
diagnosis (ICD-10) it rests on, the certifying institution and doctor, the day it was applied
for and decided, and the days it holds: from `valid_from` to `valid_until` inclusive, that is
`cert_months` calendar months of the disease (`valid_until` = `valid_from` + months − 1 day).

Stored states are `applied`, `certified`, `refused` and `revoked`. `expired` is never stored:
it is derived from the dates (`state_on`), so no sweep is needed and a certification read on
any day shows the state of that day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Final

from yibao.enroll.waiting import add_months


class CertState(StrEnum):
    APPLIED = "applied"  # 已申请
    CERTIFIED = "certified"  # 已认定
    REFUSED = "refused"  # 未通过
    EXPIRED = "expired"  # 已到期 (derived, never stored)
    REVOKED = "revoked"  # 已撤销


STATE_NAMES: Final = {CertState.APPLIED: "已申请", CertState.CERTIFIED: "有效",
                      CertState.REFUSED: "未通过", CertState.EXPIRED: "已到期",
                      CertState.REVOKED: "已撤销"}
#: The states a row may hold in the store.
STORED: Final = frozenset({CertState.APPLIED, CertState.CERTIFIED, CertState.REFUSED,
                           CertState.REVOKED})


def valid_until(valid_from: date, cert_months: int) -> date:
    """The last day a certification from `valid_from` holds: `cert_months` calendar months
    later (clamped to the end of a shorter month), less one day."""
    return add_months(valid_from, cert_months) - timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Certification:
    """One certification row; `valid_from`/`valid_until` are None for an application not
    certified (applied, refused), `revoked_on` the day from which a revoked one no longer
    holds, `note` why an application was refused."""

    cert_id: str
    psn_no: str
    insured_region: str
    disease: str
    icd10: str
    institution: str
    doctor: str
    applied_on: date
    decided_on: date | None
    state: CertState
    valid_from: date | None = None
    valid_until: date | None = None
    decided_by: str = ""
    revoked_on: date | None = None
    note: str = ""

    def holds_on(self, day: date) -> bool:
        """In force on `day`: certified (or revoked later than `day`) and within its dates."""
        if self.valid_from is None or self.valid_until is None:
            return False
        if self.state is CertState.REVOKED:
            if self.revoked_on is None or day >= self.revoked_on:
                return False
        elif self.state is not CertState.CERTIFIED:
            return False
        return self.valid_from <= day <= self.valid_until


def state_on(cert: Certification, today: date) -> CertState:
    """The state a face shows on `today`: a certified one past `valid_until` is `expired`."""
    if (cert.state is CertState.CERTIFIED and cert.valid_until is not None
            and cert.valid_until < today):
        return CertState.EXPIRED
    return cert.state
