"""Repairing personal accounts overdrawn before migration 0005 (`repair_overdrafts`,
`yibao fund repair`): the overdraft is built as an old database holds it — a second payment
from the account posted with the database's guard off, as the double spend did — and the
repair moves it to `overdraft_receivable` in a new balanced transaction, once, with a write-log
row; nothing posted before changes. On SQLite and PostgreSQL.

Before the fix there was no repair: `yibao fund check` reported the account and nothing could
clear it."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import select, text

from tests.services.population import HOSPITAL, WORKER, populate
from tests.store.fixtures import StoreFactory
from yibao.fund.accounts import AccountCode, AccountKey
from yibao.fund.postings import PostingSet, TxnKind, transfer
from yibao.services.fund import Repaired, check_fund_ledger, fund_balances, repair_overdrafts
from yibao.store import Store
from yibao.store.ledger import shard_of
from yibao.store.schema import PERSONAL_ACCOUNT_NOT_OVERDRAWN, fund_postings, write_log

REGION = "511623"
ACCOUNT = AccountKey(REGION, AccountCode.PERSONAL_ACCOUNT, WORKER)
OWED = AccountKey(REGION, AccountCode.OVERDRAFT_RECEIVABLE, WORKER)
GUARD = "ck_fund_balances_personal_account_not_overdrawn"
OVER_FEN = 3_840_00


def _balance(store: Store, key: AccountKey) -> int:
    lines = [b for b in fund_balances(detail=True, store=store)
             if b.code is key.code and b.holder == key.holder]
    return lines[0].balance_fen if lines else 0


def _spend_twice(store: Store) -> None:
    """Pay the whole balance and `OVER_FEN` more out of the account, the guard off: the state
    a double spend left before migration 0005 (PostgreSQL kept such rows, `NOT VALID`)."""
    spent = _balance(store, ACCOUNT) + OVER_FEN
    entry = PostingSet("S-DOUBLE-SPEND", TxnKind.SETTLEMENT, REGION, transfer(
        ACCOUNT, AccountKey(REGION, AccountCode.PAYABLE_INSTITUTION, HOSPITAL), spent))
    with store.unit_of_work() as uow:
        guard_off = "PRAGMA ignore_check_constraints = ON" if store.dialect == "sqlite" else \
            f"ALTER TABLE fund_balances DROP CONSTRAINT {GUARD}"
        uow.connection.execute(text(guard_off))
        uow.ledger.ensure_accounts(p.account for p in entry.postings)
        uow.ledger.add_transaction(entry, datetime.now(UTC))
        uow.ledger.add_postings([entry])
        uow.balances.apply([(entry, shard_of(WORKER))])
        uow.connection.execute(text(
            "PRAGMA ignore_check_constraints = OFF" if store.dialect == "sqlite" else
            f"ALTER TABLE fund_balances ADD CONSTRAINT {GUARD} "
            f"CHECK ({PERSONAL_ACCOUNT_NOT_OVERDRAWN}) NOT VALID"))
        uow.commit()


def _postings(store: Store) -> list[tuple[object, ...]]:
    with store.engine.connect() as connection:
        return [tuple(r) for r in connection.execute(select(fund_postings).order_by(
            fund_postings.c.id))]


def test_an_overdrawn_account_is_repaired_once(make_store: StoreFactory) -> None:
    store = make_store(populate, "population")
    _spend_twice(store)
    assert _balance(store, ACCOUNT) == -OVER_FEN
    report = check_fund_ledger(store)
    assert [(b.account, b.balance_fen) for b in report.sign_breaks] == [(ACCOUNT.text,
                                                                          -OVER_FEN)]
    before = _postings(store)

    listed = repair_overdrafts(REGION, actor="test", store=store)  # without commit: a list
    assert isinstance(listed, list) and [(r.holder, r.amount_fen) for r in listed] == [
        (WORKER, OVER_FEN)]
    assert _postings(store) == before

    done = repair_overdrafts(REGION, actor="finance", commit=True, store=store)
    assert done == listed
    (repaired,) = done
    assert isinstance(repaired, Repaired) and repaired.txn_id.startswith("OD511623-")
    assert _postings(store)[:len(before)] == before  # nothing posted before changes
    assert _balance(store, ACCOUNT) == 0 and _balance(store, OWED) == OVER_FEN
    assert check_fund_ledger(store).ok
    with store.engine.connect() as connection:
        (log,) = connection.execute(select(write_log).where(
            write_log.c.action == "fund.repair")).mappings()
    assert (log["actor"], log["target"]) == ("finance", ACCOUNT.text)
    assert json.loads(log["detail"])["amount"] == "3840.00"
    assert json.loads(log["detail"])["txn_id"] == repaired.txn_id

    assert repair_overdrafts(REGION, actor="finance", commit=True, store=store) == []


def test_a_region_that_is_not_a_code_is_refused(make_store: StoreFactory) -> None:
    store = make_store(populate, "population")
    refused = repair_overdrafts("５１１６２３", actor="test", store=store)
    assert not isinstance(refused, list) and "6 位数字" in refused.message
