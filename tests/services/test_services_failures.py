"""A failure injected between any two writes of a use case — settlement, reversal, contribution
posting, enrollment import — leaves no trace in the store, and the same command then succeeds."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.services.population import WORKER, populate, visit, write_files
from tests.services.snapshot import snapshot
from tests.store.fixtures import StoreFactory
from yibao.services.contribute import post_contributions
from yibao.services.enroll import import_employers, import_enrollments
from yibao.services.settle_service import Settled, reverse_settlement, settle_committed
from yibao.store import Store

SETTLE_STEPS = ["settlement", "details", "accounts", "transaction", "postings", "balances",
                "commit"]
#: On PostgreSQL a settlement writes its fund accounts, then everything else in one statement
#: (`SettlementRepository.add_all`), so the points between writes are these two.
SETTLE_STEPS_ONE_STATEMENT = ["accounts", "commit"]
REVERSE_STEPS = ["reversal", "transaction", "postings", "balances", "commit"]
CONTRIBUTE_STEPS = ["accounts", "transactions", "contributions", "postings", "commit"]
IMPORT_STEPS = ["persons", "transfers", "commit"]


class Injected(RuntimeError):
    """The failure a test injects at one step."""


def failing_at(name: str) -> Callable[[str], None]:
    def hook(step: str) -> None:
        if step == name:
            raise Injected(step)
    return hook


def recording(steps: list[str]) -> Callable[[str], None]:
    return steps.append


def _no_trace_then_success(store: Store, steps: list[str],
                           run: Callable[[Callable[[str], None] | None], object]) -> None:
    before = snapshot(store)
    for step in steps:
        with pytest.raises(Injected):
            run(failing_at(step))
        assert snapshot(store) == before, f"a failure at {step!r} left a trace"
    seen: list[str] = []
    run(recording(seen))
    assert seen == steps, "the use case writes in the documented steps"
    assert snapshot(store) != before


def test_settlement(populated: Store) -> None:
    doc = visit(WORKER, "F1", use_acct=True)
    steps = SETTLE_STEPS_ONE_STATEMENT if populated.dialect == "postgresql" else SETTLE_STEPS
    _no_trace_then_success(populated, steps,
                           lambda hook: settle_committed(doc, store=populated, on_step=hook))


def test_reversal(populated: Store) -> None:
    outcome = settle_committed(visit(WORKER, "F2", use_acct=True), store=populated)
    assert isinstance(outcome, Settled)
    _no_trace_then_success(
        populated, REVERSE_STEPS,
        lambda hook: reverse_settlement(outcome.setl_id, store=populated, on_step=hook))


def test_contributions(make_store: StoreFactory, tmp_path: Path) -> None:
    store = make_store()
    populate(store, tmp_path / "people", contributions=False)
    _no_trace_then_success(store, CONTRIBUTE_STEPS,
                           lambda hook: post_contributions(2024, store=store, on_step=hook))


def test_enrollment_import(store: Store, tmp_path: Path) -> None:
    paths = write_files(tmp_path / "people")
    import_employers(paths["employers"], store=store)
    _no_trace_then_success(
        store, IMPORT_STEPS,
        lambda hook: import_enrollments(paths["people"], store=store, on_step=hook))
