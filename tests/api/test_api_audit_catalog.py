"""3101/3102 say nothing false without a catalogue: with none imported, every fee line of a visit
used to be flagged R016 串换项目 (违规), because an unknown code counted as a price mismatch. Rules
that need the catalogue or the person's history are now skipped and listed with the reason; after
`import_catalog` the interface reads the catalogue and the price rules fire on a real mismatch.
On SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.conftest import Live
from tests.api.test_api_national_flow import fee, ok
from tests.services.population import RESIDENT
from yibao.services import catalog
from yibao.supervise.check import needs
from yibao.supervise.load import load_rules

CATALOGUE = ("hilist_code,hilist_name,chrg_itm_lv,selfpay_prop,pric_uplmt_amt,lmt_sex,"
             "lmt_age_min,lmt_age_max,lmt_hosp_lv_min,lmt_hosp_lv_max\n"
             "X001,阿莫西林胶囊,01,,40.00,,,,,\n"
             "X002,头孢克肟片,02,0.10,20.00,,,,,\n")


def _visit_with_fees(live: Live) -> str:
    reg = ok(live.call("2201", {"data": {"psn_no": RESIDENT, "insutype": "390",
                                         "begntime": "2024-03-09 08:00:00",
                                         "ipt_otp_no": uuid.uuid4().hex[:12]}}))["data"]
    mdtrt_id = str(reg["mdtrt_id"])
    ok(live.call("2204", {"feedetail": [fee(mdtrt_id, "1", "01", "2", "30.00", "X001"),
                                        fee(mdtrt_id, "2", "02", "1", "35.00", "X002"),
                                        fee(mdtrt_id, "3", "03", "1", "15.00", "X999")]}))
    return mdtrt_id


@pytest.fixture
def no_catalogue(live: Live) -> Iterator[None]:
    _clear(live)
    yield
    _clear(live)


def _clear(live: Live) -> None:
    with live.store.engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM catalog_items")


def test_without_a_catalogue_nothing_false_and_skipped_rules_named(live: Live,
                                                                   no_catalogue: None) -> None:
    mdtrt_id = _visit_with_fees(live)
    for infno, scene in (("3101", "事前"), ("3102", "事中")):
        out = ok(live.call(infno, {"data": {"psn_no": RESIDENT, "mdtrt_id": mdtrt_id}}))
        flagged = {r["jr_id"] for r in out["result"]}
        skipped = {r["jr_id"]: r["reason"] for r in out["skipped_rules"]}
        needing = {r.id for r in load_rules().for_scene(scene) if needs(r)}
        assert not flagged & needing, flagged
        assert set(skipped) == needing
        if scene == "事中":
            assert "R016" in skipped and "R015" in skipped and "R025" in skipped
            assert "医保目录" in skipped["R016"] and "历史就诊" in skipped["R025"]
        assert out["rules_checked"] == len(load_rules().for_scene(scene)) - len(needing)


def test_after_import_the_price_rules_read_the_catalogue(live: Live, tmp_path: Path,
                                                         no_catalogue: None) -> None:
    path = tmp_path / "catalogue.csv"
    path.write_text(CATALOGUE, encoding="utf-8")
    first = catalog.import_catalog(path, store=live.store)
    assert (first.added, first.changed, first.unchanged) == (2, 0, 0)
    again = catalog.import_catalog(path, store=live.store)
    assert (again.added, again.changed, again.unchanged) == (0, 0, 2)
    mdtrt_id = _visit_with_fees(live)
    out = ok(live.call("3102", {"data": {"psn_no": RESIDENT, "mdtrt_id": mdtrt_id}}))
    lines = {r["jr_id"]: [d["feedetl_sn"] for d in r["judge_result_detail_dtos"]]
             for r in out["result"]}
    assert lines.get("R015") == [2]  # 35.00 over the cap of 20.00; 30.00 under 40.00
    assert lines.get("R016") == [3]  # X999 is not in the imported catalogue
    skipped = {r["jr_id"] for r in out["skipped_rules"]}
    assert "R016" not in skipped and "R015" not in skipped and "R025" in skipped


def test_unusual_fee_line_number(live: Live) -> None:
    """Reproduction: a feedetl_sn such as "²" (a digit to str.isdigit(), not to int()) made
    3101/3102 answer 500."""
    reg = ok(live.call("2201", {"data": {"psn_no": RESIDENT, "insutype": "390",
                                         "begntime": "2024-03-09 08:00:00",
                                         "ipt_otp_no": uuid.uuid4().hex[:12]}}))["data"]
    mdtrt_id = str(reg["mdtrt_id"])
    ok(live.call("2204", {"feedetail": [fee(mdtrt_id, "²", "01", "1", "30.00")]}))
    for infno in ("3101", "3102"):
        answer = live.call(infno, {"data": {"psn_no": RESIDENT, "mdtrt_id": mdtrt_id}})
        assert answer.status_code == 200 and answer.json()["infcode"] == 0, answer.text


def test_the_care_region_s_catalogue_is_the_one_read(live: Live, tmp_path: Path,
                                                     no_catalogue: None) -> None:
    """Reproduction: with catalogues imported per region only (`--region`, issue 14), 3101/3102
    read the deployment-wide catalogue, found it empty, and flagged every line R016 串换项目.
    They read the institution's region's catalogue (就医地目录), then the deployment-wide one."""
    path = tmp_path / "catalogue.csv"
    path.write_text(CATALOGUE, encoding="utf-8")
    catalog.import_catalog(path, region="511623", store=live.store)  # the hospital's region
    mdtrt_id = _visit_with_fees(live)
    out = ok(live.call("3102", {"data": {"psn_no": RESIDENT, "mdtrt_id": mdtrt_id}}))
    lines = {r["jr_id"]: [d["feedetl_sn"] for d in r["judge_result_detail_dtos"]]
             for r in out["result"]}
    assert lines.get("R015") == [2] and lines.get("R016") == [3]
