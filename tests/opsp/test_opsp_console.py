"""The console's 门诊慢特病认定 pages on a live server (SQLite and PostgreSQL): a handler looks a
person up, certifies, sees a refusal in zh-CN, records an application as 未通过 and revokes;
the list of the scope filters and pages, the 复审到期 view lists what ends soon, and both
export to Excel; an auditor only reads; the CSRF token is checked; ID numbers are never in a
URL."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook

from tests.api.conftest import Live
from tests.offsite.test_filing_console import console_login
from tests.services.population import HOSPITAL, RESIDENT
from yibao.opsp.model import valid_until
from yibao.services.offsite import beijing_today
from yibao.services.opsp import certifications_of

FORM = {"action": "certify", "psn_no": RESIDENT, "disease": "M03900", "icd10": "I10",
        "institution": HOSPITAL, "doctor": "李医生", "valid_from": ""}


def _rows(content: bytes) -> list[tuple[object, ...]]:
    book = load_workbook(io.BytesIO(content), read_only=True)
    return [tuple(r) for r in book.worksheets[0].iter_rows(values_only=True)]


def test_a_handler_certifies_sees_a_refusal_and_revokes(live_opsp: Live) -> None:
    client, csrf = console_login(live_opsp, "county")
    start = client.get("/console/opsp")
    assert start.status_code == 200 and "查询参保人的认定" in start.text
    assert "/console/opsp" in client.get("/console/").text  # the nav link
    looked = client.post("/console/opsp", data={"csrf": csrf, "action": "lookup",
                                                "psn_no": RESIDENT})
    assert looked.status_code == 200 and "没有门诊慢特病认定" in looked.text
    assert "办理门诊慢特病认定" in looked.text and "高血压（两病）" in looked.text
    made = client.post("/console/opsp", data={"csrf": csrf, **FORM})
    assert made.status_code == 200, made.text
    until = valid_until(beijing_today(), 24).isoformat()
    assert "已认定" in made.text and until in made.text and "撤销</button>" in made.text
    found = certifications_of(RESIDENT, store=live_opsp.store)
    assert isinstance(found, list) and len(found) == 1
    cert = found[0].cert
    assert cert.decided_by == "console:county"
    twice = client.post("/console/opsp", data={"csrf": csrf, **FORM, "icd10": "I11.0"})
    assert twice.status_code == 422 and "不能重复认定" in twice.text
    assert "value='I11.0'" in twice.text  # the form keeps what was typed
    wrong = client.post("/console/opsp", data={"csrf": csrf, **FORM, "disease": "M00500"})
    assert wrong.status_code == 422 and "不属于恶性肿瘤门诊放化疗的诊断范围" in wrong.text
    refused = client.post("/console/opsp", data={
        "csrf": csrf, **FORM, "action": "refuse", "disease": "M07800", "icd10": "N18.5",
        "reason": "透析记录不足三个月"})
    assert refused.status_code == 200 and "已记录未通过的认定申请" in refused.text
    assert "透析记录不足三个月" in refused.text
    revoked = client.post("/console/opsp", data={"csrf": csrf, "action": "revoke",
                                                 "psn_no": RESIDENT, "cert_id": cert.cert_id})
    assert revoked.status_code == 200 and f"已撤销认定 {cert.cert_id}" in revoked.text
    assert "撤销</button>" not in revoked.text
    forged = client.post("/console/opsp", data={"csrf": "forged", **FORM})
    assert forged.status_code == 400  # a forged CSRF token: refused, nothing written
    after = certifications_of(RESIDENT, store=live_opsp.store)
    assert isinstance(after, list) and len(after) == 2
    # The person's export is a POST too (the ID number stays out of the URL).
    sheet = client.post("/console/opsp/export.xlsx", data={"csrf": csrf, "psn_no": RESIDENT})
    assert sheet.status_code == 200, sheet.text
    rows = _rows(sheet.content)
    assert rows[0][:2] == ("认定编号", "身份证号（人员编号）")
    assert {r[0] for r in rows[1:]} == {c.cert.cert_id for c in after}
    assert {r[8] for r in rows[1:]} == {f"已撤销（{beijing_today().isoformat()} 起）", "未通过"}


def test_the_lists_filter_page_and_export(live_opsp: Live) -> None:
    client, csrf = console_login(live_opsp, "county")
    made = client.post("/console/opsp", data={"csrf": csrf, **FORM, "disease": "M01600",
                                              "icd10": "E11.900"})
    assert made.status_code == 200 and "已认定" in made.text
    listed = client.get("/console/opsp", params={"disease": "M01600", "state": "certified"})
    assert listed.status_code == 200 and "糖尿病（两病）" in listed.text
    assert "共 1 条" in listed.text and "/console/opsp.xlsx?disease=M01600" in listed.text
    assert RESIDENT in listed.text  # shown in a cell, never in a link
    assert not [h for h in re.findall(r"(?:href|action)='([^']*)'", listed.text) if RESIDENT in h]
    none = client.get("/console/opsp", params={"disease": "M01600", "state": "expired"})
    assert none.status_code == 200 and "共 0 条" in none.text
    bad = client.get("/console/opsp", params={"state": "bogus"})
    assert bad.status_code == 422 and "状态" in bad.text
    sheet = client.get("/console/opsp.xlsx", params={"disease": "M01600"})
    assert sheet.status_code == 200
    rows = _rows(sheet.content)
    assert len(rows) == 2 and rows[1][3] == "M01600 糖尿病（两病）" and rows[1][8] == "有效"
    soon = client.get("/console/opsp/expiring", params={"days": 800})
    assert soon.status_code == 200 and "复审到期" in soon.text and "M01600" in soon.text
    assert "北京时间" in soon.text
    later = client.get("/console/opsp/expiring", params={"days": 30})
    assert later.status_code == 200 and "共 0 条" in later.text
    due = _rows(client.get("/console/opsp/expiring.xlsx", params={"days": 800}).content)
    assert [r[3] for r in due[1:]] == ["M01600 糖尿病（两病）"]


def test_an_auditor_reads_only_and_other_regions_see_nothing(live_opsp: Live) -> None:
    client, csrf = console_login(live_opsp, "auditor")
    looked = client.post("/console/opsp", data={"csrf": csrf, "action": "lookup",
                                                "psn_no": RESIDENT})
    assert looked.status_code == 200 and "只有经办人员和管理员" in looked.text
    before = certifications_of(RESIDENT, store=live_opsp.store)
    denied = client.post("/console/opsp", data={"csrf": csrf, **FORM, "disease": "M08300",
                                                "icd10": "Z94.0"})
    assert denied.status_code == 403 and "无权" in denied.text
    other, other_csrf = console_login(live_opsp, "other")
    hidden = other.post("/console/opsp", data={"csrf": other_csrf, "action": "lookup",
                                               "psn_no": RESIDENT})
    assert hidden.status_code == 404 and "不在管辖范围" in hidden.text
    assert RESIDENT not in other.get("/console/opsp").text
    assert certifications_of(RESIDENT, store=live_opsp.store) == before
