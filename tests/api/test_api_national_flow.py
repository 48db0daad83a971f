"""Every transaction of the national interface answers over real HTTP: person information,
outpatient and inpatient visits from registration through fees, pre-settlement, settlement
(exactly once) and reversal, the rule checks and the settlement list grouped by DRG."""

from __future__ import annotations

import uuid
from typing import Any

from tests.api.conftest import Live
from tests.services.population import RESIDENT, WORKER


def ok(answer: Any) -> dict[str, Any]:
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["infcode"] == 0, body
    assert answer.headers["x-request-id"]
    return dict(body["output"])


def fee(mdtrt_id: str, sn: str, lv: str, cnt: str, pric: str, code: str = "X001") -> dict:
    return {"feedetl_sn": sn, "mdtrt_id": mdtrt_id, "psn_no": RESIDENT, "med_list_codg": code,
            "chrg_itm_lv": lv, "cnt": cnt, "pric": pric, "fee_ocur_time": "2024-03-09 09:00:00"}


def test_person_information(live: Live) -> None:
    out = ok(live.call("1101", {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": WORKER}}))
    assert out["baseinfo"]["psn_no"] == WORKER
    assert out["insuinfo"][0]["insutype"] == "310"
    assert out["insuinfo"][0]["balc"] == "1440.00"


def test_outpatient_from_registration_to_reversal(live: Live) -> None:
    number = uuid.uuid4().hex[:12]
    reg = ok(live.call("2201", {"data": {"psn_no": RESIDENT, "insutype": "390",
                                         "begntime": "2024-03-09 08:00:00",
                                         "ipt_otp_no": number}}))["data"]
    mdtrt_id = reg["mdtrt_id"]
    ok(live.call("2203", {"mdtrtinfo": {"mdtrt_id": mdtrt_id, "psn_no": RESIDENT,
                                        "med_type": "11"},
                          "diseinfo": [{"diag_code": "J06.900", "maindiag_flag": "1"}]}))
    fees = ok(live.call("2204", {"feedetail": [fee(mdtrt_id, "1", "01", "2", "30.00"),
                                               fee(mdtrt_id, "2", "03", "1", "15.00")]}))
    assert [r["det_item_fee_sumamt"] for r in fees["result"]] == ["60.00", "15.00"]
    data = {"psn_no": RESIDENT, "mdtrt_id": mdtrt_id, "medfee_sumamt": "75.00",
            "acct_used_flag": "0"}
    pre = ok(live.call("2206", {"data": data}))["setlinfo"]
    assert pre["medfee_sumamt"] == "75.00"
    for infno in ("3101", "3102"):
        assert "result" in ok(live.call(infno, {"data": {"psn_no": RESIDENT,
                                                          "mdtrt_id": mdtrt_id}}))
    msgid = uuid.uuid4().hex
    settled = ok(live.call("2207", {"data": data}, msgid=msgid))["setlinfo"]
    assert settled["hifp_pay"] == pre["hifp_pay"] == "30.00"
    again = ok(live.call("2207", {"data": data}, msgid=msgid))["setlinfo"]
    assert again == settled
    other_msg = ok(live.call("2207", {"data": data}))["setlinfo"]
    assert other_msg["setl_id"] == settled["setl_id"]
    reverse = {"data": {"psn_no": RESIDENT, "mdtrt_id": mdtrt_id,
                        "setl_id": settled["setl_id"]}}
    back = ok(live.call("2208", reverse))["setlinfo"]
    assert back["init_setl_id"] == settled["setl_id"]
    twice = live.call("2208", reverse).json()
    assert twice["infcode"] == -1 and twice["err_code"] == "already_reversed"


def test_inpatient_stay_with_settlement_list(live: Live) -> None:
    number = uuid.uuid4().hex[:12]
    adm = ok(live.call("2401", {"mdtrtinfo": {"psn_no": RESIDENT, "insutype": "390",
                                              "med_type": "21", "ipt_no": number,
                                              "begntime": "2024-04-01 08:00:00"}}))["result"]
    mdtrt_id = adm["mdtrt_id"]
    ok(live.call("2301", {"feedetail": [fee(mdtrt_id, "1", "01", "1", "8000.00"),
                                        fee(mdtrt_id, "2", "02", "2", "500.00")]}))
    early = live.call("2304", {"data": {"psn_no": RESIDENT, "mdtrt_id": mdtrt_id}}).json()
    assert early["err_code"] == "not_discharged"
    ok(live.call("2402", {"dscginfo": {"mdtrt_id": mdtrt_id, "psn_no": RESIDENT,
                                       "endtime": "2024-04-08 10:00:00", "dscg_way": "1"},
                          "diseinfo": [{"diag_code": "K35.800x001", "maindiag_flag": "1"}]}))
    data = {"psn_no": RESIDENT, "mdtrt_id": mdtrt_id, "medfee_sumamt": "9000.00"}
    pre = ok(live.call("2303", {"data": data}))["setlinfo"]
    settled = ok(live.call("2304", {"data": data}))["setlinfo"]
    assert settled["fund_pay_sumamt"] == pre["fund_pay_sumamt"]
    listed = ok(live.call("4101A", {
        "setlinfo": {"setl_id": settled["setl_id"], "mdtrt_id": mdtrt_id, "psn_no": RESIDENT,
                     "gend": "1", "age": "64"},
        "diseinfo": [{"diag_code": "K35.800x001", "maindiag_flag": "1"}],
        "oprninfo": [{"oprn_oprt_code": "47.0100", "main_oprn_flag": "1"}]}))
    assert listed["setl_list_id"] == settled["setl_id"] and listed["trace"]
    ok(live.call("2305", {"data": {"psn_no": RESIDENT, "mdtrt_id": mdtrt_id,
                                   "setl_id": settled["setl_id"]}}))
