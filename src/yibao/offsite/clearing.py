"""Clearing between regions (异地就医清算, 先预付后清算) as values: the month's statement of each
(care region, insured region) pair, the prepayment's size and top-up, the amount due, the
regions' net, and the postings each side makes (docs/offsite.md, "Clearing"; docs/ledger.md).

An *item* is one offsite direct settlement (its fund and personal-account payment: what its
insured region owes the care region, `offsite_payable`) or one reversal of such a settlement
(the same amount back). A pair's month clears its items: `cleared = fund − reversed`. The
insured region keeps a prepayment (预付金) with the care region, sized at `prepayment_months` ×
the pair's average monthly amount of the prior year (of this month's amount when the pair had
none then); each clearing restores the prepayment to that size, so the deposit of the insured
region pays `due = cleared + top-up` (the top-up is negative when the size fell: the care
region returns the excess). Amounts are integer fen.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any, Final

from yibao.core.money import fmt, from_fen
from yibao.fund.accounts import AccountCode, AccountKey
from yibao.fund.events import SETTLEMENT_LINES
from yibao.fund.postings import Posting, PostingSet, TxnKind, transfer

#: A month as the commands take it: `YYYY-MM`, ASCII digits.
MONTH: Final = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
MONTHS_PER_YEAR: Final = 12
#: Institutions per advance transaction (two postings each, within `MAX_POSTINGS`).
INSTITUTIONS_PER_SET: Final = 32
TXN_PREFIX: Final = "OC"
#: A settlement's amount fields that its insured region owes the care region: the fund lines
#: of its posting set and the personal account's (`fund.events.SETTLEMENT_LINES`).
ITEM_FIELDS: Final = (*(field for field, _ in SETTLEMENT_LINES), "acct_pay")

A = AccountCode
Pair = tuple[str, str]


class ItemKind(StrEnum):
    SETTLEMENT = "settlement"
    REVERSAL = "reversal"


@dataclass(frozen=True, slots=True)
class Item:
    """One settlement or reversal to clear; `amount_fen` is the settlement's fund and
    personal-account payment (positive for both kinds)."""

    item_id: str
    kind: ItemKind
    care_region: str
    insured_region: str
    fixmedins_code: str
    amount_fen: int

    @property
    def pair(self) -> Pair:
        return self.care_region, self.insured_region

    @property
    def signed_fen(self) -> int:
        return self.amount_fen if self.kind is ItemKind.SETTLEMENT else -self.amount_fen


@dataclass(frozen=True, slots=True)
class PairStatement:
    """The clearing of one pair in one month (清算单)."""

    month: str
    care_region: str
    insured_region: str
    settlements: int
    fund_fen: int
    reversed_fen: int
    #: The prepayment's size after this clearing (the balance the insured region keeps).
    prepayment_fen: int
    #: What this clearing adds to the prepayment (negative: the excess returned).
    topup_fen: int
    #: What the insured region's deposit pays the care region: cleared + top-up.
    due_fen: int
    #: The net amount of each institution of the care region (what it is owed), by code.
    institutions: tuple[tuple[str, int], ...] = ()

    @property
    def pair(self) -> Pair:
        return self.care_region, self.insured_region

    @property
    def cleared_fen(self) -> int:
        return self.fund_fen - self.reversed_fen

    def problems(self) -> list[str]:
        """What makes the statement inconsistent (zh-CN), none for a sound one."""
        out = []
        if self.due_fen != self.cleared_fen + self.topup_fen:
            out.append("应付金额 ≠ 基金金额 − 冲销金额 + 预付金调整")
        if self.institutions and sum(f for _, f in self.institutions) != self.cleared_fen:
            out.append("各机构金额合计 ≠ 基金金额 − 冲销金额")
        if self.prepayment_fen < 0 or self.settlements < 0 or min(
                self.fund_fen, self.reversed_fen) < 0:
            out.append("预付金、笔数与金额不得为负")
        return out

    def to_json(self) -> dict[str, Any]:
        money = {"fund_amount": self.fund_fen, "reversed_amount": self.reversed_fen,
                 "prepayment": self.prepayment_fen, "prepayment_topup": self.topup_fen,
                 "due": self.due_fen}
        return {"care_region": self.care_region, "insured_region": self.insured_region,
                "settlements": self.settlements,
                **{k: fmt(from_fen(v)) for k, v in money.items()}}


def month_start(month: str) -> date:
    """The first day of `YYYY-MM` (a valid month: see `MONTH`)."""
    return date(int(month[:4]), int(month[5:]), 1)


def next_month(month: str) -> str:
    first = month_start(month)
    year, index = divmod(first.year * MONTHS_PER_YEAR + first.month, MONTHS_PER_YEAR)
    return f"{year:04d}-{index + 1:02d}"


def province(region: str) -> str:
    """The province of a region code: `511623` → `510000`."""
    return region[:2] + "0000"


def cross_province(care_region: str, insured_region: str) -> bool:
    """Whether a pair clears through the national clearing file (跨省) rather than in one
    deployment: its regions lie in different provinces."""
    return province(care_region) != province(insured_region)


def prepayment_size(months: Decimal, prior_year_fen: int | None, cleared_fen: int) -> int:
    """预付金: `months` × the prior year's average monthly amount of the pair; without a prior
    year, `months` × this month's amount (never below zero), half-up to the fen."""
    base = (Decimal(prior_year_fen) / MONTHS_PER_YEAR if prior_year_fen is not None
            else Decimal(max(cleared_fen, 0)))
    return max(0, int((months * base).to_integral_value(ROUND_HALF_UP)))


