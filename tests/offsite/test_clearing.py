"""The monthly clearing (清算, 先预付后清算; docs/offsite.md "Clearing") on both backends: two
pairs and a pair the other way, a reversal made after its month was cleared, the prepayment
sized without and with a prior year (returned, then held), net by region summing to zero, each
item cleared once, a month cleared once.

Regions: 511602 (广安区, care for 511623 and 511621), 511623 (邻水, care for 511602)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from tests.offsite.clearing_fixtures import beijing, offsite_settlement, register, reverse
from tests.store.fixtures import StoreFactory
from yibao.fund.accounts import AccountCode
from yibao.fund.postings import PostingSet
from yibao.services import clearing
from yibao.services.clearing import Cleared, ClearRefusal, Refused, clear_month
from yibao.services.fund import check_fund_ledger, fund_balances, post_entry
from yibao.store import Store
from yibao.store.schema import fund_postings, fund_transactions, offsite_clearing_items

P1, P2, P3 = "511623196001010011", "511621196001010012", "511602196001010013"
H1, H2, H3 = "H51160200001", "H51160200002", "H51162300001"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _build(store: Store) -> None:
    register(store, {P1: "511623", P2: "511621", P3: "511602"},
             {H1: "511602", H2: "511602", H3: "511623"})
    # 2024: P1 (邻水) treated twice in 广安区: the prior year of 2025 for that pair.
    offsite_settlement(store, "S1", P1, "511623", "511602", H1, beijing(2024, 3, 5), "6000.00")
    offsite_settlement(store, "S2", P1, "511623", "511602", H1, beijing(2024, 7, 1), "18000.00")
    # 2025-01
    offsite_settlement(store, "S3", P1, "511623", "511602", H1, beijing(2025, 1, 10), "3000.00",
                       "200.00")
    offsite_settlement(store, "S4", P1, "511623", "511602", H2, beijing(2025, 1, 20), "1000.00")
    offsite_settlement(store, "S5", P2, "511621", "511602", H1, beijing(2025, 1, 15), "500.00",
                       "50.00")
    offsite_settlement(store, "S6", P3, "511602", "511623", H3, beijing(2025, 1, 31, 23),
                       "700.00")
    # 2025-02-01 00:30 Beijing is 2025-01-31 16:30 UTC: February's.
    offsite_settlement(store, "S7", P1, "511623", "511602", H1,
                       datetime(2025, 1, 31, 16, 30, tzinfo=UTC), "100.00")


def _pairs(result: Cleared | Refused) -> dict[tuple[str, str], dict[str, object]]:
    assert isinstance(result, Cleared), result
    return {(p["care_region"], p["insured_region"]): p for p in result.to_json()["pairs"]}


def _balances(store: Store) -> dict[str, Decimal]:
    return {f"{b.region}:{b.code.value}:{b.holder}": Decimal(b.balance_fen) / 100
            for b in fund_balances(detail=True, store=store)
            if b.code.value.startswith("offsite") or b.code is AccountCode.PAYABLE_INSTITUTION
            or b.code is AccountCode.FUND_DEPOSIT}


def _moved(store: Store, account: str, kinds: tuple[str, ...]) -> int:
    """Debits less credits (fen) of `account` in the transactions of `kinds`."""
    p, t = fund_postings.c, fund_transactions.c
    with store.unit_of_work(read_only=True) as uow:
        rows = uow.connection.execute(
            select(p.side, p.amount_fen).select_from(
                fund_postings.join(fund_transactions, t.txn_id == p.txn_id))
            .where(p.account_key == account, t.kind.in_(kinds)))
        return sum(fen if side == "D" else -fen for side, fen in rows)


def test_months_clear_with_prepayment_reversal_and_net(make_store: StoreFactory) -> None:
    store = make_store()
    _build(store)
    # 2024-12 clears 2024 (items not cleared before a month's end enter it). No 2023, so the
    # prepayment is 2 × this month's 24 000.00 = 48 000.00, all topped up: due 72 000.00.
    dec = clear_month("2024-12", store=store, now=NOW)
    assert _pairs(dec) == {("511602", "511623"): {
        "care_region": "511602", "insured_region": "511623", "settlements": 2,
        "fund_amount": "24000.00", "reversed_amount": "0.00", "prepayment": "48000.00",
        "prepayment_topup": "48000.00", "due": "72000.00"}}
    assert isinstance(dec, Cleared) and dec.to_json()["net"] == {
        "511602": "72000.00", "511623": "-72000.00"}

    jan = clear_month("2025-01", store=store, now=NOW)
    pairs = _pairs(jan)
    # 511602←511623: S3 3 200.00 (3 000.00 pool + 200.00 account) + S4 1 000.00 = 4 200.00;
    # 2024 averaged 24 000.00 / 12 = 2 000.00 a month → prepayment 4 000.00; 48 000.00 held,
    # so 44 000.00 comes back: due 4 200.00 − 44 000.00 = −39 800.00 (paid to 511623).
    assert pairs[("511602", "511623")] == {
        "care_region": "511602", "insured_region": "511623", "settlements": 2,
        "fund_amount": "4200.00", "reversed_amount": "0.00", "prepayment": "4000.00",
        "prepayment_topup": "-44000.00", "due": "-39800.00"}
    # 511602←511621: S5 550.00; no 2024 → 2 × 550.00 = 1 100.00 topped up; due 1 650.00.
    assert pairs[("511602", "511621")]["due"] == "1650.00"
    assert pairs[("511602", "511621")]["prepayment"] == "1100.00"
    # 511623←511602: S6 700.00 at 23:00 Beijing on 31 January; prepayment 1 400.00; due 2 100.00.
    assert pairs[("511623", "511602")]["due"] == "2100.00"
    assert isinstance(jan, Cleared)
    # 511602: +1 650.00 − 39 800.00 − 2 100.00; 511621: −1 650.00; 511623: +39 800.00 + 2 100.00.
    assert jan.to_json()["net"] == {"511602": "-40250.00", "511621": "-1650.00",
                                    "511623": "41900.00"}
    assert sum(Decimal(v) for v in jan.to_json()["net"].values()) == 0

    reverse(store, "S3", P1, beijing(2025, 2, 3))  # after January was cleared
    # February: S7 (00:30 Beijing on 1 February) and the reversal of January's S3 (made on
    # 3 February, after January was cleared): 100.00 − 3 200.00 = −3 100.00; prepayment stays.
    feb = _pairs(clear_month("2025-02", store=store, now=NOW))
    assert feb == {("511602", "511623"): {
        "care_region": "511602", "insured_region": "511623", "settlements": 1,
        "fund_amount": "100.00", "reversed_amount": "3200.00", "prepayment": "4000.00",
        "prepayment_topup": "0.00", "due": "-3100.00"}}

    balances = _balances(store)
    # Every payable and receivable is cleared; the prepayments are held on both sides.
    assert balances["511623:offsite_payable:511602"] == 0
    assert balances["511602:offsite_receivable:511623"] == 0
    assert balances["511621:offsite_payable:511602"] == 0
    assert balances["511623:offsite_prepaid:511602"] == Decimal("4000.00")
    assert balances["511602:offsite_prepay_held:511623"] == Decimal("4000.00")
    assert balances["511621:offsite_prepaid:511602"] == Decimal("1100.00")
    assert balances["511602:offsite_prepay_held:511621"] == Decimal("1100.00")
    # The care region owes its institutions what they treated, net of the reversal:
    # H1 24 000.00 + 3 200.00 + 550.00 + 100.00 − 3 200.00; H2 1 000.00; H3 (邻水) 700.00.
    assert balances["511602:payable_institution:" + H1] == Decimal("24650.00")
    assert balances["511602:payable_institution:" + H2] == Decimal("1000.00")
    assert balances["511623:payable_institution:" + H3] == Decimal("700.00")
    # The deposits moved by the months' nets: 72 000.00 − 40 250.00 − 3 100.00 in 511602.
    assert balances["511602:fund_deposit:"] == Decimal("28650.00")
    assert balances["511621:fund_deposit:"] == Decimal("-1650.00")
    assert balances["511623:fund_deposit:"] == Decimal("-28650.00") + Decimal("1650.00")
    with store.unit_of_work(read_only=True) as uow:
        items = [r.item_id for r in uow.connection.execute(offsite_clearing_items.select())]
    assert sorted(items) == ["RS3", "S1", "S2", "S3", "S4", "S5", "S6", "S7"]
    # What the insured regions' settlements and reversals owe each care region is what the care
    # region advanced its institutions against the receivable, pair by pair.
    for care, insured in (("511602", "511623"), ("511602", "511621"), ("511623", "511602")):
        owed = -_moved(store, f"{insured}:offsite_payable:{care}", ("settlement", "reversal"))
        advanced = _moved(store, f"{care}:offsite_receivable:{insured}", ("offsite_advance",))
        assert owed == advanced > 0
    assert check_fund_ledger(store=store).ok


def test_a_month_is_cleared_once(make_store: StoreFactory) -> None:
    store = make_store()
    _build(store)
    first = clear_month("2025-01", store=store, now=NOW)
    with store.unit_of_work(read_only=True) as uow:
        postings = uow.ledger.posting_count()
    again = clear_month("2025-01", store=store, now=NOW)
    assert isinstance(first, Cleared) and isinstance(again, Cleared)
    assert len(first.posted) == 3 and again.posted == ()
    assert again.to_json() == first.to_json()
    with store.unit_of_work(read_only=True) as uow:
        assert uow.ledger.posting_count() == postings


def test_bad_and_open_months_are_refused(store: Store) -> None:
    for text in ("2025-13", "2025-1", "２０２５-01", "2025-01\n"):
        refused = clear_month(text, store=store, now=NOW)
        assert isinstance(refused, Refused) and refused.reason is ClearRefusal.BAD_MONTH
    # December 2025 ends at 2026-01-01 00:00 Beijing, i.e. 2025-12-31 16:00 UTC.
    still = clear_month("2025-12", store=store, now=datetime(2025, 12, 31, 15, 59, tzinfo=UTC))
    assert isinstance(still, Refused) and still.reason is ClearRefusal.MONTH_OPEN
    done = clear_month("2025-12", store=store, now=datetime(2025, 12, 31, 16, 0, tzinfo=UTC))
    assert isinstance(done, Cleared) and done.pairs == ()


def test_a_failure_part_way_leaves_no_trace(make_store: StoreFactory,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    store = make_store()
    _build(store)
    with store.unit_of_work(read_only=True) as uow:
        before = uow.ledger.posting_count()
    calls: list[str] = []

    def failing(uow: object, entry: PostingSet, *args: object) -> None:
        calls.append(entry.txn_id)
        if len(calls) == 3:  # the insured side and one advance are written by now
            raise RuntimeError("injected")
        post_entry(uow, entry, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(clearing, "post_entry", failing)
    with pytest.raises(RuntimeError, match="injected"):
        clear_month("2024-12", store=store, now=NOW)
    with store.unit_of_work(read_only=True) as uow:
        assert uow.ledger.posting_count() == before
        assert uow.clearing.statements() == [] and uow.clearing.known_items(["S1", "S2"]) == set()
    monkeypatch.undo()
    assert len(_pairs(clear_month("2024-12", store=store, now=NOW))) == 1
