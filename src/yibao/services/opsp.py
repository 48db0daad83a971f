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

`who` is the bureau user acting (None: the operator's command line or the national interface,
every region): handlers (经办) and administrators certify, refuse and revoke where the person is
insured; the roles that read persons read the certifications of the insured regions in their
scope (`find_certifications`: filters and paging for the API and the console). A person
outside the scope is `not_found` (its existence is not revealed). `keep` is the national
interface's answer, kept under its msgid in the same unit of work as the write.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Sequence
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
from yibao.policy.loader import shipped_ids
from yibao.services.accounts import Principal, scope_prefix
from yibao.services.browse import EXPORT_ROWS_MAX
from yibao.services.bureau import PAGE_SIZE_MAX, PERMISSIONS
from yibao.services.national import Answer, keep_in
from yibao.services.offsite import beijing_today, log_write, parse_day, region_policy
from yibao.store import Store, default_store
from yibao.store.opsp import CertQuery
from yibao.store.uow import UnitOfWork

SOURCES: Final = ("handler", "health", "interface")
#: Who may certify, refuse and revoke at the bureau: handlers (经办) and administrators.
WRITERS: Final = frozenset({"handler", "admin"})
READERS: Final = PERMISSIONS["persons"]
PSN_NO_MAX: Final = 32
#: The group the health bureau's shared list certifies (两病: 高血压、糖尿病).
HEALTH_GROUPS: Final = frozenset({"liangbing"})
HEALTH_HEADER: Final = ("id_number", "disease", "icd10", "diagnosed_on", "institution")
HEALTH_DOCTOR: Final = "卫健部门共享"
NOTE_MAX: Final = 500
EXPIRING_MAX_DAYS: Final = 3660


class CertProblem(StrEnum):
    """Why a request is refused before the certification rules (`CertRefusal`) are asked."""

    INVALID = "invalid"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    OUT_OF_SCOPE = "out_of_scope"
    OTHER_INSTITUTION = "other_institution"


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


def _not_found(psn_no: str, who: Principal | None = None) -> CertRefused:
    scope = "" if who is None else "（或不在管辖范围内）"
    return CertRefused(CertProblem.NOT_FOUND, f"没有参保人 {psn_no}{scope}")


def _may(who: Principal | None, roles: frozenset[str], doing: str) -> CertRefused | None:
    if who is not None and who.role not in roles:
        return CertRefused(CertProblem.FORBIDDEN, f"角色 {who.role} 无权{doing}门诊慢特病认定")
    return None


def check_psn_no(value: str) -> CertRefused | None:
    """A person number is 1 to 32 ASCII letters and digits (the ID number)."""
    if not (0 < len(value) <= PSN_NO_MAX and value.isascii() and value.isalnum()):
        return CertRefused(CertProblem.INVALID, f"人员编号 {value!r} 无效："
                           "应为身份证号（人员编号），1 至 32 位字母或数字")
    return None


def _out_of_scope(who: Principal | None, region: str) -> CertRefused | None:
    if who is not None and not who.sees(region):
        return CertRefused(CertProblem.OUT_OF_SCOPE,
                           f"参保地 {region} 不在您的管辖范围（{who.region}）内")
    return None


def _locked(uow: UnitOfWork, psn_no: str, institution: str, on: date,
            who: Principal | None = None) -> CertRefused | tuple[str | None, str | None]:
    """Lock the person; (insured region or None, why not enrolled or None) on day `on`. A
    person none of whose enrollments is in `who`'s scope is not found."""
    if not uow.filings.lock_person(psn_no):
        return _not_found(psn_no, who)
    enrollments = uow.registry.enrollments_of(psn_no)
    if who is not None and not any(who.sees(e.region) for e in enrollments):
        return _not_found(psn_no, who)
    if uow.registry.institution(institution) is None:
        return CertRefused(CertProblem.NOT_FOUND, f"没有定点医药机构 {institution}")
    covering = covering_enrollment(enrollments, on)
    if isinstance(covering, Ineligible):
        return None, covering.message
    return covering.region, None


def _last_region(uow: UnitOfWork, psn_no: str) -> str:
    person = uow.registry.person(psn_no)
    assert person is not None, "locked after reading it registered"
    return str(person.region)


#: The national interface's answer to what was written, kept under its msgid in the
#: certification's unit of work (`AnsweredBefore` when the msgid was answered meanwhile, and
#: nothing is written).
Keep = Callable[["Certified"], Answer]