def pair_statement(month: str, pair: Pair, items: Sequence[Item], months: Decimal,
                   prior_year_fen: int | None, held_fen: int) -> PairStatement:
    """The statement of one pair: its items, the prepayment's size and what is held now."""
    fund = sum(i.amount_fen for i in items if i.kind is ItemKind.SETTLEMENT)
    reversed_ = sum(i.amount_fen for i in items if i.kind is ItemKind.REVERSAL)
    size = prepayment_size(months, prior_year_fen, fund - reversed_)
    topup = size - held_fen
    by_institution: dict[str, int] = {}
    for item in items:
        by_institution[item.fixmedins_code] = (by_institution.get(item.fixmedins_code, 0)
                                               + item.signed_fen)
    return PairStatement(month, *pair, sum(i.kind is ItemKind.SETTLEMENT for i in items), fund,
                         reversed_, size, topup, fund - reversed_ + topup,
                         tuple(sorted(by_institution.items())))


def by_pair(items: Iterable[Item]) -> dict[Pair, list[Item]]:
    """The items of each pair."""
    grouped: dict[Pair, list[Item]] = {}
    for item in items:
        grouped.setdefault(item.pair, []).append(item)
    return grouped


def statements(month: str, items: Iterable[Item], months_of: Callable[[str], Decimal],
               prior_year: Mapping[Pair, int], held: Mapping[Pair, int]) -> list[PairStatement]:
    """The statement of every pair with items, by pair. `months_of(insured region)`: its
    policy's `prepayment_months`; `prior_year`: the pairs' amounts of the prior year (a pair
    absent had none); `held`: the prepayment each pair holds now."""
    grouped = by_pair(items)
    return [pair_statement(month, pair, grouped[pair], months_of(pair[1]),
                           prior_year.get(pair), held.get(pair, 0)) for pair in sorted(grouped)]


def net(pairs: Iterable[PairStatement]) -> dict[str, int]:
    """What each region receives (+) or pays (−) in the month's clearing; adds to zero."""
    out: dict[str, int] = {}
    for st in pairs:
        out[st.care_region] = out.get(st.care_region, 0) + st.due_fen
        out[st.insured_region] = out.get(st.insured_region, 0) - st.due_fen
    return dict(sorted(out.items()))


def statement_json(month: str, pairs: Sequence[PairStatement]) -> dict[str, Any]:
    """`{"month", "pairs": [...], "net": {region: amount}}`, money as two-decimal strings."""
    return {"month": month, "pairs": [st.to_json() for st in pairs],
            "net": {region: fmt(from_fen(fen)) for region, fen in net(pairs).items()}}


# ---------- postings ----------

def signed_transfer(debit: AccountKey, credit: AccountKey, fen: int) -> tuple[Posting, ...]:
    """`transfer` of `fen`, the other way round when it is negative."""
    return transfer(debit, credit, fen) if fen >= 0 else transfer(credit, debit, -fen)


def txn_id(st: PairStatement, side: str) -> str:
    """`OC2026-01-511602-511623-I`: the clearing's transaction of one side (`I` insured, `C`
    care, `A01`… the care side's advances)."""
    return f"{TXN_PREFIX}{st.month}-{st.care_region}-{st.insured_region}-{side}"


def insured_postings(st: PairStatement) -> PostingSet:
    """Insured side: the month's payable to the care region is cleared and the prepayment
    restored to its size, both paid from the deposit (Dr offsite_payable:care, Dr
    offsite_prepaid:care, Cr fund_deposit: due)."""
    region, care = st.insured_region, st.care_region
    deposit = AccountKey(region, A.FUND_DEPOSIT)
    postings = (*signed_transfer(AccountKey(region, A.OFFSITE_PAYABLE, care), deposit,
                                 st.cleared_fen),
                *signed_transfer(AccountKey(region, A.OFFSITE_PREPAID, care), deposit,
                                 st.topup_fen))
    return PostingSet(txn_id(st, "I"), TxnKind.OFFSITE_CLEARING, region, postings)


def care_postings(st: PairStatement) -> tuple[PostingSet, ...]:
    """Care side: what the institutions treated are owed, advanced against the receivable from
    the insured region (Dr offsite_receivable:insured, Cr payable_institution:code; the
    monthly payments then pay them as for the region's own), in sets of
    `INSTITUTIONS_PER_SET`; then the money received (Dr fund_deposit: due, Cr
    offsite_receivable:insured, Cr offsite_prepay_held:insured: the top-up)."""
    region, insured = st.care_region, st.insured_region
    receivable = AccountKey(region, A.OFFSITE_RECEIVABLE, insured)
    sets = []
    for start in range(0, len(st.institutions), INSTITUTIONS_PER_SET):
        chunk = st.institutions[start:start + INSTITUTIONS_PER_SET]
        postings = tuple(p for code, fen in chunk for p in signed_transfer(
            receivable, AccountKey(region, A.PAYABLE_INSTITUTION, code), fen))
        sets.append(PostingSet(txn_id(st, f"A{start // INSTITUTIONS_PER_SET + 1:02d}"),
                               TxnKind.OFFSITE_ADVANCE, region, postings))
    deposit = AccountKey(region, A.FUND_DEPOSIT)
    received = (*signed_transfer(deposit, receivable, st.cleared_fen),
                *signed_transfer(deposit, AccountKey(region, A.OFFSITE_PREPAY_HELD, insured),
                                 st.topup_fen))
    sets.append(PostingSet(txn_id(st, "C"), TxnKind.OFFSITE_CLEARING, region, received))
    return tuple(s for s in sets if s.postings)
