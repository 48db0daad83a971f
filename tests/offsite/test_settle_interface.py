"""The interface flow of cross-region care over real HTTP: a hospital registered in 广安区
(511602) settles a Linshui (511623) resident who filed 异地长期居住 for 511602 — 2401 → 2301 →
2402 → 2303/2304 — and the answer shows Linshui's ratio applied to 广安区's catalogue; an
emergency outpatient visit (2201 with `emergency_flag` "1", no filing) is settled as a referral.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.conftest import Live, live_server
from tests.offsite.settle_world import (
    DISTRICT_HOSPITAL,
    DRUG,
    GUANGAN_DISTRICT,
    add_filing,
    add_regions,
)
from tests.services.population import DIBAO, RESIDENT
from yibao.offsite.model import FilingType
from yibao.services import accounts
from yibao.store import Store


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def live(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[Live]:
    folder = tmp_path_factory.mktemp("offsite-api")
    secrets: dict[str, str] = {}

    def prepare(store: Store) -> None:
        add_regions(store, folder / "world")
        issued = accounts.add_institution_secret(DISTRICT_HOSPITAL, actor="test", store=store)
        assert isinstance(issued, accounts.Issued)
        secrets[DISTRICT_HOSPITAL] = issued.secret

    with live_server(request.param, folder, prepare=prepare) as (served, _url):
        served.secrets.update(secrets)
        yield served


def ok(answer: Any) -> dict[str, Any]:
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["infcode"] == 0, body
    return dict(body["output"])


def call(live: Live, infno: str, payload: dict[str, Any]) -> Any:
    return live.call(infno, payload, code=DISTRICT_HOSPITAL, mdtrtarea_admvs=GUANGAN_DISTRICT)


def fee(mdtrt_id: str, sn: str, code: str, lv: str, pric: str) -> dict[str, Any]:
    return {"feedetl_sn": sn, "mdtrt_id": mdtrt_id, "psn_no": RESIDENT, "med_list_codg": code,
            "chrg_itm_lv": lv, "cnt": "1", "pric": pric, "fee_ocur_time": "2024-03-09 09:00:00"}


def test_filed_linshui_resident_settles_in_guangan_district(live: Live) -> None:
    add_filing(live.store, FilingType.LONG_TERM_RESIDENT, GUANGAN_DISTRICT,
               filing_id=f"F-{uuid.uuid4().hex[:8]}")
    adm = ok(call(live, "2401", {"mdtrtinfo": {"psn_no": RESIDENT, "insutype": "390",
                                               "med_type": "21", "ipt_no": "ZY-1",
                                               "begntime": "2024-03-09 08:00:00"}}))["result"]
    mdtrt_id = adm["mdtrt_id"]
    # The hospital sends the drug as 甲类 (01).
    ok(call(live, "2301", {"feedetail": [fee(mdtrt_id, "1", DRUG, "01", "20000.00"),
                                         fee(mdtrt_id, "2", "001", "03", "80.00")]}))
    ok(call(live, "2402", {"dscginfo": {"mdtrt_id": mdtrt_id, "psn_no": RESIDENT,
                                        "endtime": "2024-03-12 10:00:00", "dscg_way": "1"}}))
    data = {"psn_no": RESIDENT, "mdtrt_id": mdtrt_id, "medfee_sumamt": "20080.00"}
    pre = ok(call(live, "2303", {"data": data}))["setlinfo"]
    out = ok(call(live, "2304", {"data": data}))["setlinfo"]
    # 广安区's catalogue: 乙类, 20 % 先行自付 → preselfpay 4000.00, inscp 16000.00;
    # Linshui's policy, 三级: deductible 600, ratio 0.65 (filed: + 0) →
    # (16000.00 − 600.00) × 0.65 = 10010.00 (the hospital's 甲类 would have given 12610.00).
    assert (out["preselfpay_amt"], out["inscp_scp_amt"], out["act_pay_dedc"]) == (
        "4000.00", "16000.00", "600.00")
    assert (out["pool_prop_selfpay"], out["hifp_pay"]) == ("0.65", "10010.00")
    assert pre["hifp_pay"] == out["hifp_pay"]


def test_emergency_outpatient_without_filing(live: Live) -> None:
    # 李四 (DIBAO), a Linshui resident with no filing.
    reg = ok(call(live, "2201", {"data": {"psn_no": DIBAO, "insutype": "390",
                                          "begntime": "2024-03-09 08:00:00",
                                          "ipt_otp_no": "MZ-E1", "emergency_flag": "1"}}))
    mdtrt_id = reg["data"]["mdtrt_id"]
    ok(call(live, "2204", {"feedetail": [fee(mdtrt_id, "1", DRUG, "01", "100.00")]}))
    out = ok(call(live, "2207", {"data": {"psn_no": DIBAO, "mdtrt_id": mdtrt_id}}))
    # Outpatient: deductible 0, ratio 0.50; emergency → referral −0.10 = 0.40; the catalogue's
    # 乙类 20 %: inscp 100.00 − 20.00 = 80.00 → 80.00 × 0.40 = 32.00.
    setl = out["setlinfo"]
    assert (setl["inscp_scp_amt"], setl["pool_prop_selfpay"], setl["hifp_pay"]) == (
        "80.00", "0.4", "32.00")


def test_emergency_flag_is_checked(live: Live) -> None:
    bad = call(live, "2201", {"data": {"psn_no": RESIDENT, "insutype": "390",
                                       "begntime": "2024-03-09 08:00:00",
                                       "ipt_otp_no": "MZ-E2", "emergency_flag": "Y"}}).json()
    assert bad["infcode"] == -1 and "emergency_flag" in bad["err_msg"]


