"""Repairing an overdrawn personal account (透支个人账户的更正).

Before migration 0005 two concurrent settlements could spend one personal account twice and
leave it below zero. The money was paid out to the institutions and cannot be taken back by
editing a balance: the overdraft is something the fund is owed. The repair is a new, balanced
transaction that moves it there — debit `overdraft_receivable:<id number>` (应收个人账户透支款),
credit `personal_account:<id number>` — so the account is at zero again, the amount stays on
the books as a receivable of the person until it is recovered (from the person or, by a
re-settlement, from the institution), and nothing posted before is changed (docs/ledger.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from yibao.core.checks import invariant
from yibao.fund.accounts import AccountCode, AccountKey, AccountKind, signed_balance
from yibao.fund.postings import PostingSet, TxnKind, transfer

#: The transaction id's prefix: `OD<region>-<id number>-<the account's debits in fen>` (the
#: debits at the repair name the overdraft repaired: a later one has more debits).
PREFIX: Final = "OD"


@dataclass(frozen=True, slots=True)
class Overdraft:
    """A personal account below zero: its debits and credits in fen."""

    account: AccountKey
    debit_fen: int
    credit_fen: int

    @property
    def amount_fen(self) -> int:
        """How far below zero the account is (positive)."""
        return -signed_balance(AccountKind.LIABILITY, self.debit_fen, self.credit_fen)


def overdrafts(balances: dict[str, tuple[int, int]]) -> list[Overdraft]:
    """The personal accounts below zero among `balances` (account text → debit, credit fen),
    in account order."""
    found = []
    for text, (debit, credit) in sorted(balances.items()):
        key = AccountKey.parse(text)
        if key.code is AccountCode.PERSONAL_ACCOUNT and debit > credit:
            found.append(Overdraft(key, debit, credit))
    return found


def overdraft_repair(overdraft: Overdraft) -> PostingSet:
    """The transaction that brings the account back to zero and records the overdraft as owed
    by the account's holder."""
    invariant(overdraft.amount_fen > 0, "only an overdrawn account is repaired", overdraft)
    account = overdraft.account
    owed = AccountKey(account.region, AccountCode.OVERDRAFT_RECEIVABLE, account.holder)
    txn_id = f"{PREFIX}{account.region}-{account.holder}-{overdraft.debit_fen}"
    return PostingSet(txn_id, TxnKind.OVERDRAFT, account.region,
                      transfer(owed, account, overdraft.amount_fen))
