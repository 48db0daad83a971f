"""Two deployments clear with each other through the national clearing file (跨省, 川渝通办):
Sichuan (邻水 511623) and Chongqing (渝北 500112) each settle their own insured at the other's
institutions, each clears and exports its month, the other imports it on the care side. Both
ledgers balance, and what one owes the other is what the other is owed. A file is posted once; a
tampered, foreign or broken file is refused whole."""

from __future__ import annotations

import json
from pathlib import Path

from tests.offsite.clearing_fixtures import beijing, offsite_settlement, register, reverse
from tests.offsite.test_clearing import NOW
from tests.store.fixtures import StoreFactory
from yibao.services.clearing import (
    Cleared,
    ClearRefusal,
    Exported,
    Imported,
    Refused,
    clear_month,
    export_month,
    file_checksum,
    import_file,
)
from yibao.services.fund import check_fund_ledger
from yibao.store import Store

SC, CQ = "511623196001010011", "500112196001010012"
SC_CARE, CQ_CARE = "H51162300001", "H50010300001"  # 邻水 and 渝中 hospitals
INSTITUTIONS = {SC_CARE: "511623", CQ_CARE: "500103"}


def _posted(store: Store, key: str) -> tuple[int, int]:
    with store.unit_of_work(read_only=True) as uow:
        return uow.ledger.posted_balances().get(key, (0, 0))


def _deployments(make_store: StoreFactory) -> tuple[Store, Store]:
    sichuan, chongqing = make_store(), make_store()
    register(sichuan, {SC: "511623"}, INSTITUTIONS)
    register(chongqing, {CQ: "500112"}, INSTITUTIONS)
    # 邻水's insured in 渝中: 1 000.00 + 100.00 account, and 400.00 reversed in the month.
    offsite_settlement(sichuan, "SC1", SC, "511623", "500103", CQ_CARE, beijing(2025, 1, 8),
                       "1000.00", "100.00")
    offsite_settlement(sichuan, "SC2", SC, "511623", "500103", CQ_CARE, beijing(2025, 1, 9),
                       "400.00")
    reverse(sichuan, "SC2", SC, beijing(2025, 1, 20))
    # 渝北's insured in 邻水: 2 000.00.
    offsite_settlement(chongqing, "CQ1", CQ, "500112", "511623", SC_CARE, beijing(2025, 1, 12),
                       "2000.00")
    return sichuan, chongqing


def _export(store: Store, path: Path) -> Exported:
    assert isinstance(clear_month("2025-01", store=store, now=NOW), Cleared)
    exported = export_month("2025-01", path, store=store, now=NOW)
    assert isinstance(exported, Exported), exported
    return exported


def test_two_deployments_clear_through_their_files(make_store: StoreFactory,
                                                   tmp_path: Path) -> None:
    sichuan, chongqing = _deployments(make_store)
    sc_file, cq_file = tmp_path / "sc.json", tmp_path / "cq.json"
    assert _export(sichuan, sc_file).sender == "510000"
    assert _export(chongqing, cq_file).sender == "500000"
    doc = json.loads(sc_file.read_text(encoding="utf-8"))
    # 1 100.00 + 400.00 − 400.00; no 2024 → prepayment 2 × 1 100.00; due 1 100.00 + 2 200.00.
    assert [{k: p[k] for k in ("care_region", "insured_region", "settlements", "fund_amount",
                               "reversed_amount", "prepayment", "due")} for p in doc["pairs"]] == [
        {"care_region": "500103", "insured_region": "511623", "settlements": 2,
         "fund_amount": "1500.00", "reversed_amount": "400.00", "prepayment": "2200.00",
         "due": "3300.00"}]
    assert doc["pairs"][0]["institutions"] == [{"fixmedins_code": CQ_CARE, "amount": "1100.00"}]

    into_cq = import_file(sc_file, store=chongqing, now=NOW)
    into_sc = import_file(cq_file, store=sichuan, now=NOW)
    assert isinstance(into_cq, Imported) and len(into_cq.posted) == 1
    assert isinstance(into_sc, Imported) and len(into_sc.posted) == 1
    again = import_file(sc_file, store=chongqing, now=NOW)
    assert isinstance(again, Imported) and again.posted == () and again.skipped == (
        ("500103", "511623"),)

    for store in (sichuan, chongqing):
        assert check_fund_ledger(store=store).ok
    # What 邻水 owes 渝中 (credited to its payable by the settlements, less the reversal) is what
    # 渝中 is owed (debited to its receivable by the advance to its hospital); both cleared.
    owes = _posted(sichuan, "511623:offsite_payable:500103")
    owed = _posted(chongqing, "500103:offsite_receivable:511623")
    assert owes == (150000, 150000) and owed == (110000, 110000)
    assert owes[1] - 40000 == owed[0]  # 1 500.00 settled − 400.00 reversed = 1 100.00
    assert _posted(chongqing, "500103:payable_institution:" + CQ_CARE) == (0, 110000)
    assert _posted(sichuan, "511623:offsite_prepaid:500103") == (220000, 0)
    assert _posted(chongqing, "500103:offsite_prepay_held:511623") == (0, 220000)
    # And the other way round: 渝北 owes 邻水 2 000.00.
    assert _posted(chongqing, "500112:offsite_payable:511623")[1] == _posted(
        sichuan, "511623:offsite_receivable:500112")[0] == 200000
    # The care side's statement is the month's too: its net adds to zero.
    month = clear_month("2025-01", store=chongqing, now=NOW)
    assert isinstance(month, Cleared) and month.posted == ()
    assert month.to_json()["net"] == {"500103": "3300.00", "500112": "-6000.00",
                                      "511623": "2700.00"}


