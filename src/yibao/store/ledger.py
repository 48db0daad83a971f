"""Ledger repository (基金账务): accounts, transactions and postings — append only.

`LedgerRepository` inserts and reads; it has no update and no delete. `BalanceRepository` keeps
the running debit and credit totals of each account, split over `BALANCE_SHARDS` rows picked by
the person, so that settlements of different persons do not queue on one hot row; `yibao fund
check` proves the totals equal the postings.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Connection, bindparam, case, func, select, update

from yibao.core.checks import invariant
from yibao.fund.accounts import SEPARATOR, AccountCode, AccountKey
from yibao.fund.postings import Posting, PostingSet, Side, TxnKind, deltas, totals
from yibao.store.runner import Runner
from yibao.store.schema import fund_accounts, fund_balances, fund_postings, fund_transactions
from yibao.store.upsert import insert_for

BALANCE_SHARDS: Final = 16


_BALANCE_OF = (select(func.coalesce(func.sum(fund_balances.c.debit_fen), 0),
                      func.coalesce(func.sum(fund_balances.c.credit_fen), 0))
               .where(fund_balances.c.account_key == bindparam("account_key")))
#: The shard rows of one account, locked until the transaction ends (PostgreSQL; SQLite's
#: transactions already hold the write lock).
_LOCK_BALANCE = (select(fund_balances.c.debit_fen, fund_balances.c.credit_fen)
                 .where(fund_balances.c.account_key == bindparam("account_key"))
                 .with_for_update())
_ADD: dict[str, Any] = {}
_ACCOUNTS: dict[str, Any] = {}
_TRANSACTION = fund_transactions.insert()
_POSTING = fund_postings.insert()


def _add_statement(dialect: str) -> Any:
    """Add to a shard's running totals, creating the row on first use (built once)."""
    if dialect not in _ADD:
        stmt = insert_for(dialect, fund_balances)
        _ADD[dialect] = stmt.on_conflict_do_update(
            index_elements=["account_key", "shard"],
            set_={"debit_fen": fund_balances.c.debit_fen + stmt.excluded.debit_fen,
                  "credit_fen": fund_balances.c.credit_fen + stmt.excluded.credit_fen})
    return _ADD[dialect]


#: A running-totals row whose delta spends from a personal account (more debit than credit):
#: added with a plain UPDATE of the existing row, because the CHECK that the account is never
#: overdrawn (schema.PERSONAL_ACCOUNT_NOT_OVERDRAWN) is evaluated on the row an upsert proposes
#: to insert, before it finds the conflict. No row to update means nothing to spend.
_SPEND = (update(fund_balances)
          .where(fund_balances.c.account_key == bindparam("k_key"),
                 fund_balances.c.shard == bindparam("k_shard"))
          .values(debit_fen=fund_balances.c.debit_fen + bindparam("d_fen"),
                  credit_fen=fund_balances.c.credit_fen + bindparam("c_fen")))


class Overdrawn(Exception):
    """A payment from an account that has no balance row to pay it from (a programmer error:
    the service reads the balance under a lock before it pays)."""


def spends(row: Mapping[str, Any]) -> bool:
    """Whether a running-totals delta spends from a personal account (see `_SPEND`)."""
    return (f"{SEPARATOR}{AccountCode.PERSONAL_ACCOUNT.value}{SEPARATOR}" in row["account_key"]
            and row["debit_fen"] > row["credit_fen"])


def check_balanced(entry: PostingSet) -> None:
    debit, credit = totals(entry.postings)
    invariant(debit == credit, "unbalanced transaction reached the store", entry.txn_id)


def shard_of(holder: str) -> int:
    """The balance shard a person's (or batch's) postings are counted in."""
    return zlib.crc32(holder.encode()) % BALANCE_SHARDS


def _accounts_statement(dialect: str) -> Any:
    if dialect not in _ACCOUNTS:
        _ACCOUNTS[dialect] = insert_for(dialect, fund_accounts).on_conflict_do_nothing()
    return _ACCOUNTS[dialect]


