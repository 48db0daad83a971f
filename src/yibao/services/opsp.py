"""门诊慢特病认定 use cases (docs/benefits.md): certify, refuse and revoke a certification, list
a person's certifications and those about to expire, and certify the 两病 patients the health
bureau shares (卫健部门共享确诊名单, 直接标识).

`certify` checks the person (registered; an active enrollment covering the first valid day:
its region is the insured region), the disease and diagnosis against the `[opsp]` list of the
insured region's policy for that year (`region_policy`), and the person's other
certifications, then writes the certification and a write-log row in one unit of work under
the person's row lock (`FilingRepository.lock_person`: `SELECT … FOR UPDATE` on PostgreSQL,
SQLite's `BEGIN IMMEDIATE` serialises writers), so two concurrent certifications of one
disease for one person cannot both pass the `already_certified` check. Every refusal is a
value (`CertRefused`) with a reason code and one zh-CN sentence.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

from yibao.enroll.eligibility import Refusal as Ineligible
from yibao.enroll.eligibility import covering_enrollment
from yibao.opsp.model import STATE_NAMES, Certification, CertState, state_on
from yibao.opsp.rules import NewCertification, Refusal, check_certification, check_revocation
from yibao.policy.benefits import ICD10_PREFIX, Opsp
from yibao.services.offsite import beijing_today, log_write, parse_day, region_policy
from yibao.store import Store, default_store
from yibao.store.uow import UnitOfWork

SOURCES: Final = ("handler", "health")
#: The group the health bureau's shared list certifies (两病: 高血压、糖尿病).
HEALTH_GROUPS: Final = frozenset({"liangbing"})
HEALTH_HEADER: Final = ("id_number", "disease", "icd10", "diagnosed_on", "institution")
HEALTH_DOCTOR: Final = "卫健部门共享"
NOTE_MAX: Final = 500
EXPIRING_MAX_DAYS: Final = 3660


class CertProblem(StrEnum):
    """Why a request is refused before the certification rules (`CertRefusal`) are asked."""

    INVALID = "invalid"
    NOT_FOUND = "not_found"


@dataclass(frozen=True, slots=True)
class CertRefused:
    """A refused request: `reason` is a `CertProblem` or a `CertRefusal` value."""

    reason: str
    message: str


@dataclass(frozen=True, slots=True)
class Certified:
    """A certification as a face shows it, with its state on `today`."""

    cert: Certification
    state: CertState
    disease_name: str = ""

    def to_json(self) -> dict[str, Any]:
        c = self.cert

        def day(d: date | None) -> str | None:
            return None if d is None else d.isoformat()

        return {"cert_id": c.cert_id, "psn_no": c.psn_no, "insured_region": c.insured_region,
                "disease": c.disease, "disease_name": self.disease_name, "icd10": c.icd10,
                "institution": c.institution, "doctor": c.doctor,
                "applied_on": day(c.applied_on), "decided_on": day(c.decided_on),
                "valid_from": day(c.valid_from), "valid_until": day(c.valid_until),
                "state": self.state.value, "state_name": STATE_NAMES[self.state],
                "decided_by": c.decided_by, "revoked_on": day(c.revoked_on), "note": c.note}


def opsp_of(region: str, year: int) -> Opsp:
    """The `[opsp]` section of `region`'s policy for `year` (empty when none is shipped)."""
    policy = region_policy(region, year)
    return Opsp() if policy is None or policy.opsp is None else policy.opsp


def _disease_name(region: str, cert: Certification) -> str:
    day = cert.valid_from or cert.applied_on
    disease = opsp_of(region, day.year).disease(cert.disease)
    return "" if disease is None else disease.name


def _shown(cert: Certification, today: date) -> Certified:
    return Certified(cert, state_on(cert, today), _disease_name(cert.insured_region, cert))


def check_input(new: NewCertification) -> CertRefused | None:
    """The checks of a request's own fields: the diagnosis is an ICD-10 code, the institution
    and the doctor are given."""
    if not ICD10_PREFIX.fullmatch(new.icd10):
        return CertRefused(CertProblem.INVALID,
                           f"诊断编码 {new.icd10!r} 无效：应为 ICD-10 编码（如 I10、E11.900）")
    if not new.disease.strip() or len(new.disease) > 20:
        return CertRefused(CertProblem.INVALID, f"病种编码 {new.disease!r} 无效")
    if not new.institution.strip() or len(new.institution) > 32:
        return CertRefused(CertProblem.INVALID, f"认定机构编码 {new.institution!r} 无效")
    if not new.doctor.strip() or len(new.doctor) > 64:
        return CertRefused(CertProblem.INVALID, "认定医师不能为空，且不得超过 64 个字符")
    return None


