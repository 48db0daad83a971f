"""The bureau API's 门诊慢特病认定 routes on a live server (SQLite and PostgreSQL): handlers and
administrators certify, refuse and revoke where the person is insured; the roles that read
persons list (filters, paging) and see the 复审到期 list; refusals are Problems with the reason
code and a zh-CN message (422 for a rule or bad input, 403 for a role, 404 outside the scope),
and nothing is written then."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from tests.api.conftest import Live
from tests.services.population import CITY, HOSPITAL, RESIDENT
from yibao.opsp.model import valid_until
from yibao.services.offsite import beijing_today
from yibao.services.opsp import certifications_of

PATH = "/api/v1/opsp/certifications"


def _post(live: Live, path: str, who: str, body: dict[str, Any]) -> httpx.Response:
    if who not in live.tokens:
        live.tokens[who] = live.token(who)
    return httpx.post(f"{live.url}{path}", json=body, timeout=30,
                      headers={"Authorization": f"Bearer {live.tokens[who]}"})


def _cert(psn_no: str = RESIDENT, disease: str = "M03900", icd10: str = "I10",
          **more: str) -> dict[str, str]:
    return {"psn_no": psn_no, "disease": disease, "icd10": icd10, "institution": HOSPITAL,
            "doctor": "李医生", **more}


def _ids(answer: httpx.Response) -> list[str]:
    assert answer.status_code == 200, answer.text
    return [c["cert_id"] for c in answer.json()["items"]]


def test_a_handler_certifies_lists_and_revokes(live_opsp: Live) -> None:
    live = live_opsp
    today = beijing_today()
    made = _post(live, PATH, "county", _cert())
    assert made.status_code == 201, made.text
    doc = made.json()
    # 高血压（两病）: cert_months 24 → today to today + 24 months − 1 day
    assert doc["valid_from"] == today.isoformat()
    assert doc["valid_until"] == valid_until(today, 24).isoformat()
    assert doc["state"] == "certified" and doc["state_name"] == "有效"
    assert doc["disease_name"] == "高血压（两病）" and doc["insured_region"] == "511623"
    assert doc["decided_by"] == "api:county"
    cert_id = doc["cert_id"]
    assert cert_id in _ids(live.get(PATH, "auditor", psn_no=RESIDENT))
    assert cert_id in _ids(live.get(PATH, "auditor", disease="M03900", state="certified"))
    assert cert_id not in _ids(live.get(PATH, "auditor", state="revoked"))
    due = live.get(f"{PATH}/expiring", "auditor", days=800)
    assert cert_id in _ids(due)
    assert cert_id not in _ids(live.get(f"{PATH}/expiring", "auditor", days=30))
    twice = _post(live, PATH, "county", _cert(icd10="I11.0"))
    assert twice.status_code == 422, twice.text
    assert twice.json()["detail"]["reason"] == "already_certified"
    assert "不能重复认定" in twice.json()["detail"]["message"]
    done = _post(live, f"{PATH}/{cert_id}/revoke", "county", {})
    assert done.status_code == 200, done.text
    assert done.json()["state"] == "revoked" and done.json()["revoked_on"] == today.isoformat()
    again = _post(live, f"{PATH}/{cert_id}/revoke", "county", {})
    assert again.status_code == 422 and again.json()["detail"]["reason"] == "not_certified"
    assert "已撤销" in again.json()["detail"]["message"]
    assert cert_id in _ids(live.get(PATH, "auditor", state="revoked"))


def test_a_refused_application_is_recorded_with_its_reason(live_opsp: Live) -> None:
    live = live_opsp
    made = _post(live, f"{PATH}/refuse", "county",
                 _cert(disease="M07800", icd10="N18.5", reason="透析记录不足三个月"))
    assert made.status_code == 201, made.text
    doc = made.json()
    assert doc["state"] == "refused" and doc["note"] == "透析记录不足三个月"
    assert doc["valid_from"] is None and doc["state_name"] == "未通过"
    blank = _post(live, f"{PATH}/refuse", "county", _cert(reason="  "))
    assert blank.status_code == 422 and "原因" in blank.json()["detail"]["message"]
    assert doc["cert_id"] in _ids(live.get(PATH, "county", state="refused"))


def test_roles_scope_and_bad_input_write_nothing(live_opsp: Live) -> None:
    live = live_opsp
    before = certifications_of(RESIDENT, store=live.store)
    auditor = _post(live, PATH, "auditor", _cert(disease="M01600", icd10="E11.900"))
    assert auditor.status_code == 403 and "无权" in auditor.json()["detail"]["message"]
    other = _post(live, PATH, "other", _cert(disease="M01600", icd10="E11.900"))
    assert other.status_code == 404, other.text  # RESIDENT is not in Guang'an district
    assert live.get(PATH, "other", psn_no=RESIDENT).status_code == 404
    assert RESIDENT not in {c["psn_no"] for c in live.get(PATH, "other").json()["items"]}
    for body, reason, word in (
            (_cert(icd10="高血压"), "invalid", "ICD-10"),
            (_cert(disease="M99999"), "disease_not_listed", "病种目录"),
            (_cert(disease="M00500", icd10="I10"), "diagnosis_not_listed", "诊断范围"),
            (_cert(valid_from="2026-02-30"), "invalid", "日期"),
            (_cert(institution="H00000000000"), "not_found", "定点医药机构"),
            (_cert(psn_no=CITY), "disease_not_listed", "病种目录")):
        bad = _post(live, PATH, "admin", body)
        assert bad.status_code == (404 if reason == "not_found" else 422), (body, bad.text)
        assert bad.json()["detail"]["reason"] == reason, (body, bad.text)
        assert word in bad.json()["detail"]["message"], (body, bad.text)
    malformed = _post(live, PATH, "county", _cert(psn_no="../x"))
    assert malformed.status_code == 422, malformed.text
    missing = _post(live, PATH, "county", _cert(psn_no="110101199001011234"))
    assert missing.status_code == 404 and "没有参保人" in missing.json()["detail"]["message"]
    assert live.get(PATH, "county", state="bogus").status_code == 422
    assert live.get(f"{PATH}/expiring", "county", days=-1).status_code == 422
    assert _post(live, f"{PATH}/CNOPE/revoke", "county", {}).status_code == 404
    assert certifications_of(RESIDENT, store=live.store) == before  # nothing was written


def test_an_administrator_writes_and_another_region_cannot_revoke(live_opsp: Live) -> None:
    live = live_opsp
    start = (beijing_today() + timedelta(days=1)).isoformat()
    made = _post(live, PATH, "admin", _cert(disease="M01600", icd10="E11.900",
                                             valid_from=start))
    assert made.status_code == 201, made.text
    cert_id = made.json()["cert_id"]
    assert made.json()["valid_from"] == start and made.json()["decided_by"] == "api:admin"
    hidden = _post(live, f"{PATH}/{cert_id}/revoke", "other", {})
    assert hidden.status_code == 404, hidden.text
    assert cert_id in _ids(live.get(PATH, "county", psn_no=RESIDENT))
    paged = live.get(PATH, "county", limit=1, offset=0)
    assert paged.status_code == 200 and len(paged.json()["items"]) == 1
    assert paged.json()["total"] >= 2