class LedgerRepository:
    def __init__(self, connection: Connection, dialect: str, known: set[str],
                 runner: Runner | None = None) -> None:
        self.connection, self.dialect, self.known = connection, dialect, known
        self.runner = runner or Runner(connection)
        self.created: set[str] = set()

    def ensure_accounts(self, keys: Iterable[AccountKey]) -> None:
        """Create the accounts not known to exist (concurrent creators are harmless)."""
        missing = sorted({k for k in keys if k.text not in self.known and
                          k.text not in self.created})
        if not missing:
            return
        rows = [{"key": k.text, "region": k.region, "code": k.code.value, "holder": k.holder,
                 "kind": k.kind.value} for k in missing]
        self.runner.run(_accounts_statement(self.dialect), rows)
        self.created |= {k.text for k in missing}

    def add_transaction(self, entry: PostingSet, created_at: datetime) -> None:
        check_balanced(entry)
        self.runner.run(_TRANSACTION, {
            "txn_id": entry.txn_id, "kind": entry.kind.value, "region": entry.region,
            "created_at": created_at})

    def add_postings(self, entries: Iterable[PostingSet]) -> None:
        rows = posting_rows(entries)
        if rows:
            self.runner.run(_POSTING, rows)

    def add_transactions(self, entries: Iterable[PostingSet], created_at: datetime) -> None:
        rows = [{"txn_id": e.txn_id, "kind": e.kind.value, "region": e.region,
                 "created_at": created_at} for e in entries]
        if rows:
            self.runner.run(_TRANSACTION, rows)

    def postings_of(self, txn_id: str) -> PostingSet | None:
        txn = self.connection.execute(select(fund_transactions)
                                      .where(fund_transactions.c.txn_id == txn_id)).first()
        if txn is None:
            return None
        rows = self.connection.execute(
            select(fund_postings).where(fund_postings.c.txn_id == txn_id)
            .order_by(fund_postings.c.id))
        postings = tuple(Posting(AccountKey.parse(r.account_key), Side(r.side), r.amount_fen)
                         for r in rows)
        return PostingSet(txn_id, TxnKind(txn.kind), txn.region, postings)

    def stored_balance(self, key: AccountKey) -> tuple[int, int]:
        """(debit, credit) fen of one account, from the running totals."""
        (row,) = self.runner.run(_BALANCE_OF, {"account_key": key.text})
        return int(row[0]), int(row[1])

    def locked_balance(self, key: AccountKey) -> tuple[int, int]:
        """(debit, credit) fen of one account, its rows locked until the transaction ends: what
        a payment from the account reads, so that two payments never spend the same money."""
        rows = self.runner.run(_LOCK_BALANCE, {"account_key": key.text})
        return sum(int(r[0]) for r in rows), sum(int(r[1]) for r in rows)

    def stored_balances(self, region: str | None = None) -> dict[str, tuple[int, int]]:
        query = (select(fund_balances.c.account_key, func.sum(fund_balances.c.debit_fen),
                        func.sum(fund_balances.c.credit_fen))
                 .group_by(fund_balances.c.account_key))
        if region is not None:
            query = query.where(fund_balances.c.account_key.like(f"{region}:%"))
        return {r[0]: (int(r[1]), int(r[2])) for r in self.connection.execute(query)}

    def posted_balances(self) -> dict[str, tuple[int, int]]:
        """(debit, credit) fen per account, summed from the postings themselves."""
        p = fund_postings.c
        query = (select(p.account_key,
                        func.sum(case((p.side == "D", p.amount_fen), else_=0)),
                        func.sum(case((p.side == "C", p.amount_fen), else_=0)))
                 .group_by(p.account_key))
        return {r[0]: (int(r[1]), int(r[2])) for r in self.connection.execute(query)}

    def transaction_sums(self) -> list[tuple[str, int, int]]:
        """(txn_id, debits, credits) of every transaction, with postings or not."""
        p, t = fund_postings.c, fund_transactions.c
        query = (select(t.txn_id,
                        func.coalesce(func.sum(case((p.side == "D", p.amount_fen), else_=0)), 0),
                        func.coalesce(func.sum(case((p.side == "C", p.amount_fen), else_=0)), 0))
                 .select_from(fund_transactions.outerjoin(fund_postings, p.txn_id == t.txn_id))
                 .group_by(t.txn_id))
        return [(r[0], int(r[1]), int(r[2])) for r in self.connection.execute(query)]

    def posting_count(self) -> int:
        return int(self.connection.execute(select(func.count()).select_from(fund_postings))
                   .scalar_one())


class BalanceRepository:
    """Running totals per account and shard: the one place where the fund ledger updates rows."""

    def __init__(self, connection: Connection, dialect: str, runner: Runner | None = None
                 ) -> None:
        self.connection, self.dialect = connection, dialect
        self.runner = runner or Runner(connection)

    def apply(self, entries: Iterable[tuple[PostingSet, int]]) -> None:
        """Add each set's postings to the totals of its shard, rows taken in key order."""
        add_to_balances(self.connection, balance_rows(entries), self.runner)


def add_to_balances(connection: Connection, rows: list[dict[str, Any]],
                    runner: Runner | None = None) -> None:
    """Add running-totals deltas (`balance_rows`): upserted, except those spending from a
    personal account, which update the existing row (`Overdrawn` when there is none; the
    database refuses one that would overdraw the account)."""
    added = [r for r in rows if not spends(r)]
    if added:
        statement = _add_statement(connection.dialect.name)
        if runner is not None:
            runner.run(statement, added)
        else:
            connection.execute(statement, added)
    spent = [{"k_key": r["account_key"], "k_shard": r["shard"], "d_fen": r["debit_fen"],
              "c_fen": r["credit_fen"]} for r in rows if spends(r)]
    if spent and connection.execute(_SPEND, spent).rowcount != len(spent):
        raise Overdrawn("a personal account has no balance to pay from")


def posting_rows(entries: Iterable[PostingSet]) -> list[dict[str, Any]]:
    return [{"txn_id": e.txn_id, "account_key": p.account.text, "side": p.side.value,
             "amount_fen": p.amount_fen} for e in entries for p in e.postings]


def balance_rows(entries: Iterable[tuple[PostingSet, int]]) -> list[dict[str, Any]]:
    """What the sets add to the running totals, one row per (account, shard), in key order
    (the order the rows are locked in)."""
    summed: dict[tuple[str, int], tuple[int, int]] = {}
    for entry, shard in entries:
        for account, (debit, credit) in deltas(entry.postings).items():
            before = summed.get((account.text, shard), (0, 0))
            summed[(account.text, shard)] = (before[0] + debit, before[1] + credit)
    return _rows_of(summed)


def _rows_of(summed: Mapping[tuple[str, int], tuple[int, int]]) -> list[dict[str, Any]]:
    return [{"account_key": key, "shard": shard, "debit_fen": d, "credit_fen": c}
            for (key, shard), (d, c) in sorted(summed.items())]
