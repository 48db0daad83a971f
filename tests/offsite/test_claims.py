"""Manual claims (零星报销): settled by the same engine under the insured region's policy with the
manual rule, exactly once per claim id (also when two arrive at once), owed to the person.

The Linshui resident of tests/offsite/test_settle_offsite.py (first admission 2024-03-09:
三级 deductible 600, ratio 0.65 + the derived kind's delta)."""

from __future__ import annotations

import json
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from tests.offsite.settle_world import (
    GUANGAN_DISTRICT,
    LINSHUI,
    add_filing,
    linshui_policy,
    populate_regions,
    postings_of,
    stay,
    stored_row,
)
from tests.services.population import RESIDENT
from tests.store.fixtures import StoreFactory
from yibao.offsite.model import FilingType
from yibao.services.claims import ClaimRefusal, claim_manual, claim_setl_id
from yibao.services.settle_service import Refused, Settled, SettleRefusal, settle_committed
from yibao.store import Store
from yibao.store.schema import settlements

CHONGQING_CLINIC = "H50010300001"  # 渝中区, not registered here


@pytest.fixture
def regions(make_store: StoreFactory) -> Store:
    return make_store(populate_regions, "regions")


def claim(claim_id: str, **visit: Any) -> dict[str, Any]:
    doc = stay(claim_id.replace("INV", "M"), hospital=CHONGQING_CLINIC, hosp_lv="3", **visit)
    return {**doc, "claim_id": claim_id, "mdtrtarea_admvs": "500103"}


def _count(store: Store) -> int:
    with store.unit_of_work(read_only=True) as uow:
        return int(uow.connection.execute(
            select(func.count()).select_from(settlements)).scalar_one())


def test_claim_from_an_unregistered_institution_elsewhere(regions: Store) -> None:
    done = claim_manual(claim("INV-001"), store=regions)
    assert isinstance(done, Settled) and not done.replayed
    r = done.settlement
    # No filing for 500103: unfiled, 0.65 − 0.30 + manual 0 = 0.35. No catalogue for 500103, so
    # the lines stand as sent: inscp 20000.00 → (20000.00 − 600.00) × 0.35 = 6790.00.
    assert (r.inscp_scp_amt, r.pool_prop_selfpay, r.hifp_pay) == (
        Decimal("20000.00"), Decimal("0.35"), Decimal("6790.00"))
    # The in-policy self-pay 20000.00 − 6790.00 = 13210.00 passes the serious-illness threshold
    # 12500: (13210.00 − 12500.00) × 0.60 = 426.00; fund 6790.00 + 426.00 = 7216.00.
    assert (r.hifmi_pay, r.fund_pay_sumamt) == (Decimal("426.00"), Decimal("7216.00"))
    assert done.setl_id == r.setl_id == claim_setl_id("INV-001")
    assert done.setl_id.startswith("Z")
    assert stored_row(regions, done.setl_id) == {
        "region": LINSHUI, "care_region": "500103", "offsite": "unfiled", "filing_id": None,
        "channel": "manual"}
    assert postings_of(regions, done.setl_id) == [
        (f"{LINSHUI}:resident_pool", "D", 679000),
        (f"{LINSHUI}:manual_claim_payable:{RESIDENT}", "C", 679000),
        (f"{LINSHUI}:serious_illness", "D", 42600),
        (f"{LINSHUI}:manual_claim_payable:{RESIDENT}", "C", 42600)]


