"""Posting sets balance by construction: an unbalanced, empty-amount or cross-region set cannot
be built; a reversal mirrors every posting; account keys round-trip through their text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yibao.core.checks import InvariantError
from yibao.fund.accounts import AccountCode, AccountKey, AccountKind, signed_balance
from yibao.fund.postings import (
    Posting,
    PostingSet,
    Side,
    TxnKind,
    deltas,
    reversal_of,
    totals,
    transfer,
)

POOL = AccountKey("511623", AccountCode.RESIDENT_POOL)
OWED = AccountKey("511623", AccountCode.PAYABLE_INSTITUTION, "H51162300001")
ELSEWHERE = AccountKey("511600", AccountCode.RESIDENT_POOL)


def test_unbalanced_sets_cannot_be_built() -> None:
    with pytest.raises(InvariantError, match="debits"):
        PostingSet("T1", TxnKind.SETTLEMENT, "511623",
                   (Posting(POOL, Side.DEBIT, 100), Posting(OWED, Side.CREDIT, 99)))
    with pytest.raises(InvariantError):
        Posting(POOL, Side.DEBIT, 0)
    with pytest.raises(InvariantError, match="region"):
        PostingSet("T1", TxnKind.SETTLEMENT, "511623", transfer(ELSEWHERE, OWED, 5))
    with pytest.raises(InvariantError):
        transfer(POOL, OWED, -1)


def test_zero_transfer_posts_nothing() -> None:
    assert transfer(POOL, OWED, 0) == ()


@given(st.lists(st.integers(0, 10**12), max_size=30))
def test_any_transfers_balance_and_reverse(amounts: list[int]) -> None:
    postings = tuple(p for a in amounts for p in transfer(POOL, OWED, a))
    entry = PostingSet("T", TxnKind.SETTLEMENT, "511623", postings)
    debit, credit = totals(entry.postings)
    assert debit == credit == sum(amounts) == entry.amount_fen
    mirror = reversal_of(entry, "R")
    assert mirror.kind is TxnKind.REVERSAL and mirror.amount_fen == entry.amount_fen
    both = deltas(entry.postings + mirror.postings)
    assert all(d == c for d, c in both.values())


def test_account_keys() -> None:
    for key in (POOL, OWED):
        assert AccountKey.parse(key.text) == key
    assert OWED.text == "511623:payable_institution:H51162300001"
    with pytest.raises(ValueError):
        AccountKey("511623", AccountCode.PERSONAL_ACCOUNT)  # needs its holder
    with pytest.raises(ValueError):
        AccountKey("511623", AccountCode.RESIDENT_POOL, "someone")
    assert signed_balance(AccountKind.ASSET, 10, 3) == 7
    assert signed_balance(AccountKind.FUND, 10, 3) == -7