def new_cert_id(psn_no: str, new: NewCertification, decided_on: date, earlier: int) -> str:
    """"C" and 20 hex digits from the request and the number of the person's earlier
    certifications (read under the person's lock: unique)."""
    text = "\x1f".join((psn_no, new.disease, new.icd10, new.valid_from.isoformat(),
                        decided_on.isoformat(), str(earlier)))
    return "C" + hashlib.sha256(text.encode()).hexdigest()[:20].upper()


def _not_found(psn_no: str) -> CertRefused:
    return CertRefused(CertProblem.NOT_FOUND, f"没有参保人 {psn_no}")


def _locked(uow: UnitOfWork, psn_no: str, institution: str, on: date
            ) -> CertRefused | tuple[str | None, str | None]:
    """Lock the person; (insured region or None, why not enrolled or None) on day `on`."""
    if not uow.filings.lock_person(psn_no):
        return _not_found(psn_no)
    if uow.registry.institution(institution) is None:
        return CertRefused(CertProblem.NOT_FOUND, f"没有定点医药机构 {institution}")
    covering = covering_enrollment(uow.registry.enrollments_of(psn_no), on)
    if isinstance(covering, Ineligible):
        return None, covering.message
    return covering.region, None


def _last_region(uow: UnitOfWork, psn_no: str) -> str:
    person = uow.registry.person(psn_no)
    assert person is not None, "locked after reading it registered"
    return str(person.region)


def certify(psn_no: str, new: NewCertification, *, actor: str, source: str = "handler",
            groups: frozenset[str] | None = None, today: date | None = None,
            store: Store | None = None) -> Certified | CertRefused:
    """Certify the person `psn_no` for `new.disease` from `new.valid_from` (see the module
    doc); the certification, or why not. Nothing is written on a refusal."""
    assert source in SOURCES, source
    refused = check_input(new)
    if refused is not None:
        return refused
    today = today or beijing_today()

    def work(uow: UnitOfWork) -> Certified | CertRefused:
        found = _locked(uow, psn_no, new.institution, new.valid_from)
        if isinstance(found, CertRefused):
            return found
        region, not_enrolled = found
        opsp = opsp_of(region, new.valid_from.year) if region is not None else Opsp()
        existing = uow.certifications.of_person(psn_no)
        until = check_certification(new, not_enrolled, opsp, existing, groups=groups)
        if isinstance(until, Refusal):
            return CertRefused(until.reason.value, until.message)
        assert region is not None
        cert = Certification(new_cert_id(psn_no, new, today, len(existing)), psn_no, region,
                             new.disease, new.icd10, new.institution, new.doctor, today, today,
                             CertState.CERTIFIED, new.valid_from, until, actor[:64])
        uow.certifications.add(cert, source=source)
        log_write(uow, actor, "opsp.certify", cert.cert_id,
             {"psn_no": psn_no, "disease": new.disease, "icd10": new.icd10,
              "institution": new.institution, "valid_from": new.valid_from.isoformat(),
              "valid_until": until.isoformat(), "source": source}, region)
        uow.commit()
        return _shown(cert, today)

    return (store or default_store()).transaction(work)


def refuse(psn_no: str, new: NewCertification, note: str, *, actor: str,
           today: date | None = None, store: Store | None = None) -> Certified | CertRefused:
    """Record an application refused after review (未通过认定) with why (`note`): nothing
    holds; the person may apply again."""
    note = note.strip()
    refused = check_input(new)
    if refused is None and not note:
        refused = CertRefused(CertProblem.INVALID, "未通过认定的原因不能为空")
    if refused is None and len(note) > NOTE_MAX:
        refused = CertRefused(CertProblem.INVALID, f"未通过认定的原因不得超过 {NOTE_MAX} 个字符")
    if refused is not None:
        return refused
    today = today or beijing_today()

    def work(uow: UnitOfWork) -> Certified | CertRefused:
        found = _locked(uow, psn_no, new.institution, new.valid_from)
        if isinstance(found, CertRefused):
            return found
        region = found[0] or _last_region(uow, psn_no)
        earlier = uow.certifications.count_of(psn_no)
        cert = Certification(new_cert_id(psn_no, new, today, earlier), psn_no, region,
                             new.disease, new.icd10, new.institution, new.doctor,
                             new.valid_from, today, CertState.REFUSED, decided_by=actor[:64],
                             note=note)
        uow.certifications.add(cert, source="handler")
        log_write(uow, actor, "opsp.refuse", cert.cert_id,
             {"psn_no": psn_no, "disease": new.disease, "icd10": new.icd10, "note": note},
             region)
        uow.commit()
        return _shown(cert, today)

    return (store or default_store()).transaction(work)


