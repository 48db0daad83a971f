"""Reads of the registry for the interface: a person's document (1101) and the region a visit
is insured in."""

from __future__ import annotations

from datetime import date
from typing import Any

from yibao.core.money import fmt, from_fen
from yibao.enroll.model import Enrollment, PersonRecord
from yibao.interface.common import Call, Refusal
from yibao.interface.filing import person_filings
from yibao.services import national

#: psn_insu_stas: 1 参保缴费 (active), 2 暂停 (lapsed), 4 终止 (transferred away).
INSU_STATUS = {"active": "1", "lapsed": "2", "transferred": "4"}


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _insuinfo(enrollment: Enrollment, balance: str) -> dict[str, Any]:
    return {"insutype": enrollment.scheme, "psn_type": enrollment.psn_type,
            "insuplc_admdvs": enrollment.region, "year": enrollment.year,
            "psn_insu_stas": INSU_STATUS.get(enrollment.status.value, "2"),
            "psn_insu_date": enrollment.start_date.isoformat(),
            "crt_insu_date": enrollment.benefit_start.isoformat(),
            "emp_no": enrollment.employer_code or "", "balc": balance}


def _baseinfo(person: PersonRecord, today: date) -> dict[str, Any]:
    return {"psn_no": person.id_number, "psn_cert_type": "01", "certno": person.id_number,
            "psn_name": person.name, "gend": "1" if person.sex == "M" else "2",
            "brdy": person.birth_date.isoformat(), "age": _age(person.birth_date, today),
            "insuplc_admdvs": person.region}


def person_document(call: Call, psn_no: str) -> dict[str, Any]:
    """1101 output: `baseinfo`, `insuinfo` (one row per enrollment), `idetinfo` (groups) and
    `offsite_filings` (the person's cross-region filings, `interface.filing.filing_row`)."""
    person, enrollments, balances_fen = national.insured_with_accounts(psn_no, store=call.store)
    balances = {region: fmt(from_fen(fen)) for region, fen in balances_fen.items()}
    if person is None:
        raise Refusal("not_enrolled", f"参保人 {psn_no} 未登记")
    insuinfo = [_insuinfo(e, balances.get(e.region, "0.00") if e.scheme == "310" else "0.00")
                for e in enrollments]
    return {"baseinfo": _baseinfo(person, call.now.date()), "insuinfo": insuinfo,
            "idetinfo": [{"psn_idet_type": g} for g in sorted(person.groups)],
            "offsite_filings": person_filings(call, psn_no)}


def insured_region(call: Call, psn_no: str, insutype: str, on: date) -> str:
    """The region that insures the visit: the envelope's `insuplc_admdvs`, else the region of
    the person's enrollment in `insutype` that year (settlement checks it in full)."""
    person, enrollments = national.insured(psn_no, store=call.store)
    if person is None:
        raise Refusal("not_enrolled", f"参保人 {psn_no} 未登记")
    if call.insuplc_admdvs:
        return call.insuplc_admdvs
    same = [e for e in enrollments if e.scheme == insutype and e.year == on.year]
    if not same:
        raise Refusal("not_enrolled", f"参保人 {psn_no} 在 {on.year} 年度未参加 {insutype} 险种")
    active = [e for e in same if e.status.value == "active"]
    return (active or same)[-1].region

