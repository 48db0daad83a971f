"""The store keeps the ledger append-only and the registry honest: postings are inserted and
read back unchanged, never updated or deleted; running balances add up per shard; the database
itself refuses a zero posting, a second active enrollment in a year, a settlement identity used
twice."""

from __future__ import annotations

import ast
import inspect
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from yibao.enroll.model import Enrollment, PersonRecord
from yibao.fund.accounts import AccountCode, AccountKey
from yibao.fund.postings import PostingSet, TxnKind, transfer
from yibao.store import Store, ledger
from yibao.store.ledger import BALANCE_SHARDS, LedgerRepository, shard_of
from yibao.store.schema import fund_postings

NOW = datetime(2024, 3, 9, 12, tzinfo=UTC)
POOL = AccountKey("511623", AccountCode.RESIDENT_POOL)
OWED = AccountKey("511623", AccountCode.PAYABLE_INSTITUTION, "H51162300001")
PERSON = PersonRecord("511623196003010112", "张三", date(1960, 3, 1), "M", "511623")


def _entry(txn_id: str, fen: int) -> PostingSet:
    return PostingSet(txn_id, TxnKind.SETTLEMENT, "511623", transfer(POOL, OWED, fen))


def _post(store: Store, entries: list[tuple[PostingSet, int]]) -> None:
    with store.unit_of_work() as uow:
        uow.ledger.ensure_accounts(p.account for e, _ in entries for p in e.postings)
        for entry, _ in entries:
            uow.ledger.add_transaction(entry, NOW)
        uow.ledger.add_postings(e for e, _ in entries)
        uow.balances.apply(entries)
        uow.commit()


def test_postings_read_back_and_balances_add_up_over_shards(store: Store) -> None:
    entries = [(_entry(f"T{i}", 100 + i), i % BALANCE_SHARDS) for i in range(40)]
    _post(store, entries[:20])
    _post(store, entries[20:])
    with store.unit_of_work() as uow:
        assert uow.ledger.postings_of("T7") == entries[7][0]
        assert uow.ledger.postings_of("nope") is None
        total = sum(100 + i for i in range(40))
        assert uow.ledger.stored_balance(POOL) == (total, 0)
        assert uow.ledger.stored_balance(OWED) == (0, total)
        assert uow.ledger.posted_balances() == uow.ledger.stored_balances()


def test_ledger_repository_has_no_update_or_delete() -> None:
    tree = ast.parse(inspect.getsource(LedgerRepository))
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    attributes = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    assert not {"update", "delete"} & (names | attributes)
    imported = {alias.name for node in ast.walk(ast.parse(inspect.getsource(ledger)))
                if isinstance(node, ast.ImportFrom) for alias in node.names}
    assert not {"update", "delete"} & imported


def test_the_database_refuses_a_zero_or_negative_posting(store: Store) -> None:
    _post(store, [(_entry("T1", 5), 0)])
    for amount in (0, -5):
        with pytest.raises(IntegrityError), store.engine.begin() as connection:
            connection.execute(insert(fund_postings).values(
                txn_id="T1", account_key=POOL.text, side="D", amount_fen=amount))


def _enrollment(region: str, scheme: str = "390") -> Enrollment:
    return Enrollment(PERSON.id_number, scheme, region, 2024, "resident", date(2024, 1, 1),
                      date(2024, 1, 1))


def test_the_database_refuses_a_second_active_enrollment_in_a_year(store: Store) -> None:
    with store.unit_of_work() as uow:
        uow.registry.save_persons([PERSON])
        uow.registry.add_enrollments([_enrollment("511623")])
        uow.commit()
    with pytest.raises(IntegrityError), store.unit_of_work() as uow:
        uow.registry.add_enrollments([_enrollment("511600")])


def test_shards_spread_persons() -> None:
    shards = {shard_of(f"5116231960030100{i:02d}") for i in range(64)}
    assert len(shards) > BALANCE_SHARDS // 2
    assert all(0 <= s < BALANCE_SHARDS for s in shards)


def test_a_transaction_is_booked_on_its_beijing_day(store: Store) -> None:
    evening = datetime(2024, 3, 9, 17, tzinfo=UTC)  # 2024-03-10 01:00 in Beijing
    with store.unit_of_work() as uow:
        uow.ledger.ensure_accounts([POOL, OWED])
        uow.ledger.add_transaction(_entry("B1", 100), evening)
        uow.ledger.add_transaction(_entry("B2", 20), evening, date(2024, 2, 29))
        uow.ledger.add_transactions([_entry("B3", 3)], NOW)
        entries = [_entry("B1", 100), _entry("B2", 20), _entry("B3", 3)]
        uow.ledger.add_postings(entries)
        uow.balances.apply((e, 0) for e in entries)
        uow.commit()
    with store.unit_of_work(read_only=True) as uow:
        sums = uow.ledger.fund_sums_by_day("511623", ["resident_pool"], date(2024, 12, 31))
        assert sorted(sums) == [(date(2024, 2, 29), "resident_pool", "settlement", "D", 20),
                                (date(2024, 3, 9), "resident_pool", "settlement", "D", 3),
                                (date(2024, 3, 10), "resident_pool", "settlement", "D", 100)]
        assert uow.ledger.fund_sums_by_day("511623", ["resident_pool"], date(2024, 3, 9)) == [
            (date(2024, 2, 29), "resident_pool", "settlement", "D", 20),
            (date(2024, 3, 9), "resident_pool", "settlement", "D", 3)]
        assert uow.ledger.fund_sums_by_day("511602", ["resident_pool"], date(2024, 12, 31)) == []
        assert uow.ledger.latest_booked_years("5116") == [("511623", 2024)]