def revoke(cert_id: str, *, actor: str, today: date | None = None,
           store: Store | None = None) -> Certified | CertRefused:
    """Revoke a certification from `today` (it no longer holds that day); once only."""
    today = today or beijing_today()

    def work(uow: UnitOfWork) -> Certified | CertRefused:
        found = uow.certifications.get(cert_id)
        if found is None:
            return CertRefused(CertProblem.NOT_FOUND, f"没有认定 {cert_id}")
        uow.filings.lock_person(found.psn_no)
        found = uow.certifications.get(cert_id)
        assert found is not None, "a certification is never deleted"
        refusal = check_revocation(found)
        if refusal is not None:
            return CertRefused(refusal.reason.value, refusal.message)
        done = uow.certifications.revoke(cert_id, today, actor[:64])
        assert done, "revoked under the person's lock after reading it certified"
        log_write(uow, actor, "opsp.revoke", cert_id,
             {"psn_no": found.psn_no, "revoked_on": today.isoformat()}, found.insured_region)
        uow.commit()
        return _shown(replace(found, state=CertState.REVOKED, revoked_on=today), today)

    return (store or default_store()).transaction(work)


def certifications_of(psn_no: str, *, today: date | None = None, store: Store | None = None
                      ) -> list[Certified] | CertRefused:
    """The person's certifications (refused, revoked, expired ones too), oldest first."""
    today = today or beijing_today()
    with (store or default_store()).unit_of_work(read_only=True) as uow:
        if uow.registry.person(psn_no) is None:
            return _not_found(psn_no)
        found = uow.certifications.of_person(psn_no)
    return [_shown(c, today) for c in found]


def expiring(days: int, *, today: date | None = None, store: Store | None = None
             ) -> list[Certified] | CertRefused:
    """Certifications in force whose last day is within `days` days from `today` (today
    included), soonest first: the persons to remind to renew (复审)."""
    if not 0 <= days <= EXPIRING_MAX_DAYS:
        return CertRefused(CertProblem.INVALID, f"天数 {days} 无效：应为 0 至 {EXPIRING_MAX_DAYS}")
    today = today or beijing_today()
    with (store or default_store()).unit_of_work(read_only=True) as uow:
        found = uow.certifications.ending_between(today, today + timedelta(days=days))
    return [_shown(c, today) for c in found]


# ---------- the health bureau's shared list (卫健部门共享) ----------


@dataclass(frozen=True, slots=True)
class HealthRow:
    line: int
    psn_no: str
    new: NewCertification


@dataclass
class HealthReport:
    """What an import did: the certifications written and each refused row with its reason."""

    certified: list[Certified] = field(default_factory=list)
    refused: list[tuple[int, str, CertRefused]] = field(default_factory=list)


def read_health_file(path: Path) -> list[HealthRow] | CertRefused:
    """The rows of a shared-list CSV (`id_number,disease,icd10,diagnosed_on,institution`,
    UTF-8), or the first thing wrong with the file (naming its line)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        kind = "不是 UTF-8 编码" if isinstance(err, UnicodeDecodeError) else "无法读取"
        return CertRefused(CertProblem.INVALID, f"文件 {path} {kind}")
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None or tuple(h.strip() for h in header) != HEALTH_HEADER:
        return CertRefused(CertProblem.INVALID,
                           f"文件 {path} 的表头应为 {','.join(HEALTH_HEADER)}")
    rows: list[HealthRow] = []
    for number, cells in enumerate(reader, start=2):
        if not cells:
            continue
        if len(cells) != len(HEALTH_HEADER):
            return CertRefused(CertProblem.INVALID,
                               f"文件 {path} 第 {number} 行应有 {len(HEALTH_HEADER)} 列，"
                               f"实有 {len(cells)} 列")
        psn_no, disease, icd10, diagnosed, institution = (c.strip() for c in cells)
        day = parse_day(diagnosed, "确诊日期")
        if not isinstance(day, date):
            return CertRefused(CertProblem.INVALID, f"文件 {path} 第 {number} 行：{day.message}")
        new = NewCertification(disease, icd10, institution, HEALTH_DOCTOR, day)
        wrong = check_input(new)
        if wrong is None and not psn_no:
            wrong = CertRefused(CertProblem.INVALID, "身份证号不能为空")
        if wrong is not None:
            return CertRefused(CertProblem.INVALID,
                               f"文件 {path} 第 {number} 行：{wrong.message}")
        rows.append(HealthRow(number, psn_no, new))
    if not rows:
        return CertRefused(CertProblem.INVALID, f"文件 {path} 没有数据行")
    return rows


def import_health(rows: Sequence[HealthRow], *, actor: str, today: date | None = None,
                  store: Store | None = None) -> HealthReport:
    """Certify each row's person for its 两病 disease from the day of diagnosis (each row its
    own unit of work); a row the rules refuse is reported with its reason, not written."""
    report = HealthReport()
    for row in rows:
        done = certify(row.psn_no, row.new, actor=actor, source="health",
                       groups=HEALTH_GROUPS, today=today, store=store)
        if isinstance(done, CertRefused):
            report.refused.append((row.line, row.psn_no, done))
        else:
            report.certified.append(done)
    return report
