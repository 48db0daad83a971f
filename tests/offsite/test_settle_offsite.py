"""Direct settlement of care outside the insured region: "就医地目录、参保地政策".

Worked examples, one per filing type, on both backends. A Linshui (511623) resident, 64, no
assistance group, is admitted on 2024-03-09 to 广安区人民医院 (511602, 三级). The hospital sends
the drug as 甲类 (01) for 20000.00 and a 丙类 (03) line of 80.00. 广安区's catalogue has the drug
as 乙类 with 20 % 先行自付, so — whatever the hospital sent — (就医地目录):

    先行自付 preselfpay = 20000.00 × 0.20 = 4000.00
    政策范围内 inscp    = 20000.00 − 4000.00 = 16000.00
    全自费 fulamt       = 80.00;  total = 20080.00

and Linshui's policy applies (参保地政策): resident inpatient, 三级: deductible 600, ratio 0.65,
plus the [offsite] delta of the derived kind (filed 0, referral −0.10, temporary −0.20, unfiled
−0.30), so hifp = (16000.00 − 600.00) × ratio = 15400.00 × ratio. (Had the hospital's class
been used: inscp 20000.00 and, filed, (20000 − 600) × 0.65 = 12610.00.) The in-policy self-pay
16000 − hifp stays under the serious-illness threshold 12500 only from 3590 up, i.e. every case
here (the largest is 16000 − 5390 = 10610 < 12500): the fund pays hifp alone.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.offsite.settle_world import (
    CITY_REGION,
    GUANGAN_DISTRICT,
    LINSHUI,
    add_filing,
    linshui_policy,
    populate_regions,
    postings_of,
    stay,
    stored_row,
)
from tests.services.population import HOSPITAL, UNREGISTERED
from tests.store.fixtures import StoreFactory
from yibao.offsite.model import FilingType
from yibao.services.settle_service import (
    Refused,
    Settled,
    SettleRefusal,
    preview_settlement,
    reverse_settlement,
    settle_committed,
)
from yibao.store import Store


@pytest.fixture
def regions(make_store: StoreFactory) -> Store:
    return make_store(populate_regions, "regions")


def _settled(store: Store, doc: dict) -> Settled:
    done = settle_committed(doc, store=store)
    assert isinstance(done, Settled), done
    return done


def _check_offsite(store: Store, done: Settled, hifp: str, ratio: str, offsite: str,
                   filing_id: str | None) -> None:
    r = done.settlement
    assert (r.medfee_sumamt, r.preselfpay_amt, r.inscp_scp_amt, r.fulamt_ownpay_amt) == (
        Decimal("20080.00"), Decimal("4000.00"), Decimal("16000.00"), Decimal("80.00"))
    assert r.act_pay_dedc == Decimal("600.00")
    assert r.pool_prop_selfpay == Decimal(ratio)
    assert r.hifp_pay == r.fund_pay_sumamt == Decimal(hifp)
    assert r.psn_part_amt == Decimal("20080.00") - Decimal(hifp)
    assert stored_row(store, done.setl_id) == {
        "region": LINSHUI, "care_region": GUANGAN_DISTRICT, "offsite": offsite,
        "filing_id": filing_id, "channel": "direct"}
    # The fund part is owed to the care region in Linshui's ledger, not to the hospital.
    fen = int(Decimal(hifp) * 100)
    assert postings_of(store, done.setl_id) == [
        (f"{LINSHUI}:resident_pool", "D", fen),
        (f"{LINSHUI}:offsite_payable:{GUANGAN_DISTRICT}", "C", fen)]


@pytest.mark.parametrize(("filing_type", "area"), [
    (FilingType.LONG_TERM_RESIDENT, GUANGAN_DISTRICT),  # the county-level region itself
    (FilingType.RESETTLED_RETIREE, CITY_REGION),        # the city contains 511602
    (FilingType.RESIDENT_WORKER, "510000"),             # the province contains 511602
])
def test_long_term_filing_settles_with_the_local_ratio_on_the_care_catalogue(
        regions: Store, filing_type: FilingType, area: str) -> None:
    add_filing(regions, filing_type, area)
    done = _settled(regions, stay("L1"))
    # filed: 0.65 + 0 → 15400.00 × 0.65 = 10010.00
    _check_offsite(regions, done, "10010.00", "0.65", "filed", "F1")


def test_referral_filing(regions: Store) -> None:
    add_filing(regions, FilingType.REFERRAL, GUANGAN_DISTRICT, end=date(2024, 6, 28))
    done = _settled(regions, stay("R1"))
    # referral: 0.65 − 0.10 = 0.55 → 15400.00 × 0.55 = 8470.00
    _check_offsite(regions, done, "8470.00", "0.55", "referral", "F1")


def test_emergency_without_filing_is_settled_as_referral_with_its_filing_due(
        regions: Store) -> None:
    done = _settled(regions, stay("E1", emergency=True))
    # 急诊抢救 without a filing: referral, 0.55 → 8470.00; no filing yet (补办备案 due)
    _check_offsite(regions, done, "8470.00", "0.55", "referral", None)


def test_other_temporary_filing(regions: Store) -> None:
    add_filing(regions, FilingType.OTHER_TEMPORARY, CITY_REGION, end=date(2024, 6, 28))
    done = _settled(regions, stay("T1"))
    # temporary: 0.65 − 0.20 = 0.45 → 15400.00 × 0.45 = 6930.00
    _check_offsite(regions, done, "6930.00", "0.45", "temporary", "F1")


def test_unfiled_gets_the_unfiled_delta(regions: Store) -> None:
    # A filing for another place, and one that ended before the visit, do not count.
    add_filing(regions, FilingType.LONG_TERM_RESIDENT, "500000", filing_id="F-CQ")
    add_filing(regions, FilingType.OTHER_TEMPORARY, GUANGAN_DISTRICT, filing_id="F-OLD",
               start=date(2023, 6, 1), end=date(2023, 11, 27))
    done = _settled(regions, stay("U1"))
    # unfiled: 0.65 − 0.30 = 0.35 → 15400.00 × 0.35 = 5390.00
    _check_offsite(regions, done, "5390.00", "0.35", "unfiled", None)


def test_unfiled_is_refused_where_the_policy_says_so(regions: Store,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    linshui_policy(monkeypatch)  # [filing] unfiled = "refuse"
    refused = settle_committed(stay("U2"), store=regions)
    assert isinstance(refused, Refused) and refused.reason is SettleRefusal.UNFILED
    assert "备案" in refused.message and "零星报销" in refused.message
    assert isinstance(preview_settlement(stay("U2"), store=regions), Refused)
    # Filed, the same visit settles; a local visit is never asked for a filing.
    add_filing(regions, FilingType.LONG_TERM_RESIDENT, GUANGAN_DISTRICT)
    _check_offsite(regions, _settled(regions, stay("U2")), "10010.00", "0.65", "filed", "F1")
    assert _settled(regions, stay("U3", hospital=HOSPITAL)).settlement.hifp_pay > 0


def test_the_requests_offsite_value_is_ignored(regions: Store) -> None:
    # Away, a request claiming "filed" without a filing is settled unfiled (5390.00).
    away = _settled(regions, stay("I1", offsite="filed"))
    _check_offsite(regions, away, "5390.00", "0.35", "unfiled", None)
    # At home, a request claiming "unfiled" is settled local: 二级, the second admission's
    # deductible 250 × 0.5 = 125, ratio 0.77 on 20000.00 (the drug stays 甲类: Linshui has no
    # catalogue of its own) → 19875.00 × 0.77 = 15303.75, owed to the hospital.
    local = _settled(regions, stay("I2", hospital=HOSPITAL, offsite="unfiled"))
    assert local.settlement.hifp_pay == Decimal("15303.75")
    assert stored_row(regions, local.setl_id)["offsite"] == "local"
    assert postings_of(regions, local.setl_id)[1] == (
        f"{LINSHUI}:payable_institution:{HOSPITAL}", "C", 1530375)
    bad = settle_committed(stay("I3", emergency="yes"), store=regions)
    assert isinstance(bad, Refused) and bad.field == "visit.emergency"


def test_care_catalogue_caps_and_restrictions(regions: Store) -> None:
    add_filing(regions, FilingType.LONG_TERM_RESIDENT, GUANGAN_DISTRICT)
    doc = stay("K1")
    doc["fees"] = [
        # sent 甲类 with no cap; the catalogue caps it at 100.00: (150 − 100) × 2 = 100.00 over
        {"feedetl_sn": "1", "hilist_code": "C100", "chrg_itm_lv": "01", "cnt": "2",
         "pric": "150.00"},
        # restricted to women; the person is a man: 丙类, 50.00 全自费
        {"feedetl_sn": "2", "hilist_code": "K200", "chrg_itm_lv": "01", "cnt": "1",
         "pric": "50.00"}]
    r = _settled(regions, doc).settlement
    assert (r.overlmt_selfpay, r.fulamt_ownpay_amt, r.inscp_scp_amt) == (
        Decimal("100.00"), Decimal("50.00"), Decimal("200.00"))


def test_unregistered_institution_is_in_the_insured_region(regions: Store) -> None:
    add_filing(regions, FilingType.LONG_TERM_RESIDENT, GUANGAN_DISTRICT)
    done = _settled(regions, stay("N1", hospital=UNREGISTERED, hosp_lv="3"))
    # local, 三级: drug 甲类 as sent → (20000 − 600) × 0.65 = 12610.00
    assert done.settlement.hifp_pay == Decimal("12610.00")
    assert stored_row(regions, done.setl_id)["care_region"] == LINSHUI


def test_reversal_mirrors_the_offsite_postings(regions: Store) -> None:
    add_filing(regions, FilingType.LONG_TERM_RESIDENT, GUANGAN_DISTRICT)
    done = _settled(regions, stay("V1"))
    back = reverse_settlement(done.setl_id, store=regions)
    assert not isinstance(back, Refused)
    assert postings_of(regions, back.reversal_id) == [
        (f"{LINSHUI}:resident_pool", "C", 1001000),
        (f"{LINSHUI}:offsite_payable:{GUANGAN_DISTRICT}", "D", 1001000)]


def test_preview_equals_the_settlement(regions: Store) -> None:
    add_filing(regions, FilingType.REFERRAL, GUANGAN_DISTRICT, end=date(2024, 6, 28))
    previewed = preview_settlement(stay("P1"), store=regions)
    assert not isinstance(previewed, Refused)
    done = _settled(regions, stay("P1"))
    assert previewed.hifp_pay == done.settlement.hifp_pay == Decimal("8470.00")

