"""The year's region-level fund events (`yibao.fund.schedule`), arithmetic written out: monthly
payments less the quality deposit, the DRG clearing split between the pooling funds, the
year-end payment leaving the deposit only, receipts clearing the receivables, opening
balances in months of payments."""

from __future__ import annotations

from decimal import Decimal

import polars as pl
import pytest

from yibao.fund.accounts import AccountCode, AccountKey
from yibao.fund.events import (
    CLEARING_LINES,
    PAYMENT_LINES,
    RECEIPT_LINES,
    event_postings,
)
from yibao.fund.postings import PostingSet, TxnKind, deltas, transfer
from yibao.fund.schedule import (
    deposit_withheld,
    drg_clearing,
    opening_frame,
    payment_frames,
    receipt_frame,
    share_fen,
)

REGION = "511623"
H1, H2 = "H51162300001", "H51162300002"


@pytest.mark.parametrize(("amount", "share", "expected"), [
    (10_000, Decimal("0.05"), 500),
    (10, Decimal("0.05"), 1),        # 0.5 fen half up
    (9, Decimal("0.05"), 0),         # 0.45 fen down
    (0, Decimal("0.05"), 0),
    (123_456, Decimal("0"), 0),
])
def test_share_half_up(amount: int, share: Decimal, expected: int) -> None:
    assert share_fen(amount, share) == expected


OWED = pl.DataFrame({"holder": [H1, H1, H2, H1], "month": [1, 1, 1, 2],
                     "owed_fen": [6_000, 4_000, 999, 20_000]})
#: H1: point settlement 35 000 over itemised 30 000 (employees 12 000, residents 18 000).
CLEARING = drg_clearing(pl.DataFrame({"holder": [H1], "amount_fen": [35_000]}),
                        pl.DataFrame({"holder": [H1, H1, H2], "employee": [True, False, False],
                                      "fund_pay_fen": [12_000, 18_000, 500]}))


def test_drg_clearing_split_in_the_shares_of_the_itemised_payments() -> None:
    # employees 35 000 × 12/30 = 14 000 → +2 000; residents 21 000 − 18 000 = +3 000;
    # H2 had itemised stays but no point payment: −500 back from the resident pool.
    assert CLEARING.rows() == [(H1, 3_000, 2_000), (H2, -500, 0)]


def test_payments_leave_the_quality_deposit_only() -> None:
    payments, clearings = payment_frames(REGION, 2020, OWED, CLEARING, Decimal("0.05"))
    # January H1 10 000 − 500; H2 999 − 50 (49.95 half up); February H1 20 000 − 1 000.
    # Year end H1: due 30 000 + 5 000 = 35 000, deposit 1 750, paid 9 500 + 19 000 → 4 750.
    # H2: due 999 − 500 = 499, deposit 25, paid 949 → −475 (returned).
    assert payments.select("txn_id", "holder", "paid").rows() == [
        ("PAY2020-01-" + H1, H1, 9_500), ("PAY2020-01-" + H2, H2, 949),
        ("PAY2020-02-" + H1, H1, 19_000),
        ("PAY2020-YE-" + H1, H1, 4_750), ("PAY2020-YE-" + H2, H2, -475)]
    assert clearings.select("txn_id", "resident_pool", "employee_pool").rows() == [
        ("CLR2020-" + H1, 3_000, 2_000), ("CLR2020-" + H2, -500, 0)]
    moved: dict[AccountKey, tuple[int, int]] = {}
    pool = AccountKey(REGION, AccountCode.RESIDENT_POOL)
    owed = [PostingSet(f"S{i}", TxnKind.SETTLEMENT, REGION, transfer(
        pool, AccountKey(REGION, AccountCode.PAYABLE_INSTITUTION, holder), fen))
        for i, (holder, _month, fen) in enumerate(OWED.iter_rows())]  # the settlements
    made = [event_postings(kind, r["txn_id"], REGION, r, lines, r["holder"])
            for kind, lines, frame in ((TxnKind.PAYMENT, PAYMENT_LINES, payments),
                                       (TxnKind.CLEARING, CLEARING_LINES, clearings))
            for r in frame.iter_rows(named=True)]
    for entry in owed + made:
        for key, (debit, credit) in deltas(entry.postings).items():
            before = moved.get(key, (0, 0))
            moved[key] = (before[0] + debit, before[1] + credit)
    payable = {k.holder: c - d for k, (d, c) in moved.items()
               if k.code is AccountCode.PAYABLE_INSTITUTION}
    assert payable == {H1: deposit_withheld(30_000, 5_000, Decimal("0.05")),
                       H2: deposit_withheld(999, -500, Decimal("0.05"))} == {H1: 1_750, H2: 25}


def test_receipts_clear_the_receivables_by_schedule() -> None:
    receivable = {"fiscal_central": 1_000, "individual": 700, "employer": 1_205, "employee": 11}
    frame = receipt_frame(REGION, 2020, receivable)
    assert frame.height == 12
    assert frame["fiscal_central"].to_list() == [1_000] + [0] * 11   # January (集中参保期)
    assert frame["employer"].to_list() == [100] * 11 + [105]       # evenly, rest in December
    assert frame["employee"].to_list() == [0] * 11 + [11]
    fields = {field for _d, _c, field in RECEIPT_LINES}
    assert {f: int(frame[f].sum()) for f in fields} == {f: receivable.get(f, 0) for f in fields}


def test_opening_balance_in_months_of_payments() -> None:
    frame = opening_frame(REGION, 2020, {"resident_pool": 1_000_001, "assistance": 3},
                          {"resident_pool": Decimal("8.5"), "assistance": Decimal("6")})
    assert frame.row(0, named=True) == {
        "txn_id": "OPN2020", "region": REGION, "resident_pool": 8_500_009,
        "employee_pool": 0, "serious_illness": 0, "large_expense": 0, "civil_servant": 0,
        "assistance": 18}
