"""Ledger checks (对账): each transaction balances; each stored balance is the sum of its postings;
no account breaks its sign rule (a personal account is never overdrawn).

The store computes the sums (one pass each, by SQL aggregation); these pure functions compare
them and return every problem found, so one run reports them all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from yibao.fund.accounts import CHART, AccountCode, AccountKey, AccountKind, signed_balance

MAX_REPORTED: Final = 100


@dataclass(frozen=True, slots=True)
class Unbalanced:
    """A transaction whose debits differ from its credits."""

    txn_id: str
    debit_fen: int
    credit_fen: int


@dataclass(frozen=True, slots=True)
class Mismatch:
    """An account whose stored balance differs from the sum of its postings."""

    account: str
    stored: tuple[int, int]
    posted: tuple[int, int]


@dataclass(frozen=True, slots=True)
class SignBreak:
    """An account whose balance breaks its sign rule (`AccountSpec.never_negative`): e.g. an
    overdrawn personal account. `balance_fen` is on the growing side, from the postings (or
    the running totals when they say less)."""

    account: str
    balance_fen: int


@dataclass(frozen=True, slots=True)
class LedgerReport:
    transactions: int
    postings: int
    accounts: int
    unbalanced: tuple[Unbalanced, ...]
    mismatches: tuple[Mismatch, ...]
    sign_breaks: tuple[SignBreak, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.unbalanced and not self.mismatches and not self.sign_breaks


def _sign_rule(account: str) -> AccountKind | None:
    """The kind of an account whose balance may never be negative, else None."""
    try:
        key = AccountKey.parse(account)
    except ValueError:
        return None
    return key.kind if CHART[key.code].never_negative else None


def sign_breaks(*totals: Mapping[str, tuple[int, int]]) -> tuple[SignBreak, ...]:
    """Every account below zero that may never be (the lowest of the balances given)."""
    found: list[SignBreak] = []
    for account in sorted(set().union(*totals)):
        kind = _sign_rule(account)
        if kind is None:
            continue
        lowest = min(signed_balance(kind, *t[account]) for t in totals if account in t)
        if lowest < 0:
            found.append(SignBreak(account, lowest))
    return tuple(found[:MAX_REPORTED])


def check_ledger(
    txn_sums: Iterable[tuple[str, int, int]],
    stored: Mapping[str, tuple[int, int]],
    posted: Mapping[str, tuple[int, int]],
    postings: int,
) -> LedgerReport:
    """Compare per-transaction (debit, credit) sums, and stored against posted account totals."""
    count, unbalanced = 0, list[Unbalanced]()
    for txn_id, debit, credit in txn_sums:
        count += 1
        if debit != credit and len(unbalanced) < MAX_REPORTED:
            unbalanced.append(Unbalanced(txn_id, debit, credit))
    mismatches = [
        Mismatch(key, stored.get(key, (0, 0)), posted.get(key, (0, 0)))
        for key in sorted(set(stored) | set(posted))
        if stored.get(key, (0, 0)) != posted.get(key, (0, 0))
    ][:MAX_REPORTED]
    return LedgerReport(count, postings, len(set(stored) | set(posted)),
                        tuple(unbalanced), tuple(mismatches), sign_breaks(posted, stored))


@dataclass(frozen=True, slots=True)
class BalanceLine:
    """Balance of one account, or of all holders of one code in a region when `holders` > 1."""

    region: str
    code: AccountCode
    holder: str
    debit_fen: int
    credit_fen: int
    holders: int = 1

    @property
    def kind(self) -> AccountKind:
        return CHART[self.code].kind

    @property
    def name(self) -> str:
        return CHART[self.code].name

    @property
    def balance_fen(self) -> int:
        return signed_balance(self.kind, self.debit_fen, self.credit_fen)


def summarise(lines: Iterable[BalanceLine]) -> tuple[BalanceLine, ...]:
    """One line per region and code: holders (persons, institutions, levels) added together."""
    totals: dict[tuple[str, AccountCode], BalanceLine] = {}
    for line in lines:
        key = (line.region, line.code)
        seen = totals.get(key)
        totals[key] = line if seen is None else BalanceLine(
            line.region, line.code, "*", seen.debit_fen + line.debit_fen,
            seen.credit_fen + line.credit_fen, seen.holders + line.holders)
    order = list(AccountCode)
    return tuple(sorted(totals.values(), key=lambda b: (b.region, order.index(b.code))))


def balance_line(account: str, debit_fen: int, credit_fen: int) -> BalanceLine:
    key = AccountKey.parse(account)
    return BalanceLine(key.region, key.code, key.holder, debit_fen, credit_fen)
