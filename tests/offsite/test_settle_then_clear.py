"""From the hospital's settlement to the clearing, through the real paths (no fixture rows).

A Linshui (511623) resident filed 异地长期居住 for 广安区 (511602) is treated twice at
广安区人民医院 (the first stay: hifp = (16000.00 − 600.00) × 0.65 = 10010.00, worked out in
test_settle_offsite.py),
and a Guang'an city (511600) resident once at the same hospital, all settled with
`settle_committed` in the current month. The second Linshui stay is reversed. Clearing the month
(its end passed by `now`) must:

- find each unreversed offsite settlement exactly once among the clearing items, the reversed
  one netted (its settlement and its reversal both items of the same month): Linshui's pair
  fund 20215.00 (the second stay pays half the deductible: 15700.00 × 0.65 = 10205.00),
  reversed 10205.00, net 10010.00;
- empty Linshui's `offsite_payable:511602` (it owed 10010.00 after the reversal);
- leave the care side (511602) a receivable from Linshui against what it advanced to the
  hospital, so the hospital is owed 10010.00 by 511602's ledger and nothing by Linshui's;
- net to 0.00 over the regions, and keep every ledger balanced (`yibao fund check`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from tests.offsite.settle_world import (
    CITY_A,
    CITY_REGION,
    DISTRICT_HOSPITAL,
    GUANGAN_DISTRICT,
    LINSHUI,
    add_filing,
    populate_regions,
    stay,
)
from tests.store.fixtures import StoreFactory
from yibao.core.beijing import BEIJING
from yibao.fund.accounts import AccountCode, AccountKey, AccountKind, signed_balance
from yibao.offsite.model import FilingType
from yibao.services.clearing import Cleared, clear_month
from yibao.services.fund import check_fund_ledger
from yibao.services.settle_service import Settled, reverse_settlement, settle_committed
from yibao.store import Store
from yibao.store.schema import offsite_clearing_items


def _balance(store: Store, key: AccountKey) -> int:
    with store.unit_of_work(read_only=True) as uow:
        return signed_balance(AccountKind.LIABILITY if key.code in (
            AccountCode.OFFSITE_PAYABLE, AccountCode.PAYABLE_INSTITUTION) else AccountKind.ASSET,
            *uow.ledger.stored_balance(key))


def test_settled_offsite_stays_are_cleared_once(make_store: StoreFactory) -> None:
    store = make_store(populate_regions, "regions")
    add_filing(store, FilingType.LONG_TERM_RESIDENT, GUANGAN_DISTRICT)
    # Stays of 2024, settled now: the clearing month is the month of the settlement.
    done = [settle_committed(stay(m), store=store) for m in ("E1", "E2")]
    city = settle_committed(stay("E3", psn_no=CITY_A), store=store)
    assert all(isinstance(d, Settled) for d in (*done, city)), (done, city)
    first, second = (d for d in done if isinstance(d, Settled))
    # The second admission of the year pays half the deductible (repeat_admission_factor 0.5):
    # (16000.00 − 300.00) × 0.65 = 10205.00.
    assert (first.settlement.hifp_pay, second.settlement.hifp_pay) == (
        Decimal("10010.00"), Decimal("10205.00"))
    assert not isinstance(reverse_settlement(second.setl_id, store=store), type(None))
    payable = AccountKey(LINSHUI, AccountCode.OFFSITE_PAYABLE, GUANGAN_DISTRICT)
    assert _balance(store, payable) == 1_001_000  # 20215.00 owed, 10205.00 reversed

    month = datetime.now(BEIJING).strftime("%Y-%m")
    later = datetime.now(UTC) + timedelta(days=40)
    cleared = clear_month(month, store=store, now=later)
    assert isinstance(cleared, Cleared), cleared
    doc = cleared.to_json()
    pairs = {(p["care_region"], p["insured_region"]): p for p in doc["pairs"]}
    linshui = pairs[(GUANGAN_DISTRICT, LINSHUI)]
    assert (linshui["settlements"], linshui["fund_amount"], linshui["reversed_amount"]) == (
        2, "20215.00", "10205.00")
    assert (GUANGAN_DISTRICT, CITY_REGION) in pairs
    assert sum(Decimal(v) for v in doc["net"].values()) == Decimal("0.00")

    # The offsite settlements and the reversal are the month's clearing items, no more.
    t = offsite_clearing_items
    with store.unit_of_work(read_only=True) as uow:
        items = {(r.item_id, r.month, r.care_region, r.insured_region,
                  r.amount_fen * (-1 if r.kind == "reversal" else 1))
                 for r in uow.connection.execute(select(t))}
    assert isinstance(city, Settled)
    city_fen = int((city.settlement.fund_pay_sumamt + city.settlement.acct_pay) * 100)
    assert {(i, c, r, a) for i, _, c, r, a in items} == {
        (first.setl_id, GUANGAN_DISTRICT, LINSHUI, 1_001_000),
        (second.setl_id, GUANGAN_DISTRICT, LINSHUI, 1_020_500),
        ("R" + second.setl_id[1:], GUANGAN_DISTRICT, LINSHUI, -1_020_500),
        (city.setl_id, GUANGAN_DISTRICT, CITY_REGION, city_fen)}
    assert {m for _, m, *_ in items} == {month}
    assert _balance(store, payable) == 0
    hospital_in_care = AccountKey(GUANGAN_DISTRICT, AccountCode.PAYABLE_INSTITUTION,
                                  DISTRICT_HOSPITAL)
    hospital_in_insured = AccountKey(LINSHUI, AccountCode.PAYABLE_INSTITUTION,
                                     DISTRICT_HOSPITAL)
    assert _balance(store, hospital_in_care) == 1_001_000 + city_fen
    assert _balance(store, hospital_in_insured) == 0
    report = check_fund_ledger(store)
    assert report.ok, report

    # Clearing the month again posts nothing.
    again = clear_month(month, store=store, now=later)
    assert isinstance(again, Cleared) and again.posted == ()