def test_manual_rule_of_the_policy(regions: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    linshui_policy(monkeypatch)  # unfiled refused; manual_delta −0.10
    direct = settle_committed(stay("D1"), store=regions)
    assert isinstance(direct, Refused) and direct.reason is SettleRefusal.UNFILED
    # The refused person claims: care catalogue (drug 乙类, inscp 16000.00), unfiled
    # 0.65 − 0.30 − 0.10 = 0.25 → (16000.00 − 600.00) × 0.25 = 3850.00.
    unfiled = claim_manual({**stay("D1"), "claim_id": "INV-D1"}, store=regions)
    assert isinstance(unfiled, Settled)
    assert (unfiled.settlement.inscp_scp_amt, unfiled.settlement.hifp_pay) == (
        Decimal("16000.00"), Decimal("3850.00"))
    # Filed (long-term), a later stay: second admission, deductible 600 × 0.5 = 300;
    # 0.65 + 0 − 0.10 = 0.55 → (16000.00 − 300.00) × 0.55 = 8635.00.
    add_filing(regions, FilingType.LONG_TERM_RESIDENT, GUANGAN_DISTRICT)
    filed = claim_manual({**stay("D2", day="2024-05-06"), "claim_id": "INV-D2"}, store=regions)
    assert isinstance(filed, Settled)
    assert (filed.settlement.pool_prop_selfpay, filed.settlement.hifp_pay) == (
        Decimal("0.55"), Decimal("8635.00"))
    assert stored_row(regions, filed.setl_id)["filing_id"] == "F1"


def test_exactly_once_per_claim_id(regions: Store) -> None:
    first = claim_manual(claim("INV-002"), store=regions)
    assert isinstance(first, Settled)
    count = _count(regions)
    again = claim_manual(claim("INV-002"), store=regions)
    assert isinstance(again, Settled) and again.replayed
    assert again.result == first.result and _count(regions) == count
    other = claim("INV-002", amount="20001.00")
    changed = claim_manual(other, store=regions)
    assert isinstance(changed, Refused) and changed.reason is ClaimRefusal.CLAIM_CONFLICT
    # The same visit under another claim id is settled already.
    twice = claim_manual({**claim("INV-002"), "claim_id": "INV-003"}, store=regions)
    assert isinstance(twice, Refused) and twice.reason is ClaimRefusal.ALREADY_SETTLED
    assert _count(regions) == count


def test_bad_claims_write_nothing(regions: Store) -> None:
    cases = [
        ({**claim("INV-9"), "claim_id": ""}, SettleRefusal.INVALID_REQUEST, "claim_id"),
        ({**claim("INV-9"), "mdtrtarea_admvs": "99"}, SettleRefusal.INVALID_REQUEST,
         "mdtrtarea_admvs"),
        ({**claim("INV-9"), "use_acct": True}, SettleRefusal.INVALID_REQUEST, "use_acct"),
        ({k: v for k, v in claim("INV-9").items() if k != "mdtrtarea_admvs"},
         ClaimRefusal.CARE_REGION, "mdtrtarea_admvs"),
        ({**stay("M9"), "claim_id": "INV-9", "mdtrtarea_admvs": "511621"},
         ClaimRefusal.CARE_REGION, "mdtrtarea_admvs"),  # the hospital is registered in 511602
    ]
    for doc, reason, field in cases:
        refused = claim_manual(doc, store=regions)
        assert isinstance(refused, Refused), doc
        assert (refused.reason, refused.field) == (reason, field)
    assert _count(regions) == 0


def test_two_claims_with_one_id_at_once(regions: Store) -> None:
    url = regions.url
    regions.dispose()
    barrier, outcomes = threading.Barrier(2), []

    def run() -> None:
        store = Store(url)
        try:
            barrier.wait(30)
            outcomes.append(claim_manual(claim("INV-010"), store=store))
        finally:
            store.dispose()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(outcomes) == 2 and all(isinstance(o, Settled) for o in outcomes)
    assert sorted(o.replayed for o in outcomes if isinstance(o, Settled)) == [False, True]
    assert outcomes[0].result == outcomes[1].result  # type: ignore[union-attr]
    assert _count(regions) == 1


def test_cli_claim(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from yibao.cli import app

    store = Store(f"sqlite:///{tmp_path / 'cli.db'}")
    from yibao.store.migrate import upgrade

    upgrade(store)
    populate_regions(store, tmp_path / "world")
    store.dispose()
    monkeypatch.setenv("YIBAO_DATABASE_URL", store.url)
    runner = CliRunner()
    path = tmp_path / "claim.json"
    path.write_text(json.dumps(claim("INV-CLI")), encoding="utf-8")
    first = runner.invoke(app, ["offsite", "claim", "--input", str(path)])
    assert first.exit_code == 0, first.output
    shown = json.loads(first.stdout)
    assert shown["hifp_pay"] == "6790.00" and shown["commit"]["status"] == "settled"
    again = runner.invoke(app, ["offsite", "claim", "--input", str(path)])
    assert json.loads(again.stdout)["commit"]["status"] == "replayed"
    path.write_text(json.dumps({**claim("INV-CLI2"), "claim_id": 7}), encoding="utf-8")
    bad = runner.invoke(app, ["offsite", "claim", "--input", str(path)])
    assert bad.exit_code == 2 and json.loads(bad.stdout)["error"]["field"] == "claim_id"
