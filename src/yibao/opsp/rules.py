"""The rules of certifying a person for a 门诊慢特病 disease (认定).

`check_certification` decides whether a certification is made and until when it holds, its
refusals returned as values with their reason in the precedence order of `CertRefusal`;
`check_revocation` whether a certification may be revoked.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from yibao.opsp.model import Certification, CertState, valid_until
from yibao.policy.benefits import Opsp


class CertRefusal(StrEnum):
    """Why a certification (or its revocation) is refused, in precedence order."""

    NOT_ENROLLED = "not_enrolled"
    DISEASE_NOT_LISTED = "disease_not_listed"
    DIAGNOSIS_NOT_LISTED = "diagnosis_not_listed"
    ALREADY_CERTIFIED = "already_certified"
    NOT_CERTIFIED = "not_certified"


@dataclass(frozen=True, slots=True)
class Refusal:
    reason: CertRefusal
    message: str


@dataclass(frozen=True, slots=True)
class NewCertification:
    """What a handler (or the health bureau's shared list) asks to certify."""

    disease: str
    icd10: str
    institution: str
    doctor: str
    valid_from: date


def check_certification(new: NewCertification, not_enrolled: str | None, opsp: Opsp,
                        existing: Iterable[Certification], *,
                        groups: frozenset[str] | None = None) -> date | Refusal:
    """The last day the new certification holds, or why it is refused.

    `not_enrolled` is why the person has no enrollment covering `valid_from` (None: enrolled);
    `opsp` the `[opsp]` section of the insured region's policy for that year; `groups` the
    disease groups accepted (None: all; the health bureau's list certifies 两病 only). A person
    holds at most one certification of a disease in force on a day."""
    if not_enrolled is not None:
        return Refusal(CertRefusal.NOT_ENROLLED, f"不能认定门诊慢特病：{not_enrolled}")
    disease = opsp.disease(new.disease)
    if disease is None or (groups is not None and disease.group not in groups):
        listed = [d for d in opsp.diseases if groups is None or d.group in groups]
        known = "、".join(f"{d.code}（{d.name}）" for d in listed) or "无"
        return Refusal(CertRefusal.DISEASE_NOT_LISTED,
                       f"病种 {new.disease!r} 不在参保地门诊慢特病病种目录中（可认定：{known}）")
    if not disease.covers(new.icd10):
        return Refusal(CertRefusal.DIAGNOSIS_NOT_LISTED,
                       f"诊断 {new.icd10} 不属于{disease.name}的诊断范围"
                       f"（ICD-10：{'、'.join(disease.icd10)}）")
    for other in existing:
        if other.disease == new.disease and other.holds_on(new.valid_from):
            return Refusal(CertRefusal.ALREADY_CERTIFIED,
                           f"已有{disease.name}认定 {other.cert_id}"
                           f"（{other.valid_from} 至 {other.valid_until}），不能重复认定")
    return valid_until(new.valid_from, disease.cert_months)


def check_revocation(cert: Certification) -> Refusal | None:
    """Only a certification in the certified state may be revoked, once."""
    if cert.state is not CertState.CERTIFIED:
        done = "已撤销" if cert.state is CertState.REVOKED else "未通过认定"
        return Refusal(CertRefusal.NOT_CERTIFIED, f"认定 {cert.cert_id} {done}，不能撤销")
    return None
