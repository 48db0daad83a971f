"""Fund ledger use cases: balances by account, the ledger check and the repair of personal
accounts overdrawn before migration 0005 (`yibao fund`)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from yibao.core.money import fmt, from_fen
from yibao.fund.accounts import AccountCode
from yibao.fund.checks import BalanceLine, LedgerReport, balance_line, check_ledger, summarise
from yibao.fund.postings import PostingSet
from yibao.fund.repair import Overdraft, overdraft_repair, overdrafts
from yibao.store import Store, default_store
from yibao.store.accounts import WriteEntry
from yibao.store.ledger import shard_of
from yibao.store.uow import UnitOfWork


def fund_balances(
    region: str | None = None, *, detail: bool = False, store: Store | None = None
) -> tuple[BalanceLine, ...]:
    """Balances from the running totals; holders added together unless `detail`."""
    store = store or default_store()
    with store.unit_of_work() as uow:
        stored = uow.ledger.stored_balances(region)
    lines = [balance_line(key, debit, credit) for key, (debit, credit) in stored.items()]
    if detail:
        return tuple(sorted(lines, key=lambda b: (b.region, b.code.value, b.holder)))
    return summarise(lines)


def check_fund_ledger(store: Store | None = None) -> LedgerReport:
    """Every transaction balances; every account's running total equals its postings."""
    store = store or default_store()
    with store.unit_of_work() as uow:
        sums = uow.ledger.transaction_sums()
        stored = uow.ledger.stored_balances()
        posted = uow.ledger.posted_balances()
        count = uow.ledger.posting_count()
    return check_ledger(sums, stored, posted, count)


def post_entry(uow: UnitOfWork, entry: PostingSet, holder: str, now: datetime) -> None:
    """Post one transaction in `uow`: its accounts, the transaction, its postings and the
    running totals (in the shard of `holder`, the person or institution it concerns)."""
    uow.ledger.ensure_accounts(p.account for p in entry.postings)
    uow.ledger.add_transaction(entry, now)
    uow.ledger.add_postings([entry])
    uow.balances.apply([(entry, shard_of(holder))])


# ---------- repairing overdrawn personal accounts ----------

#: A region code as `--region` takes it.
REGION: Final = re.compile(r"[0-9]{6}", re.ASCII)


@dataclass(frozen=True, slots=True)
class Repaired:
    """One overdrawn personal account and the transaction that repairs it (posted or not)."""

    account: str
    holder: str
    amount_fen: int
    txn_id: str


@dataclass(frozen=True, slots=True)
class RepairRefused:
    message: str


def repair_overdrafts(region: str, *, actor: str, commit: bool = False,
                      store: Store | None = None) -> list[Repaired] | RepairRefused:
    """The overdrawn personal accounts of `region` (before migration 0005 a double spend could
    leave one below zero) and, with `commit`, one correcting transaction each
    (`yibao.fund.repair`), posted under the accounts' locks with a write-log row that names the
    account, the amount and the transaction (`yibao fund repair`)."""
    if not REGION.fullmatch(region):
        return RepairRefused(f"统筹区代码 {region!r} 有误：应为 6 位数字的行政区划代码")

    def work(uow: UnitOfWork) -> list[Repaired]:
        found = overdrafts({k: v for k, v in uow.ledger.stored_balances(region).items()
                            if f":{AccountCode.PERSONAL_ACCOUNT.value}:" in k})
        done = []
        for seen in found:
            if commit:  # read again under the lock: the amount posted is the one locked
                seen = Overdraft(seen.account, *uow.ledger.locked_balance(seen.account))
                if seen.amount_fen <= 0:
                    continue
            entry = overdraft_repair(seen)
            done.append(Repaired(seen.account.text, seen.account.holder, seen.amount_fen,
                                 entry.txn_id))
            if commit:
                now = datetime.now(UTC)
                post_entry(uow, entry, seen.account.holder, now)
                uow.accounts.log(WriteEntry(now, actor, "fund.repair", seen.account.text,
                                            json.dumps({"txn_id": entry.txn_id,
                                                        "amount": fmt(from_fen(seen.amount_fen)),
                                                        "debit_fen": seen.debit_fen,
                                                        "credit_fen": seen.credit_fen},
                                                       sort_keys=True), region))
        if commit:
            uow.commit()
        return done

    return (store or default_store()).transaction(work)
