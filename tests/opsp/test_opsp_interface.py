"""2503 (人员慢特病备案), 2504 (撤销) and 5301 (查询) through the signed national interface on a
live server (SQLite and PostgreSQL): the calling hospital certifies, a repeated msgid certifies
once, only the certifying institution revokes, refusals name the field or the rule, and
nothing is written then."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Live
from tests.services.population import CITY, CLINIC, HOSPITAL, RESIDENT
from yibao.opsp.model import valid_until
from yibao.services.offsite import beijing_today
from yibao.services.opsp import certifications_of


def _answer(live: Live, infno: str, data: dict[str, Any], **kw: Any) -> dict[str, Any]:
    response = live.call(infno, {"data": data}, **kw)
    assert response.status_code == 200, response.text
    doc: dict[str, Any] = response.json()
    return doc


def _held(live: Live, psn_no: str = RESIDENT) -> list[dict[str, Any]]:
    doc = _answer(live, "5301", {"psn_no": psn_no})
    assert doc["infcode"] == 0, doc
    rows: list[dict[str, Any]] = doc["output"]["feedetail"]
    return rows


def _data(**changes: str) -> dict[str, str]:
    return {"psn_no": RESIDENT, "insutype": "390", "opsp_dise_code": "M00500",
            "opsp_dise_name": "恶性肿瘤门诊放化疗", "diag_code": "C34.900",
            "diag_dr_codg": "D511623000001", "diag_dr_name": "王医生",
            "ide_fixmedins_no": HOSPITAL, "begndate": beijing_today().isoformat(), **changes}


def test_a_hospital_certifies_5301_answers_and_it_revokes(live_opsp: Live) -> None:
    live = live_opsp
    today = beijing_today()
    assert _held(live) == []
    done = _answer(live, "2503", _data(), msgid="OPSP0001")
    assert done["infcode"] == 0, done
    row = done["output"]
    # 恶性肿瘤门诊放化疗: cert_months 12 → today to today + 12 months − 1 day
    assert row["opsp_dise_code"] == "M00500" and row["opsp_dise_name"] == "恶性肿瘤门诊放化疗"
    assert row["begndate"] == today.isoformat()
    assert row["enddate"] == valid_until(today, 12).isoformat()
    assert row["ide_fixmedins_no"] == HOSPITAL and row["diag_dr_name"] == "王医生（D511623000001）"
    assert row["insuplc_admdvs"] == "511623" and row["cert_stas"] == "certified"
    # The same msgid is answered with the same answer and certifies nothing again.
    assert _answer(live, "2503", _data(), msgid="OPSP0001") == done
    held = _held(live)
    assert [(h["trt_dcla_detl_sn"], h["opsp_dise_code"], h["begndate"], h["enddate"])
            for h in held] == [(row["trt_dcla_detl_sn"], "M00500", row["begndate"],
                                row["enddate"])]
    found = certifications_of(RESIDENT, store=live.store)
    assert isinstance(found, list) and len(found) == 1
    assert found[0].cert.decided_by == f"{HOSPITAL}/0001"
    number = {"trt_dcla_detl_sn": row["trt_dcla_detl_sn"]}
    other = _answer(live, "2504", number, code=CLINIC)
    assert other["infcode"] == -1 and other["err_code"] == "other_institution", other
    wrong = _answer(live, "2504", {**number, "psn_no": CITY})
    assert wrong["infcode"] == -1 and "psn_no" in wrong["err_msg"], wrong
    revoked = _answer(live, "2504", {**number, "psn_no": RESIDENT})
    assert revoked["infcode"] == 0, revoked
    assert revoked["output"]["cert_stas"] == "revoked"
    assert revoked["output"]["revoked_date"] == today.isoformat()
    again = _answer(live, "2504", number)
    assert again["infcode"] == -1 and again["err_code"] == "not_certified"
    assert "已撤销" in again["err_msg"]
    assert _held(live) == []  # a revoked certification no longer holds


def test_refusals_name_the_field_or_rule_and_write_nothing(live_opsp: Live) -> None:
    live = live_opsp
    before = certifications_of(RESIDENT, store=live.store)
    for changes, code, word in (
            ({"diag_code": "E11.900"}, "diagnosis_not_listed", "诊断范围"),
            ({"diag_code": "肺癌"}, "invalid", "ICD-10"),
            ({"opsp_dise_code": "M99999"}, "disease_not_listed", "病种目录"),
            ({"begndate": "2026-02-30"}, "invalid_request", "begndate"),
            ({"ide_fixmedins_no": CLINIC}, "invalid_request", "ide_fixmedins_no"),
            ({"psn_no": "110101199001011234"}, "not_found", "没有参保人"),
            ({"psn_no": CITY}, "disease_not_listed", "病种目录")):
        doc = _answer(live, "2503", _data(**changes))
        assert doc["infcode"] == -1 and doc["err_code"] == code, (changes, doc)
        assert word in doc["err_msg"], (changes, doc)
    for field in ("diag_code", "diag_dr_name", "opsp_dise_code"):
        data = _data()
        del data[field]
        missing = _answer(live, "2503", data)
        assert missing["infcode"] == -1 and field in missing["err_msg"], missing
    unknown = _answer(live, "2504", {"trt_dcla_detl_sn": "CNOPE"})
    assert unknown["infcode"] == -1 and unknown["err_code"] == "not_found"
    nobody = _answer(live, "5301", {"psn_no": "110101199001011234"})
    assert nobody["infcode"] == -1 and nobody["err_code"] == "not_found"
    assert certifications_of(RESIDENT, store=live.store) == before
