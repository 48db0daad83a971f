"""Work queue (facts/audit.md §1.3: 初审 → 复审 → 申诉 → 调查核实 → 违规处理): hits become cases
with states and an append-only audit trail of who decided what; a confirmed amount is recovered
through the fund ledger (`recovery_postings`). Persistence in the store is not built yet."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

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


class Refusal(StrEnum):
    """Why a move is refused, in order of precedence."""

    NOT_ALLOWED = "not_allowed"
    TRAIL_FULL = "trail_full"
    AMOUNT_NEEDED = "amount_needed"


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


def move(case: Case, to: State, by: str, at: str, note: str = "",
         amount_fen: int | None = None) -> Case | Refusal:
    """The case in its new state with the event appended, or why the move is refused."""
    if (case.state, to) not in MOVES:
        return Refusal.NOT_ALLOWED
    if len(case.trail) >= MAX_TRAIL:
        return Refusal.TRAIL_FULL
    amount = case.amount_fen if amount_fen is None else amount_fen
    if to is State.CONFIRMED and amount <= 0:
        return Refusal.AMOUNT_NEEDED
    event = Event(at, by, case.state, to, note)
    return replace(case, state=to, amount_fen=amount, trail=(*case.trail, event))


def recovery_postings(case: Case, region: str, txn_id: str) -> PostingSet:
    """追回: the confirmed amount back from what is owed to the institution into the pool that
    paid it (employee pool for 310, resident pool otherwise). The ledger has no recovery kind
    yet, so the set is a REVERSAL-kind transaction naming the case."""
    assert case.state is State.CONFIRMED, "only a confirmed case is recovered"
    pool = AccountCode.EMPLOYEE_POOL if case.insutype == "310" else AccountCode.RESIDENT_POOL
    payable = AccountKey(region, AccountCode.PAYABLE_INSTITUTION, case.fixmedins_code)
    postings = transfer(payable, AccountKey(region, pool), case.amount_fen)
    return PostingSet(txn_id, TxnKind.REVERSAL, region, postings)
