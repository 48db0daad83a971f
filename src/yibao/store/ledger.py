"""Ledger repository (基金账务): accounts, transactions and postings — append only.

`LedgerRepository` inserts and reads; it has no update and no delete. The running totals of each
account are kept by `yibao.store.balances` (`BalanceRepository`), in `BALANCE_SHARDS` rows per
account picked by `shard_of` the person.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, Final

from sqlalchemy import Connection, bindparam, case, func, select

from yibao.core.beijing import in_beijing
from yibao.core.checks import invariant
from yibao.fund.accounts import AccountKey
from yibao.fund.postings import Posting, PostingSet, Side, TxnKind, totals
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
_ACCOUNTS: dict[str, Any] = {}
_TRANSACTION = fund_transactions.insert()
_POSTING = fund_postings.insert()


def check_balanced(entry: PostingSet) -> None:
    debit, credit = totals(entry.postings)
    invariant(debit == credit, "unbalanced transaction reached the store", entry.txn_id)


def beijing_day(at: datetime) -> date:
    """The Beijing day of an instant: the day a transaction made at `at` is booked on."""
    return in_beijing(at).date()


def _day(value: date | str) -> date:
    """A date column's value: SQLite hands an aggregate of a date back as its text."""
    return value if isinstance(value, date) else date.fromisoformat(value)


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

    def add_transaction(self, entry: PostingSet, created_at: datetime,
                        booked_on: date | None = None) -> None:
        """One transaction, booked on `booked_on` (default: the Beijing day of `created_at`)."""
        check_balanced(entry)
        self.runner.run(_TRANSACTION, {
            "txn_id": entry.txn_id, "kind": entry.kind.value, "region": entry.region,
            "created_at": created_at, "booked_on": booked_on or beijing_day(created_at)})

    def add_postings(self, entries: Iterable[PostingSet]) -> None:
        rows = posting_rows(entries)
        if rows:
            self.runner.run(_POSTING, rows)

    def add_transactions(self, entries: Iterable[PostingSet], created_at: datetime,
                         booked_on: date | None = None) -> None:
        day = booked_on or beijing_day(created_at)
        rows = [{"txn_id": e.txn_id, "kind": e.kind.value, "region": e.region,
                 "created_at": created_at, "booked_on": day} for e in entries]
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

    def fund_sums_by_day(self, region: str, codes: Iterable[str], until: date
                         ) -> list[tuple[date, str, str, str, int]]:
        """(booked_on, account code, transaction kind, side, fen) summed over the postings of
        `region` on accounts with one of `codes`, booked on or before `until`."""
        p, t, a = fund_postings.c, fund_transactions.c, fund_accounts.c
        query = (select(t.booked_on, a.code, t.kind, p.side, func.sum(p.amount_fen))
                 .select_from(fund_postings.join(fund_transactions, t.txn_id == p.txn_id)
                              .join(fund_accounts, a.key == p.account_key))
                 .where(t.region == region, t.booked_on <= until, a.code.in_(sorted(codes)))
                 .group_by(t.booked_on, a.code, t.kind, p.side))
        return [(r[0], r[1], r[2], r[3], int(r[4])) for r in self.connection.execute(query)]

    def ledger_version(self, region: str) -> tuple[int, str]:
        """The number of a region's transactions and the time of the latest: the ledger is
        append-only, so the region's figures are unchanged while these are (a database rebuilt
        with as many transactions has later ones)."""
        t = fund_transactions.c
        count, latest = self.connection.execute(
            select(func.count(), func.max(t.created_at)).where(t.region == region)).one()
        return int(count), str(latest)

    def latest_booked_years(self, prefix: str) -> list[tuple[str, int]]:
        """(region, year of its latest booked transaction) of each region starting with
        `prefix`, by region."""
        t = fund_transactions.c
        query = (select(t.region, func.max(t.booked_on)).where(t.region.startswith(prefix))
                 .group_by(t.region).order_by(t.region))
        return [(r[0], _day(r[1]).year) for r in self.connection.execute(query)]

    def posting_count(self) -> int:
        return int(self.connection.execute(select(func.count()).select_from(fund_postings))
                   .scalar_one())


def posting_rows(entries: Iterable[PostingSet]) -> list[dict[str, Any]]:
    return [{"txn_id": e.txn_id, "account_key": p.account.text, "side": p.side.value,
             "amount_fen": p.amount_fen} for e in entries for p in e.postings]
