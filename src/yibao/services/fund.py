"""Fund ledger use cases: balances by account and the ledger check (`yibao fund`)."""

from __future__ import annotations

from yibao.fund.checks import BalanceLine, LedgerReport, balance_line, check_ledger, summarise
from yibao.store import Store, default_store


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
