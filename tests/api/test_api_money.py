"""Money through the national interface cannot be settled, changed or reversed twice: a
settlement asked for again after its reversal is refused, a settled visit is closed to changes,
and concurrent reversals, registrations and settlement lists answer once and never 500 — over
real HTTP on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.api.conftest import Live
from tests.api.test_api_national_flow import fee, ok
from tests.services.population import RESIDENT
from yibao.services import national

N = 6
PAUSE_S = 3.0


def _refused(answer: Any, code: str) -> dict[str, Any]:
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["infcode"], body["err_code"]) == (-1, code), body
    return dict(body)


def _outpatient(live: Live, amount: str = "30.00") -> tuple[str, dict[str, str]]:
    """A registered outpatient visit with one fee line; the settlement request's data."""
    reg = ok(live.call("2201", {"data": {"psn_no": RESIDENT, "insutype": "390",
                                         "begntime": "2024-03-09 08:00:00",
                                         "ipt_otp_no": uuid.uuid4().hex[:12]}}))["data"]
    mdtrt_id = reg["mdtrt_id"]
    ok(live.call("2204", {"feedetail": [fee(mdtrt_id, "1", "01", "1", amount)]}))
    return mdtrt_id, {"psn_no": RESIDENT, "mdtrt_id": mdtrt_id}


def test_a_reversed_settlement_is_not_answered_as_settled(live: Live) -> None:
    _, data = _outpatient(live)
    msgid = uuid.uuid4().hex
    settled = ok(live.call("2207", {"data": data}, msgid=msgid))["setlinfo"]
    ok(live.call("2208", {"data": {**data, "setl_id": settled["setl_id"]}}))
    again = _refused(live.call("2207", {"data": data}), "already_reversed")
    assert settled["setl_id"] in again["err_msg"] and "2201" in again["err_msg"]
    assert ok(live.call("2207", {"data": data}, msgid=msgid))["setlinfo"] == settled


def _at_once(calls: list[Callable[[], Any]]) -> list[Any]:
    """Send the calls at the same time, each on its own connection; their answers in order."""
    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(lambda call: call(), calls))


def test_concurrent_reversals_reverse_once(live: Live) -> None:
    _, data = _outpatient(live)
    settled = ok(live.call("2207", {"data": data}))["setlinfo"]
    reverse = {"data": {**data, "setl_id": settled["setl_id"]}}
    answers = _at_once([lambda: live.call("2208", reverse) for _ in range(N)])
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers]
    codes = sorted(a.json()["err_code"] for a in answers)
    assert codes == [""] + ["already_reversed"] * (N - 1), codes


def test_concurrent_registrations_of_one_number_make_one_visit(live: Live) -> None:
    data = {"psn_no": RESIDENT, "insutype": "390", "begntime": "2024-03-09 08:00:00",
            "ipt_otp_no": uuid.uuid4().hex[:12]}
    answers = _at_once([lambda: live.call("2201", {"data": data}) for _ in range(N)])
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers]
    assert len({ok(a)["data"]["mdtrt_id"] for a in answers}) == 1


def test_a_registration_resent_with_other_content_conflicts(live: Live) -> None:
    data = {"psn_no": RESIDENT, "insutype": "390", "begntime": "2024-03-09 08:00:00",
            "ipt_otp_no": uuid.uuid4().hex[:12]}
    first = ok(live.call("2201", {"data": data}))["data"]
    assert ok(live.call("2201", {"data": data}))["data"] == first
    moved = _refused(live.call("2201", {"data": {**data, "begntime": "2024-03-10"}}),
                     "conflict")
    assert moved["err_msg"].startswith("input.data.begntime：")
    scheme = _refused(live.call("2201", {"data": {**data, "insutype": "310"}}), "conflict")
    assert scheme["err_msg"].startswith("input.data.insutype：")


def test_concurrent_settlement_lists_keep_one(live: Live) -> None:
    _, data = _outpatient(live)
    settled = ok(live.call("2207", {"data": data}))["setlinfo"]
    listing = {"setlinfo": {"setl_id": settled["setl_id"], "mdtrt_id": data["mdtrt_id"],
                            "psn_no": RESIDENT, "gend": "1", "age": "64"},
               "diseinfo": [{"diag_code": "J06.900", "maindiag_flag": "1"}]}
    answers = _at_once([lambda: live.call("4101A", listing) for _ in range(N)])
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers]
    assert {ok(a)["setl_list_id"] for a in answers} == {settled["setl_id"]}


def test_a_settled_visit_is_closed_to_changes(live: Live) -> None:
    mdtrt_id, data = _outpatient(live)
    ok(live.call("2207", {"data": data}))
    _refused(live.call("2204", {"feedetail": [fee(mdtrt_id, "9", "01", "1", "5.00")]}),
             "already_settled")
    _refused(live.call("2203", {"mdtrtinfo": {"mdtrt_id": mdtrt_id, "med_type": "14"}}),
             "already_settled")
    adm = ok(live.call("2401", {"mdtrtinfo": {"psn_no": RESIDENT, "insutype": "390",
                                              "ipt_no": uuid.uuid4().hex[:12],
                                              "begntime": "2024-04-01"}}))["result"]
    stay = adm["mdtrt_id"]
    ok(live.call("2301", {"feedetail": [fee(stay, "1", "01", "1", "3000.00")]}))
    discharge = {"dscginfo": {"mdtrt_id": stay, "endtime": "2024-04-08", "dscg_way": "1"},
                 "diseinfo": [{"diag_code": "K35.800x001", "maindiag_flag": "1"}]}
    ok(live.call("2402", discharge))
    settled = ok(live.call("2304", {"data": {"psn_no": RESIDENT, "mdtrt_id": stay}}))
    later = {**discharge, "dscginfo": {**discharge["dscginfo"], "endtime": "2024-05-30"}}
    _refused(live.call("2402", later), "already_settled")
    again = ok(live.call("2304", {"data": {"psn_no": RESIDENT, "mdtrt_id": stay}}))
    assert again["setlinfo"]["setl_id"] == settled["setlinfo"]["setl_id"]


def test_fees_uploaded_while_a_settlement_reads_are_never_lost(
        live: Live, monkeypatch: pytest.MonkeyPatch) -> None:
    mdtrt_id, data = _outpatient(live)
    read, uploaded = threading.Event(), threading.Event()
    reads = national.settling_reads

    def slow_reads(*args: Any, **kwargs: Any) -> Any:
        found = reads(*args, **kwargs)
        read.set()
        uploaded.wait(PAUSE_S)  # the fee upload lands between the read and the settlement
        return found

    monkeypatch.setattr(national, "settling_reads", slow_reads)
    with ThreadPoolExecutor(1) as pool:
        settling = pool.submit(live.call, "2207", {"data": data})
        assert read.wait(30)
        late = live.call("2204", {"feedetail": [fee(mdtrt_id, "2", "01", "1", "12.00")]})
        uploaded.set()
        first = settling.result(60).json()
    monkeypatch.setattr(national, "settling_reads", reads)
    assert late.status_code == 200 and first["err_code"] in ("", "visit_changed"), first
    accepted = late.json()["infcode"] == 0
    final = ok(live.call("2207", {"data": data}))["setlinfo"]
    assert final["medfee_sumamt"] == ("42.00" if accepted else "30.00")