def certify(psn_no: str, new: NewCertification, *, actor: str, source: str = "handler",
            groups: frozenset[str] | None = None, today: date | None = None,
            store: Store | None = None, who: Principal | None = None,
            keep: Keep | None = None) -> Certified | CertRefused:
    """Certify the person `psn_no` for `new.disease` from `new.valid_from` (see the module
    doc); the certification, or why not. Nothing is written on a refusal."""
    assert source in SOURCES, source
    refused = _may(who, WRITERS, "办理") or check_input(new)
    if refused is not None:
        return refused
    today = today or beijing_today()

    def work(uow: UnitOfWork) -> Certified | CertRefused:
        found = _locked(uow, psn_no, new.institution, new.valid_from, who)
        if isinstance(found, CertRefused):
            return found
        region, not_enrolled = found
        if region is not None and (outside := _out_of_scope(who, region)) is not None:
            return outside
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
        done = _shown(cert, today)
        if keep is not None:
            keep_in(uow, keep(done))
        uow.commit()
        return done

    return (store or default_store()).transaction(work)


def refuse(psn_no: str, new: NewCertification, note: str, *, actor: str,
           today: date | None = None, store: Store | None = None,
           who: Principal | None = None) -> Certified | CertRefused:
    """Record an application refused after review (未通过认定) with why (`note`): nothing
    holds; the person may apply again."""
    note = note.strip()
    refused = _may(who, WRITERS, "办理") or check_input(new)
    if refused is None and not note:
        refused = CertRefused(CertProblem.INVALID, "未通过认定的原因不能为空")
    if refused is None and len(note) > NOTE_MAX:
        refused = CertRefused(CertProblem.INVALID, f"未通过认定的原因不得超过 {NOTE_MAX} 个字符")
    if refused is not None:
        return refused
    today = today or beijing_today()

    def work(uow: UnitOfWork) -> Certified | CertRefused:
        found = _locked(uow, psn_no, new.institution, new.valid_from, who)
        if isinstance(found, CertRefused):
            return found
        region = found[0] or _last_region(uow, psn_no)
        if (outside := _out_of_scope(who, region)) is not None:
            return outside
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
           store: Store | None = None, who: Principal | None = None,
           by_institution: str | None = None, keep: Keep | None = None
           ) -> Certified | CertRefused:
    """Revoke a certification from `today` (it no longer holds that day); once only.
    `by_institution`: only a certification that institution made (the national interface)."""
    forbidden = _may(who, WRITERS, "撤销")
    if forbidden is not None:
        return forbidden
    today = today or beijing_today()
    scope = "" if who is None else "（或不在管辖范围内）"

    def work(uow: UnitOfWork) -> Certified | CertRefused:
        found = uow.certifications.get(cert_id)
        if found is None or (who is not None and not who.sees(found.insured_region)):
            return CertRefused(CertProblem.NOT_FOUND, f"没有认定 {cert_id}{scope}")
        if by_institution is not None and found.institution != by_institution:
            return CertRefused(CertProblem.OTHER_INSTITUTION,
                               f"认定 {cert_id} 不是本机构认定的，不能由本机构撤销")
        uow.filings.lock_person(found.psn_no)
        found = uow.certifications.get(cert_id)
        assert found is not None, "a certification is never deleted"
        refusal = check_revocation(found)
        if refusal is not None:
            return CertRefused(refusal.reason.value, refusal.message)
        revoked = uow.certifications.revoke(cert_id, today, actor[:64])
        assert revoked, "revoked under the person's lock after reading it certified"
        log_write(uow, actor, "opsp.revoke", cert_id,
             {"psn_no": found.psn_no, "revoked_on": today.isoformat()}, found.insured_region)
        done = _shown(replace(found, state=CertState.REVOKED, revoked_on=today), today)
        if keep is not None:
            keep_in(uow, keep(done))
        uow.commit()
        return done

    return (store or default_store()).transaction(work)


def certifications_of(psn_no: str, *, today: date | None = None, store: Store | None = None,
                      who: Principal | None = None) -> list[Certified] | CertRefused:
    """The person's certifications (refused, revoked, expired ones too), oldest first; a user
    sees those of the insured regions in their scope."""
    refused = _may(who, READERS, "查看")
    if refused is not None:
        return refused
    today = today or beijing_today()
    with (store or default_store()).unit_of_work(read_only=True) as uow:
        hidden = _hidden(uow, psn_no, who)
        if hidden is not None:
            return hidden
        found = uow.certifications.of_person(psn_no)
    return [_shown(c, today) for c in found if who is None or who.sees(c.insured_region)]


def _hidden(uow: UnitOfWork, psn_no: str, who: Principal | None) -> CertRefused | None:
    """`not_found` for a person not registered, or whom `who` must not learn of: neither the
    person's region nor any enrollment nor any certification is in scope."""
    person = uow.registry.person(psn_no)
    if person is None:
        return _not_found(psn_no, who)
    if who is None or who.sees(person.region):
        return None
    if any(who.sees(e.region) for e in uow.registry.enrollments_of(psn_no)):
        return None
    if any(who.sees(c.insured_region) for c in uow.certifications.of_person(psn_no)):
        return None
    return _not_found(psn_no, who)


@dataclass(frozen=True, slots=True)
class CertFilter:
    """A list's filters: a person, a disease, a state as shown on the day read (`expired`
    derived), and `expiring`: only certifications in force whose last day is within that many
    days (复审到期)."""

    psn_no: str | None = None
    disease: str | None = None
    state: CertState | None = None
    expiring: int | None = None


