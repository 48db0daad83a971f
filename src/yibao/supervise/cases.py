"""Work queue (facts/audit.md §1.3: 初审 → 复审 → 申诉 → 调查核实 → 违规处理): hits become cases
with states and an append-only audit trail of who decided what; a confirmed amount is recovered
through the fund ledger (`recovery_postings`).

Separation of duties (分工制衡) on money: the person who opened the review (初审) cannot confirm
the case alone, a second person confirms it; a recovery is bounded by the hit's amount unless the
confirming second person is an approver (复审, the auditor role, decided by the caller's role
table); an amount above `AMOUNT_FEN_MAX` is refused outright. Every refusal is a value of
`Refusal`, checked in its order."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Final

from yibao.fund.accounts import AccountCode, AccountKey
from yibao.fund.postings import PostingSet, TxnKind, transfer


class State(StrEnum):
    NEW = "new"
    UNDER_REVIEW = "under_review"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"
    APPEALED = "appealed"


#: Allowed moves: review, decide, appeal a confirmation, re-decide after the appeal.
MOVES: frozenset[tuple[State, State]] = frozenset({
    (State.NEW, State.UNDER_REVIEW), (State.NEW, State.DISMISSED),
    (State.UNDER_REVIEW, State.CONFIRMED), (State.UNDER_REVIEW, State.DISMISSED),
    (State.CONFIRMED, State.APPEALED),
    (State.APPEALED, State.CONFIRMED), (State.APPEALED, State.DISMISSED),
})
MAX_TRAIL = 64
#: The largest amount a case may name: 100 million yuan, far above any visit (an int64 of fen
#: holds 92 quadrillion yuan, so a sane bound also keeps the database from overflowing).
AMOUNT_FEN_MAX: Final = 10_000_000_000


class Refusal(StrEnum):
    """Why a move is refused, in order of precedence."""

    NOT_ALLOWED = "not_allowed"
    TRAIL_FULL = "trail_full"
    AMOUNT_NEEDED = "amount_needed"
    AMOUNT_TOO_LARGE = "amount_too_large"
    SAME_PERSON = "same_person"
    SECOND_REVIEW_NEEDED = "second_review_needed"


@dataclass(frozen=True, slots=True)
class Event:
    at: str  # ISO time, passed in (no clock in the domain)
    by: str
    from_state: State
    to_state: State
    note: str


@dataclass(frozen=True, slots=True)
class Case:
    case_id: str
    rule_id: str
    mdtrt_id: str
    fixmedins_code: str
    staff_code: str
    insutype: str
    amount_fen: int  # the amount in question; the confirmed amount once confirmed
    state: State = State.NEW
    trail: tuple[Event, ...] = ()
    hit_amount_fen: int | None = None  # the amount the rule hit named; None: `amount_fen`

    @property
    def bound_fen(self) -> int:
        """What a confirmation may recover without a second reviewer's approval."""
        return self.amount_fen if self.hit_amount_fen is None else self.hit_amount_fen


def _opened_by(case: Case) -> str | None:
    """Who moved the case into its present state (opened the review, registered the appeal)."""
    return case.trail[-1].by if case.trail else None


def _confirm_refusal(case: Case, by: str, amount: int, approver: bool) -> Refusal | None:
    if amount <= 0:
        return Refusal.AMOUNT_NEEDED
    if amount > AMOUNT_FEN_MAX:
        return Refusal.AMOUNT_TOO_LARGE
    if _opened_by(case) == by:
        return Refusal.SAME_PERSON
    if amount > case.bound_fen and not approver:
        return Refusal.SECOND_REVIEW_NEEDED
    return None


def move(case: Case, to: State, by: str, at: str, note: str = "",
         amount_fen: int | None = None, *, approver: bool = False) -> Case | Refusal:
    """The case in its new state with the event appended, or why the move is refused.

    `amount_fen` is the amount a confirmation recovers (other moves keep the case's amount);
    `approver` says whether `by` may approve a recovery above the hit's amount (复审)."""
    if (case.state, to) not in MOVES:
        return Refusal.NOT_ALLOWED
    if len(case.trail) >= MAX_TRAIL:
        return Refusal.TRAIL_FULL
    confirming = to is State.CONFIRMED
    amount = amount_fen if confirming and amount_fen is not None else case.amount_fen
    if confirming:
        refused = _confirm_refusal(case, by, amount, approver)
        if refused is not None:
            return refused
    event = Event(at, by, case.state, to, note)
    hit = case.bound_fen
    return replace(case, state=to, amount_fen=amount, trail=(*case.trail, event),
                   hit_amount_fen=hit)


def recovery_postings(case: Case, region: str, txn_id: str) -> PostingSet:
    """追回: the confirmed amount back from what is owed to the institution into the pool that
    paid it (employee pool for 310, resident pool otherwise). The ledger has no recovery kind
    yet, so the set is a REVERSAL-kind transaction naming the case."""
    assert case.state is State.CONFIRMED, "only a confirmed case is recovered"
    pool = AccountCode.EMPLOYEE_POOL if case.insutype == "310" else AccountCode.RESIDENT_POOL
    payable = AccountKey(region, AccountCode.PAYABLE_INSTITUTION, case.fixmedins_code)
    postings = transfer(payable, AccountKey(region, pool), case.amount_fen)
    return PostingSet(txn_id, TxnKind.REVERSAL, region, postings)
