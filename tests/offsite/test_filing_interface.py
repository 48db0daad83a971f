"""2501A (filing) and 2502A (revocation) through the signed national interface on a live server
(SQLite and PostgreSQL), and 1101 answering the person's filings."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.api.conftest import Live
from tests.services.population import CLINIC, RESIDENT
from yibao.services.offsite import beijing_today


def _answer(live: Live, infno: str, data: dict[str, Any], **kw: Any) -> dict[str, Any]:
    response = live.call(infno, {"data": data}, **kw)
    assert response.status_code == 200, response.text
    doc: dict[str, Any] = response.json()
    return doc


def _filings(live: Live) -> list[dict[str, Any]]:
    doc = _answer(live, "1101", {"psn_no": RESIDENT})
    assert doc["infcode"] == 0, doc
    rows: list[dict[str, Any]] = doc["output"]["offsite_filings"]
    return rows


def test_an_institution_files_and_revokes_and_1101_answers(live_filing: Live) -> None:
    live = live_filing
    assert _filings(live) == []
    data = {"psn_no": RESIDENT, "fil_type": "referral", "mdtrtarea_admdvs": "510100",
            "begndate": beijing_today().isoformat()}
    filed = _answer(live, "2501A", data, msgid="FIL0001")
    assert filed["infcode"] == 0, filed
    row = filed["output"]
    assert row["fil_type_name"] == "异地转诊人员" and row["mdtrtarea_admdvs"] == "510100"
    assert row["insuplc_admdvs"] == "511623" and row["fil_stas"] == "active"
    assert row["enddate"] == (beijing_today() + timedelta(days=179)).isoformat()
    # The same msgid is answered with the same answer, and files nothing again.
    assert _answer(live, "2501A", data, msgid="FIL0001") == filed
    assert [f["trt_dcla_detl_sn"] for f in _filings(live)] == [row["trt_dcla_detl_sn"]]
    # Another institution may not revoke it.
    number = {"trt_dcla_detl_sn": row["trt_dcla_detl_sn"]}
    other = _answer(live, "2502A", number, code=CLINIC)
    assert other["infcode"] == -1 and other["err_code"] == "other_institution", other
    revoked = _answer(live, "2502A", number)
    assert revoked["infcode"] == 0, revoked
    assert revoked["output"]["fil_stas"] == "revoked"
    assert revoked["output"]["revoked_date"] == beijing_today().isoformat()
    again = _answer(live, "2502A", number)
    assert again["infcode"] == -1 and again["err_code"] == "already_revoked"
    assert [f["fil_stas"] for f in _filings(live)] == ["revoked"]


def test_refusals_name_the_field_and_write_nothing(live_filing: Live) -> None:
    live = live_filing
    before = _filings(live)
    today = beijing_today().isoformat()
    base = {"psn_no": RESIDENT, "fil_type": "long_term_resident",
            "mdtrtarea_admdvs": "500000", "begndate": today}
    for changes, code, word in (
            ({"fil_type": "abroad"}, "invalid", "备案类型"),
            ({"mdtrtarea_admdvs": "5000"}, "invalid", "就医地"),
            ({"mdtrtarea_admdvs": "511623"}, "local_area", "本地就医"),
            ({"begndate": "2026-02-30"}, "invalid_request", "begndate"),
            ({"promise_flag": "2"}, "invalid_request", "promise_flag"),
            ({"promise_flag": "0"}, "materials_required", "材料"),
            ({"psn_no": "110101199001011234"}, "not_found", "没有参保人"),
            ({"begndate": (beijing_today() - timedelta(days=2)).isoformat()},
             "retro_not_allowed", "急诊")):
        doc = _answer(live, "2501A", {**base, **changes})
        assert doc["infcode"] == -1 and doc["err_code"] == code, (changes, doc)
        assert word in doc["err_msg"], (changes, doc)
    missing = _answer(live, "2501A", {"psn_no": RESIDENT})
    assert missing["infcode"] == -1 and "fil_type" in missing["err_msg"]
    unknown = _answer(live, "2502A", {"trt_dcla_detl_sn": "FNOPE"})
    assert unknown["infcode"] == -1 and unknown["err_code"] == "not_found"
    assert _filings(live) == before


def test_an_emergency_is_filed_afterwards_by_the_treating_hospital(live_filing: Live) -> None:
    live = live_filing
    three_days_ago = (beijing_today() - timedelta(days=3)).isoformat()
    doc = _answer(live, "2501A", {"psn_no": RESIDENT, "fil_type": "emergency",
                                  "mdtrtarea_admdvs": "510104", "begndate": three_days_ago,
                                  "promise_flag": "0", "fil_matl": "急诊病历"})
    assert doc["infcode"] == 0, doc
    assert doc["output"]["begndate"] == three_days_ago
    assert doc["output"]["fil_date"] == beijing_today().isoformat()
    assert doc["output"]["promise_flag"] == "0"
