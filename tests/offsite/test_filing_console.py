"""The console's filing page on a live server (SQLite and PostgreSQL): a handler looks a person
up, files and revokes; an auditor only reads; the CSRF token is checked; the ID number is never
in a URL."""

from __future__ import annotations

import re

import httpx

from tests.api.conftest import Live
from tests.services.population import CITY, RESIDENT
from yibao.services.offsite import beijing_today, filings_of
from yibao.web.session import csrf_of

FILING_ID = re.compile(r"F[0-9A-F]{20}")


def console_login(live: Live, who: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=live.url, follow_redirects=False, timeout=30)
    answer = client.post("/console/login", data={"username": who,
                                                 "password": live.passwords[who]})
    assert answer.status_code == 303, answer.text
    return client, csrf_of(client.cookies["yibao_console"])


def test_a_handler_looks_up_files_and_revokes(live_filing: Live) -> None:
    client, csrf = console_login(live_filing, "county")
    start = client.get("/console/offsite")
    assert start.status_code == 200 and "查询参保人的备案" in start.text
    assert "/console/offsite" in client.get("/console/").text  # the nav link
    looked = client.post("/console/offsite", data={"csrf": csrf, "action": "lookup",
                                                   "psn_no": RESIDENT})
    assert looked.status_code == 200 and "没有异地就医备案" in looked.text
    assert "办理备案" in looked.text
    filed = client.post("/console/offsite", data={
        "csrf": csrf, "action": "file", "psn_no": RESIDENT, "filing_type": "resident_worker",
        "care_area": "440300", "start": beijing_today().isoformat(), "promise": "1"})
    assert filed.status_code == 200, filed.text
    assert "已备案" in filed.text and "常驻异地工作人员" in filed.text and "长期有效" in filed.text
    found = filings_of(RESIDENT, store=live_filing.store)
    assert isinstance(found, list) and len(found) == 1
    filing_id = found[0].filing.filing_id
    assert filing_id in filed.text and found[0].channel == "console"
    # A long-term filing just begun cannot be revoked yet: the page says why, nothing changes.
    early = client.post("/console/offsite", data={"csrf": csrf, "action": "revoke",
                                                  "psn_no": RESIDENT, "filing_id": filing_id})
    assert early.status_code == 422 and "须满" in early.text
    overlap = client.post("/console/offsite", data={
        "csrf": csrf, "action": "file", "psn_no": RESIDENT, "filing_type": "long_term_resident",
        "care_area": "500000", "start": beijing_today().isoformat(), "promise": "1"})
    assert overlap.status_code == 422 and "重叠" in overlap.text
    assert "value='500000'" in overlap.text  # the form keeps what was typed
    trip = client.post("/console/offsite", data={
        "csrf": csrf, "action": "file", "psn_no": RESIDENT, "filing_type": "other_temporary",
        "care_area": "500000", "start": beijing_today().isoformat(), "promise": "0",
        "materials": "出行说明"})
    assert trip.status_code == 200, trip.text
    trip_id = next(i for i in FILING_ID.findall(trip.text) if i != filing_id)
    revoked = client.post("/console/offsite", data={"csrf": csrf, "action": "revoke",
                                                    "psn_no": RESIDENT, "filing_id": trip_id})
    assert revoked.status_code == 200 and f"已撤销备案 {trip_id}" in revoked.text
    assert "已撤销" in revoked.text


def test_bad_input_refusals_and_csrf(live_filing: Live) -> None:
    client, csrf = console_login(live_filing, "county")
    before = filings_of(RESIDENT, store=live_filing.store)
    bad = client.post("/console/offsite", data={
        "csrf": csrf, "action": "file", "psn_no": RESIDENT, "filing_type": "referral",
        "care_area": "12", "start": beijing_today().isoformat()})
    assert bad.status_code == 422 and "就医地" in bad.text
    forged = client.post("/console/offsite", data={
        "csrf": "x", "action": "file", "psn_no": RESIDENT, "filing_type": "referral",
        "care_area": "510100", "start": beijing_today().isoformat()})
    assert forged.status_code == 400
    empty = client.post("/console/offsite", data={"csrf": csrf, "action": "lookup"})
    assert empty.status_code == 422 and "身份证号" in empty.text
    hidden = client.post("/console/offsite", data={"csrf": csrf, "action": "lookup",
                                                   "psn_no": CITY})
    assert hidden.status_code == 404
    assert filings_of(RESIDENT, store=live_filing.store) == before


def test_an_auditor_reads_but_does_not_file(live_filing: Live) -> None:
    client, csrf = console_login(live_filing, "auditor")
    looked = client.post("/console/offsite", data={"csrf": csrf, "action": "lookup",
                                                   "psn_no": RESIDENT})
    assert looked.status_code == 200 and "只有经办人员" in looked.text
    assert "撤销</button>" not in looked.text
    tried = client.post("/console/offsite", data={
        "csrf": csrf, "action": "file", "psn_no": RESIDENT, "filing_type": "referral",
        "care_area": "510100", "start": beijing_today().isoformat()})
    assert tried.status_code == 403 and "无权" in tried.text
    assert client.get("/console/offsite", follow_redirects=False).status_code == 200
    anonymous = httpx.get(f"{live_filing.url}/console/offsite", follow_redirects=False)
    assert anonymous.status_code == 303
