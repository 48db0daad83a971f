"""The console's family-binding page on a live server (SQLite and PostgreSQL): a handler looks a
person up, binds and unbinds; an auditor only reads; the CSRF token is checked; ID numbers are
never in a URL."""

from __future__ import annotations

from tests.api.conftest import Live
from tests.offsite.test_filing_console import console_login
from tests.services.population import CITY, RESIDENT, WORKER
from yibao.services.family import bindings_of


def test_a_handler_looks_up_binds_and_unbinds(live_family: Live) -> None:
    client, csrf = console_login(live_family, "county")
    start = client.get("/console/family")
    assert start.status_code == 200 and "查询参保人的家庭共济绑定" in start.text
    assert "/console/family" in client.get("/console/").text  # the nav link
    looked = client.post("/console/family", data={"csrf": csrf, "action": "lookup",
                                                  "psn_no": WORKER})
    assert looked.status_code == 200 and "没有家庭共济绑定" in looked.text
    assert "绑定家庭共济" in looked.text
    bound = client.post("/console/family", data={
        "csrf": csrf, "action": "bind", "psn_no": WORKER, "holder": WORKER, "member": RESIDENT,
        "relation": "parent"})
    assert bound.status_code == 200, bound.text
    assert "已绑定" in bound.text and "父母" in bound.text and "解除</button>" in bound.text
    found = bindings_of(RESIDENT, store=live_family.store)
    assert isinstance(found, list) and len(found) == 1
    assert found[0].binding.bound_by == "console:county"
    refused = client.post("/console/family", data={
        "csrf": csrf, "action": "bind", "psn_no": WORKER, "holder": RESIDENT, "member": CITY,
        "relation": "child"})
    assert refused.status_code == 422 and "职工医保" in refused.text
    assert f"value='{CITY}'" in refused.text  # the form keeps what was typed
    ended = client.post("/console/family", data={
        "csrf": csrf, "action": "unbind", "psn_no": WORKER, "holder": WORKER,
        "member": RESIDENT})
    assert ended.status_code == 200 and "已解除" in ended.text
    assert "解除</button>" not in ended.text
    found = bindings_of(RESIDENT, store=live_family.store)
    assert isinstance(found, list) and found[0].binding.unbound_by == "console:county"
    forged = client.post("/console/family", data={
        "csrf": "forged", "action": "bind", "psn_no": WORKER, "holder": WORKER,
        "member": CITY, "relation": "child"})
    assert forged.status_code == 400  # a forged CSRF token: refused, nothing written
    assert bindings_of(CITY, store=live_family.store) == []


def test_an_auditor_reads_only_and_other_regions_see_nothing(live_family: Live) -> None:
    client, csrf = console_login(live_family, "auditor")
    looked = client.post("/console/family", data={"csrf": csrf, "action": "lookup",
                                                  "psn_no": WORKER})
    assert looked.status_code == 200 and "只有经办人员" in looked.text
    denied = client.post("/console/family", data={
        "csrf": csrf, "action": "bind", "psn_no": WORKER, "holder": WORKER, "member": CITY,
        "relation": "child"})
    assert denied.status_code == 403 and "无权" in denied.text
    other, other_csrf = console_login(live_family, "other")
    hidden = other.post("/console/family", data={"csrf": other_csrf, "action": "lookup",
                                                 "psn_no": WORKER})
    assert hidden.status_code == 404 and "不在管辖范围" in hidden.text
    assert bindings_of(CITY, store=live_family.store) == []
