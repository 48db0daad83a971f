"""The clearing's arithmetic as values (offsite/clearing.py): the prepayment's size, a pair's
statement, the postings of each side (balanced, one region each, many institutions split over
several sets) and the net that adds to zero."""

from __future__ import annotations

from decimal import Decimal

from yibao.fund.accounts import AccountCode, AccountKey
from yibao.fund.postings import MAX_POSTINGS, Side, TxnKind
from yibao.offsite.clearing import (
    INSTITUTIONS_PER_SET,
    Item,
    ItemKind,
    care_postings,
    cross_province,
    insured_postings,
    net,
    next_month,
    pair_statement,
    prepayment_size,
    statements,
)

S, R = ItemKind.SETTLEMENT, ItemKind.REVERSAL
PAIR = ("511602", "511623")


def _item(n: int, kind: ItemKind, fen: int, code: str = "H1", pair: tuple[str, str] = PAIR
          ) -> Item:
    return Item(f"{kind.value[0]}{n}", kind, *pair, code, fen)


def test_prepayment_size() -> None:
    # 2 × 100 000.01 / 12 = 16 666.668… → 16 666.67 (half-up to the fen).
    assert prepayment_size(Decimal(2), 10_000_001, 0) == 1_666_667
    # Without a prior year: 1.5 × this month's 1 000.00; never below zero.
    assert prepayment_size(Decimal("1.5"), None, 100_000) == 150_000
    assert prepayment_size(Decimal(2), None, -5_000) == 0
    assert prepayment_size(Decimal(2), -120_000, 0) == 0


def test_statement_and_postings_of_both_sides() -> None:
    items = [_item(1, S, 300_000), _item(2, S, 50_000, "H2"), _item(3, R, 20_000)]
    # Prior year 120 000.00 → 10 000.00 a month → prepayment 20 000.00; 25 000.00 held, so
    # 5 000.00 returns; cleared 3 000.00 + 500.00 − 200.00 = 3 300.00; due −1 700.00.
    st = pair_statement("2025-03", PAIR, items, Decimal(2), 12_000_000, 2_500_000)
    assert (st.settlements, st.fund_fen, st.reversed_fen, st.cleared_fen) == (2, 350_000, 20_000,
                                                                              330_000)
    assert (st.prepayment_fen, st.topup_fen, st.due_fen) == (2_000_000, -500_000, -170_000)
    assert st.institutions == (("H1", 280_000), ("H2", 50_000)) and st.problems() == []
    insured = insured_postings(st)
    assert insured.region == "511623" and insured.kind is TxnKind.OFFSITE_CLEARING
    lines = {(p.account.text, p.side, p.amount_fen) for p in insured.postings}
    assert lines == {("511623:offsite_payable:511602", Side.DEBIT, 330_000),
                     ("511623:fund_deposit", Side.CREDIT, 330_000),
                     ("511623:fund_deposit", Side.DEBIT, 500_000),
                     ("511623:offsite_prepaid:511602", Side.CREDIT, 500_000)}
    advance, received = care_postings(st)
    assert advance.kind is TxnKind.OFFSITE_ADVANCE and advance.region == "511602"
    assert {(p.account.holder, p.side, p.amount_fen) for p in advance.postings
            if p.account.code is AccountCode.PAYABLE_INSTITUTION} == {
        ("H1", Side.CREDIT, 280_000), ("H2", Side.CREDIT, 50_000)}
    held = AccountKey("511602", AccountCode.OFFSITE_PREPAY_HELD, "511623")
    assert [(p.side, p.amount_fen) for p in received.postings if p.account == held] == [
        (Side.DEBIT, 500_000)]
    assert st.to_json()["due"] == "-1700.00"


def test_many_institutions_split_over_sets() -> None:
    n = 2 * INSTITUTIONS_PER_SET + 3
    items = [_item(i, S, 100 + i, f"H{i:03d}") for i in range(n)]
    st = pair_statement("2025-03", PAIR, items, Decimal(2), None, 0)
    sets = care_postings(st)
    advances = [s for s in sets if s.kind is TxnKind.OFFSITE_ADVANCE]
    assert len(advances) == 3 and all(len(s.postings) <= MAX_POSTINGS for s in sets)
    assert len({s.txn_id for s in sets}) == len(sets)
    assert sum(s.amount_fen for s in advances) == st.cleared_fen


def test_net_adds_to_zero_and_cross_province() -> None:
    items = [_item(1, S, 1_000), _item(2, S, 2_000, pair=("511623", "511602")),
             _item(3, S, 700, pair=("500103", "511621")), _item(4, R, 900, pair=("500103",
                                                                                  "511621"))]
    made = statements("2025-03", items, lambda region: Decimal(2), {}, {})
    totals = net(made)
    assert sum(totals.values()) == 0 and set(totals) == {"500103", "511602", "511621", "511623"}
    assert cross_province("500103", "511621") and not cross_province("511602", "511623")
    assert next_month("2025-12") == "2026-01" and next_month("2025-01") == "2025-02"
