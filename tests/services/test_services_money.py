"""Money that cannot be overdrawn: settlements of one worker in different years (which queue on
different accumulator rows) never spend the personal account twice, the database refuses an
overdrawn account, and the ledger check reports any account that breaks its sign rule — on
SQLite and on PostgreSQL, with real concurrent connections."""

from __future__ import annotations

import threading
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from tests.services.population import WORKER, populate, visit
from tests.store.fixtures import StoreFactory
from yibao.fund.accounts import AccountCode, AccountKey
from yibao.services import contribute, enroll
from yibao.services.fund import check_fund_ledger, fund_balances
from yibao.services.settle_service import (
    Refused,
    Reversed,
    ReverseRefusal,
    Settled,
    reverse_settlement,
    settle_committed,
)
from yibao.store import Store
from yibao.store.schema import fund_balances as balances_table

PAUSE_S = 3.0
ACCOUNT = AccountKey("511623", AccountCode.PERSONAL_ACCOUNT, WORKER)


def _two_years(store: Store, folder: Path) -> None:
    """The population, with the worker enrolled in 2025 too and both years' contributions."""
    populate(store, folder)
    people = folder / "worker-2025.csv"
    people.write_text(
        "id_number,name,household_id,scheme,psn_type,region,year,groups,civil_servant,"
        "employer_code,wage_base,start_date\n"
        f"{WORKER},王五,HH2,310,in_service,511623,2025,,true,91511623MA0000001X,6000,\n",
        encoding="utf-8")
    assert not enroll.import_enrollments(people, store=store).errors
    contribute.post_contributions(2025, store=store)


def _account_fen(store: Store) -> int:
    (line,) = [b for b in fund_balances(detail=True, store=store)
               if b.code is AccountCode.PERSONAL_ACCOUNT and b.holder == WORKER]
    return line.balance_fen


def test_two_years_settled_at_once_spend_the_account_once(make_store: StoreFactory) -> None:
    store = make_store(_two_years, "worker-two-years")
    before = _account_fen(store)
    assert before > 0
    paused, outcomes = threading.Event(), {}

    def pause(step: str) -> None:
        if not paused.is_set():  # the first write of the 2024 settlement: wait for 2025's
            paused.set()
            threading.Event().wait(PAUSE_S)

    def first() -> None:
        outcomes["2024"] = settle_committed(
            visit(WORKER, "Y2024", amount="30000.00", use_acct=True), store=store,
            on_step=pause)

    thread = threading.Thread(target=first)
    thread.start()
    assert paused.wait(30)
    outcomes["2025"] = settle_committed(
        visit(WORKER, "Y2025", amount="30000.00", day="2025-03-09", use_acct=True), store=store)
    thread.join(60)
    done = [outcomes["2024"], outcomes["2025"]]
    assert all(isinstance(o, Settled) for o in done), done
    paid = sum(Decimal(str(o.result["acct_pay"])) for o in done if isinstance(o, Settled))
    assert paid * 100 == before
    assert _account_fen(store) == 0
    again = settle_committed(visit(WORKER, "Y2025B", amount="500.00", day="2025-04-01",
                                   use_acct=True), store=store)
    assert isinstance(again, Settled) and again.result["acct_pay"] == "0.00"


def test_the_database_refuses_an_overdrawn_personal_account(make_store: StoreFactory) -> None:
    store = make_store(populate, "population")
    assert _account_fen(store) > 0
    overdraw = (update(balances_table)
                .where(balances_table.c.account_key == ACCOUNT.text)
                .values(debit_fen=balances_table.c.credit_fen + 1))
    with pytest.raises(IntegrityError), store.engine.begin() as connection:
        connection.execute(overdraw)
    assert check_fund_ledger(store).ok


def test_concurrent_reversals_reverse_once(make_store: StoreFactory) -> None:
    store = make_store(populate, "population")
    settled = settle_committed(visit(WORKER, "R1", use_acct=True), store=store)
    assert isinstance(settled, Settled)
    paused, outcomes = threading.Event(), {}

    def pause(step: str) -> None:
        if not paused.is_set():  # the first reversal's first write: the second one starts
            paused.set()
            threading.Event().wait(PAUSE_S)

    def first() -> None:
        outcomes["first"] = reverse_settlement(settled.setl_id, store=store, on_step=pause)

    thread = threading.Thread(target=first)
    thread.start()
    assert paused.wait(30)
    outcomes["second"] = reverse_settlement(settled.setl_id, store=store)
    thread.join(60)
    assert isinstance(outcomes["first"], Reversed)
    second = outcomes["second"]
    assert isinstance(second, Refused) and second.reason is ReverseRefusal.ALREADY_REVERSED