def _refused(path: Path, store: Store) -> Refused:
    result = import_file(path, store=store, now=NOW)
    assert isinstance(result, Refused), result
    return result


def test_bad_files_are_refused_whole(make_store: StoreFactory, tmp_path: Path) -> None:
    sichuan, chongqing = _deployments(make_store)
    good = tmp_path / "sc.json"
    _export(sichuan, good)
    doc = json.loads(good.read_text(encoding="utf-8"))
    tampered = tmp_path / "tampered.json"
    doc["pairs"][0]["due"] = "33000.00"
    tampered.write_text(json.dumps(doc), encoding="utf-8")
    assert _refused(tampered, chongqing).reason is ClearRefusal.TAMPERED
    broken = tmp_path / "broken.json"
    broken.write_text(good.read_text(encoding="utf-8")[:-20], encoding="utf-8")
    assert _refused(broken, chongqing).reason is ClearRefusal.BAD_FILE
    assert _refused(tmp_path / "missing.json", chongqing).reason is ClearRefusal.BAD_FILE
    # Its own file names care regions it does not hold.
    assert _refused(good, sichuan).reason is ClearRefusal.NOT_OURS
    # A file whose sums disagree with its items, its checksum made right (the file's own rule,
    # to forge a sound one): refused by its arithmetic.
    doc = json.loads(good.read_text(encoding="utf-8"))
    doc["pairs"][0]["items"][0]["amount"] = "1.00"
    doc["checksum"] = file_checksum({k: v for k, v in doc.items() if k != "checksum"})
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(doc), encoding="utf-8")
    refused = _refused(forged, chongqing)
    assert refused.reason is ClearRefusal.BAD_FILE and "明细" in refused.message
    # The same pair twice (checksum made right): refused, not a database conflict.
    doc = json.loads(good.read_text(encoding="utf-8"))
    doc["pairs"] = doc["pairs"] * 2
    doc["checksum"] = file_checksum({k: v for k, v in doc.items() if k != "checksum"})
    twice = tmp_path / "twice.json"
    twice.write_text(json.dumps(doc), encoding="utf-8")
    refused = _refused(twice, chongqing)
    assert refused.reason is ClearRefusal.BAD_FILE and "重复" in refused.message
    with chongqing.unit_of_work(read_only=True) as uow:
        assert uow.clearing.statements("2025-01") == []  # nothing imported
        assert uow.ledger.posted_balances().get("500103:offsite_receivable:511623") is None


def test_export_needs_the_month_cleared(make_store: StoreFactory, tmp_path: Path) -> None:
    sichuan, _ = _deployments(make_store)
    refused = export_month("2025-01", tmp_path / "x.json", store=sichuan, now=NOW)
    assert isinstance(refused, Refused) and refused.reason is ClearRefusal.NOT_CLEARED
    assert "yibao offsite clear --month 2025-01" in refused.message
    assert not (tmp_path / "x.json").exists()
