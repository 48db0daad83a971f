"""Replaying a whole day of requests — settlements and reversals — changes nothing: every
settlement is answered from the store with its first result, every reversal is refused as
already done, and not one row of any table differs."""

from __future__ import annotations

from typing import Any

from tests.services.population import (
    CLINIC,
    DIBAO,
    HOSPITAL,
    RESIDENT,
    RETIREE,
    TEKUN,
    WORKER,
    visit,
)
from tests.services.snapshot import snapshot
from yibao.services.settle_service import (
    Refused,
    ReverseRefusal,
    Settled,
    reverse_settlement,
    settle_committed,
)
from yibao.store import Store

PEOPLE = (RESIDENT, DIBAO, TEKUN, WORKER, RETIREE)
MED_TYPES = ("11", "14", "21")
VISITS = 120


def day_of_requests() -> list[dict[str, Any]]:
    """A day at two institutions: outpatient, chronic and inpatient visits of five persons."""
    docs = []
    for i in range(VISITS):
        person = PEOPLE[i % len(PEOPLE)]
        med_type = MED_TYPES[i % len(MED_TYPES)]
        amount = {"11": 60 + 7 * i, "14": 800 + 31 * i, "21": 4000 + 977 * i}[med_type]
        docs.append(visit(person, f"D{i:03d}", amount=f"{amount}.{i % 100:02d}",
                          med_type=med_type, hospital=(HOSPITAL, CLINIC)[i % 2],
                          day=f"2024-06-{1 + i % 28:02d}", use_acct=person == WORKER))
    return docs


def test_replaying_a_day_changes_nothing(populated: Store) -> None:
    docs = day_of_requests()
    first = [settle_committed(doc, store=populated) for doc in docs]
    assert all(isinstance(o, Settled) and not o.replayed for o in first)
    reversed_ids = [o.setl_id for o in first[::10] if isinstance(o, Settled)]
    for setl_id in reversed_ids:
        assert not isinstance(reverse_settlement(setl_id, store=populated), Refused)
    before = snapshot(populated)

    again = [settle_committed(doc, store=populated) for doc in docs]
    for old, new in zip(first, again, strict=True):
        assert isinstance(old, Settled) and isinstance(new, Settled)
        assert new.replayed and new.result == old.result and new.setl_id == old.setl_id
        assert new.reversed == (old.setl_id in reversed_ids)
    for setl_id in reversed_ids:
        outcome = reverse_settlement(setl_id, store=populated)
        assert isinstance(outcome, Refused)
        assert outcome.reason is ReverseRefusal.ALREADY_REVERSED
    assert snapshot(populated) == before
