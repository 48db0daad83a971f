"""Balanced posting sets (记账凭证): the only way money moves in the fund ledger.

A `PostingSet` is one transaction: postings in integer fen, each debit or credit, whose debits
equal their credits — asserted when the set is built, and again by the store before commit. A
posting is never changed or removed; a correction is a new set (`reversal_of`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from yibao.core.checks import invariant
from yibao.fund.accounts import AccountKey

MAX_POSTINGS: Final = 64
MAX_TXN_ID: Final = 48


class Side(StrEnum):
    DEBIT = "D"
    CREDIT = "C"


class TxnKind(StrEnum):
    """What produced a transaction, and what it is for a fund (docs/ledger.md, "Kinds").

    Fund expenditure: SETTLEMENT (a fund, or a personal account, owes the institution) and
    CLEARING (the DRG year-end clearing: what the point settlement pays beyond, or below, what
    the settlements owed; debit or credit on the pooling fund). REVERSAL mirrors a settlement.
    Fund income from outside the funds: CONTRIBUTION (its `assistance → pool` line, 资助参保, is
    a transfer between funds: the assistance fund's expenditure) and FUNDING (fiscal allocations
    into the civil-servant and assistance funds, the employees' large-expense premium).
    Transfer between funds: PREMIUM (大病保险筹资, resident pool → serious-illness fund:
    expenditure of the one, income of the other).
    Neither income nor expenditure: OPENING (the balance carried from earlier years, held in
    `fund_deposit`), RECEIPT (receivables collected into `fund_deposit`) and PAYMENT (月度结算
    拨付: `fund_deposit` pays what is owed to an institution) — cash movements.
    Cross-region clearing (docs/offsite.md, "Clearing"; no fund account): OFFSITE_ADVANCE (the
    care region owes its institutions what it is owed by the insured region) and
    OFFSITE_CLEARING (the month's payable or receivable settled against the prepayment and the
    deposit).
    Application-based assistance (依申请救助, SETTLEMENT.md §6): ASSIST_GRANT (the assistance
    fund owes the person an approved application's grant: the fund's expenditure), once per
    application.
    """

    SETTLEMENT = "settlement"
    REVERSAL = "reversal"
    CONTRIBUTION = "contribution"
    OVERDRAFT = "overdraft"
    OPENING = "opening"
    FUNDING = "funding"
    PREMIUM = "premium"
    RECEIPT = "receipt"
    PAYMENT = "payment"
    CLEARING = "clearing"
    OFFSITE_ADVANCE = "offsite_advance"
    OFFSITE_CLEARING = "offsite_clearing"
    ASSIST_GRANT = "assist_grant"


@dataclass(frozen=True, slots=True)
class Posting:
    account: AccountKey
    side: Side
    amount_fen: int

    def __post_init__(self) -> None:
        invariant(isinstance(self.amount_fen, int) and self.amount_fen > 0,
                  "a posting moves a positive whole number of fen", self)


@dataclass(frozen=True, slots=True)
class PostingSet:
    """One balanced transaction of one region."""

    txn_id: str
    kind: TxnKind
    region: str
    postings: tuple[Posting, ...]

    def __post_init__(self) -> None:
        invariant(0 < len(self.txn_id) <= MAX_TXN_ID, "transaction id length", self.txn_id)
        invariant(len(self.postings) <= MAX_POSTINGS, "too many postings", self.txn_id)
        invariant(all(p.account.region == self.region for p in self.postings),
                  "a transaction stays within its region", self)
        debit, credit = totals(self.postings)
        invariant(debit == credit, "debits ≠ credits", self)

    @property
    def amount_fen(self) -> int:
        return totals(self.postings)[0]


def totals(postings: Iterable[Posting]) -> tuple[int, int]:
    """(debits, credits) in fen."""
    debit = credit = 0
    for posting in postings:
        if posting.side is Side.DEBIT:
            debit += posting.amount_fen
        else:
            credit += posting.amount_fen
    return debit, credit


def transfer(debit: AccountKey, credit: AccountKey, amount_fen: int) -> tuple[Posting, ...]:
    """Move `amount_fen` from `credit` to `debit`; nothing when the amount is zero."""
    invariant(amount_fen >= 0, "a transfer moves a non-negative amount", amount_fen)
    if amount_fen == 0:
        return ()
    return Posting(debit, Side.DEBIT, amount_fen), Posting(credit, Side.CREDIT, amount_fen)


def reversal_of(original: PostingSet, txn_id: str) -> PostingSet:
    """The mirror of `original`: every debit becomes a credit and the reverse (红字冲销)."""
    flipped = tuple(
        Posting(p.account, Side.CREDIT if p.side is Side.DEBIT else Side.DEBIT, p.amount_fen)
        for p in original.postings
    )
    return PostingSet(txn_id, TxnKind.REVERSAL, original.region, flipped)


def deltas(postings: Iterable[Posting]) -> dict[AccountKey, tuple[int, int]]:
    """(debit, credit) fen per account, summed: what a set adds to the stored balances."""
    out: dict[AccountKey, tuple[int, int]] = {}
    for p in postings:
        debit, credit = out.get(p.account, (0, 0))
        if p.side is Side.DEBIT:
            debit += p.amount_fen
        else:
            credit += p.amount_fen
        out[p.account] = (debit, credit)
    return out