def parse_filter(psn_no: str = "", disease: str = "", state: str = "",
                 expiring: int | None = None) -> CertFilter | CertRefused:
    """The filters as typed (blank: not filtered), or the first one that is wrong."""
    psn_no, disease, state = psn_no.strip(), disease.strip(), state.strip()
    wrong = check_psn_no(psn_no) if psn_no else None
    if wrong is not None:
        return wrong
    if disease and (len(disease) > 20 or not disease.isascii() or not disease.isalnum()):
        return CertRefused(CertProblem.INVALID, f"病种编码 {disease!r} 无效")
    states = {s.value: s for s in CertState}
    if state and state not in states:
        return CertRefused(CertProblem.INVALID,
                           f"状态 {state!r} 无效：应为 {'、'.join(states)} 之一")
    if expiring is not None and not 0 <= expiring <= EXPIRING_MAX_DAYS:
        return CertRefused(CertProblem.INVALID,
                           f"天数 {expiring} 无效：应为 0 至 {EXPIRING_MAX_DAYS}")
    return CertFilter(psn_no or None, disease or None, states.get(state), expiring)


@dataclass(frozen=True, slots=True)
class CertPage:
    total: int
    items: list[Certified]


def find_certifications(wanted: CertFilter, *, limit: int = PAGE_SIZE_MAX, offset: int = 0,
                        who: Principal | None = None, today: date | None = None,
                        store: Store | None = None) -> CertPage | CertRefused:
    """One page (at most PAGE_SIZE_MAX) of the certifications of the insured regions in
    `who`'s scope that `wanted` selects, with their count: soonest last day first for
    `expiring`, else newest first. A person filter naming someone outside the scope is
    `not_found`."""
    return _find(wanted, max(1, min(limit, PAGE_SIZE_MAX)), max(0, offset), who, today, store)


def export_certifications(wanted: CertFilter, *, who: Principal | None = None,
                          today: date | None = None, store: Store | None = None
                          ) -> CertPage | CertRefused:
    """Every certification `find_certifications` selects, for an Excel export; only the count
    (no items) when there are more than EXPORT_ROWS_MAX."""
    counted = _find(wanted, 1, 0, who, today, store)
    if isinstance(counted, CertRefused) or counted.total > EXPORT_ROWS_MAX:
        return CertPage(counted.total, []) if isinstance(counted, CertPage) else counted
    return _find(wanted, EXPORT_ROWS_MAX, 0, who, today, store)


def _find(wanted: CertFilter, limit: int, offset: int, who: Principal | None,
          today: date | None, store: Store | None) -> CertPage | CertRefused:
    refused = _may(who, READERS, "查看")
    if refused is not None:
        return refused
    today = today or beijing_today()
    ending = None if wanted.expiring is None else today + timedelta(days=wanted.expiring)
    query = CertQuery(today, scope_prefix(who.region) if who is not None else "",
                      wanted.psn_no, wanted.disease, wanted.state, ending)
    with (store or default_store()).unit_of_work(read_only=True) as uow:
        if wanted.psn_no is not None:
            hidden = _hidden(uow, wanted.psn_no, who)
            if hidden is not None:
                return hidden
        total, found = uow.certifications.page(query, limit, offset)
    names: dict[tuple[str, int], Opsp] = {}

    def shown(cert: Certification) -> Certified:
        day = cert.valid_from or cert.applied_on
        key = (cert.insured_region, day.year)
        if key not in names:
            names[key] = opsp_of(*key)
        disease = names[key].disease(cert.disease)
        return Certified(cert, state_on(cert, today), "" if disease is None else disease.name)

    return CertPage(total, [shown(c) for c in found])


def disease_choices(who: Principal | None = None) -> dict[str, str]:
    """The diseases of the shipped policies of the regions in `who`'s scope (code → name,
    newest year's name), for a face's disease filter."""
    choices: dict[str, str] = {}
    for policy_id in shipped_ids():
        region = policy_id.split("-")[0]
        if who is not None and not who.sees(region):
            continue
        for disease in opsp_of(region, int(policy_id.split("-")[1])).diseases:
            choices[disease.code] = disease.name
    return dict(sorted(choices.items()))


def parse_new_certification(disease: str, icd10: str, institution: str, doctor: str,
                            valid_from: str | None) -> NewCertification | CertRefused:
    """A request as a face typed it (blank `valid_from`: today, Beijing), or what is wrong."""
    day: date | CertRefused
    if valid_from is None or not valid_from.strip():
        day = beijing_today()
    else:
        parsed = parse_day(valid_from.strip(), "认定生效日期")
        day = parsed if isinstance(parsed, date) else CertRefused(CertProblem.INVALID,
                                                                  parsed.message)
    if isinstance(day, CertRefused):
        return day
    new = NewCertification(disease.strip(), icd10.strip(), institution.strip(), doctor.strip(),
                           day)
    return check_input(new) or new


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
