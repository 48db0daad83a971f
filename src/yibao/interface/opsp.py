"""门诊慢特病 through the interface (docs/interface.md): 2503 人员慢特病备案 (a certification made
by the calling institution, which is the certifying one), 2504 备案撤销 (only a certification
that institution made) and 5301 人员慢特病备案查询 (the diseases a person holds).

A certification and the answer kept under the msgid are written in one transaction, so a
repeated msgid is answered with the first answer and never certifies twice. The national field
names are kept (`opsp_dise_code`, `begndate`, `enddate`, `diag_dr_codg`, `diag_dr_name`,
`ide_fixmedins_no`, `trt_dcla_detl_sn`); the diagnosis the rules check is `diag_code`
(ICD-10), named as in 2401's `diseinfo`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Final

from yibao.core.beijing import in_beijing
from yibao.interface.common import Call, Kept, Refusal, day, kept, section, success, text
from yibao.opsp.model import CertState
from yibao.opsp.rules import NewCertification
from yibao.services import national
from yibao.services.opsp import (
    Certified,
    CertRefused,
    certifications_of,
    certify,
    revoke,
)

PATH: Final = "input.data"
DOCTOR_PART_MAX: Final = 30


def cert_row(item: Certified) -> dict[str, Any]:
    """A certification as the interface names its fields (2503, 2504 and 5301's `feedetail`)."""
    doc = item.to_json()
    return {"trt_dcla_detl_sn": doc["cert_id"], "psn_no": doc["psn_no"],
            "insuplc_admdvs": doc["insured_region"], "opsp_dise_code": doc["disease"],
            "opsp_dise_name": doc["disease_name"], "diag_code": doc["icd10"],
            "ide_fixmedins_no": doc["institution"], "diag_dr_name": doc["doctor"],
            "begndate": doc["valid_from"] or "", "enddate": doc["valid_until"] or "",
            "decl_date": doc["decided_on"] or "", "revoked_date": doc["revoked_on"] or "",
            "cert_stas": doc["state"], "cert_stas_name": doc["state_name"]}


def _today(call: Call) -> date:
    return in_beijing(call.now).date()


def _refusal(refused: CertRefused) -> Refusal:
    return Refusal(refused.reason, refused.message)


def _keep(call: Call, texts: list[str]) -> Any:
    def keep(item: Certified) -> national.Answer:
        answer = kept(call, success(call, cert_row(item)))
        texts.append(answer.text)
        return answer
    return keep


def _doctor(data: Mapping[str, Any]) -> str:
    """The certifying doctor as recorded: the name, with the national doctor code if sent."""
    name = text(data, "diag_dr_name", PATH, limit=DOCTOR_PART_MAX)
    code = text(data, "diag_dr_codg", PATH, required=False, limit=DOCTOR_PART_MAX)
    assert name is not None
    return f"{name}（{code}）" if code else name


def certify_2503(call: Call, payload: Mapping[str, Any]) -> Kept:
    """2503: certify a person for a disease (`psn_no`, `opsp_dise_code`, `diag_code`,
    `diag_dr_name`, optional `diag_dr_codg`, `begndate`); the calling institution is the
    certifying one (`ide_fixmedins_no`, when sent, must name it)."""
    data = section(payload, "data")
    psn_no = text(data, "psn_no", PATH, limit=32)
    disease = text(data, "opsp_dise_code", PATH, limit=30)
    icd10 = text(data, "diag_code", PATH, limit=20)
    start = day(data, "begndate", PATH)
    doctor = _doctor(data)
    institution = text(data, "ide_fixmedins_no", PATH, required=False, limit=30)
    assert psn_no and disease and icd10 and start
    if institution is not None and institution != call.fixmedins_code:
        raise Refusal("invalid_request",
                      f"{PATH}.ide_fixmedins_no：认定机构须为本机构 {call.fixmedins_code}")
    texts: list[str] = []
    done = certify(psn_no, NewCertification(disease, icd10, call.fixmedins_code, doctor, start),
                   actor=f"{call.fixmedins_code}/{call.opter}", source="interface",
                   today=_today(call), keep=_keep(call, texts), store=call.store)
    if isinstance(done, CertRefused):
        raise _refusal(done)
    return Kept(texts[-1])


def revoke_2504(call: Call, payload: Mapping[str, Any]) -> Kept:
    """2504: revoke a certification this institution made (`trt_dcla_detl_sn`; `psn_no`, when
    sent, must be its person)."""
    data = section(payload, "data")
    cert_id = text(data, "trt_dcla_detl_sn", PATH, limit=32)
    psn_no = text(data, "psn_no", PATH, required=False, limit=32)
    assert cert_id
    if psn_no is not None:  # a certification's person never changes: read before the write
        held = certifications_of(psn_no, store=call.store)
        if isinstance(held, CertRefused) or cert_id not in {c.cert.cert_id for c in held}:
            raise Refusal("invalid_request", f"{PATH}.psn_no：与认定 {cert_id} 的参保人不符")
    texts: list[str] = []
    done = revoke(cert_id, actor=f"{call.fixmedins_code}/{call.opter}",
                  by_institution=call.fixmedins_code, today=_today(call),
                  keep=_keep(call, texts), store=call.store)
    if isinstance(done, CertRefused):
        raise _refusal(done)
    return Kept(texts[-1])


def query_5301(call: Call, payload: Mapping[str, Any]) -> dict[str, Any]:
    """5301: the person's certifications in force on the call's day or starting later
    (`feedetail`, earliest first): the diseases a 门诊慢特病 visit may be settled for."""
    data = section(payload, "data")
    psn_no = text(data, "psn_no", PATH, limit=32)
    assert psn_no
    found = certifications_of(psn_no, today=_today(call), store=call.store)
    if isinstance(found, CertRefused):
        raise _refusal(found)
    held = sorted((c for c in found if c.state is CertState.CERTIFIED),
                  key=lambda c: (c.cert.valid_from or date.min, c.cert.cert_id))
    return {"feedetail": [cert_row(c) for c in held]}
