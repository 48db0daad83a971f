"""Running balances (余额计数): the debit and credit totals of each fund account, split over
`BALANCE_SHARDS` rows picked by the person, so that settlements of different persons do not
queue on one hot row; `yibao fund check` proves the totals equal the postings. The one place
where the fund ledger updates rows (the postings themselves, in `ledger`, are append only).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, bindparam, update

from yibao.fund.accounts import SEPARATOR, AccountCode
from yibao.fund.postings import PostingSet, deltas
from yibao.store.runner import Runner
from yibao.store.schema import fund_balances
from yibao.store.upsert import insert_for

_ADD: dict[str, Any] = {}


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
