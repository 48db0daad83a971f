"""Sixteen settlements of one person sent at once from separate processes end with the same
accumulators, ledger and results as the same requests replayed one after another, in the commit
order the store recorded — on SQLite and on PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from tests.forked import TIMEOUT_S, at_once
from tests.services.population import DIBAO, WORKER, populate, visit
from tests.store.fixtures import StoreFactory
from yibao.services.fund import fund_balances
from yibao.services.settle_service import (
    Settled,
    accumulators_of,
    committed_requests,
    settle_committed,
)
from yibao.store import Store

N = 16


def _docs(psn_no: str) -> list[dict[str, Any]]:
    # Growing amounts, so the annual caps, tiers and the account balance bind part way through:
    # the outcome of each visit depends on the ones committed before it.
    return [visit(psn_no, f"C{i:02d}", amount=f"{25000 + 1500 * i}.00", use_acct=True)
            for i in range(N)]


def _worker(url: str, doc: dict[str, Any], barrier: Any, results: Any) -> None:
    store = Store(url)
    try:
        barrier.wait(TIMEOUT_S)
        outcome = settle_committed(doc, store=store)
        results.put((doc["visit"]["mdtrt_id"], outcome.to_json()))
    except BaseException as err:  # report, so the parent fails with the reason
        results.put((doc["visit"]["mdtrt_id"], {"exception": repr(err)}))
    finally:
        store.dispose()


def _settle_at_once(store: Store, docs: list[dict[str, Any]]) -> dict[str, Any]:
    return at_once(store, _worker, docs)


def _ledger(store: Store) -> dict[tuple[str, str, str], tuple[int, int]]:
    return {(b.region, b.code.value, b.holder): (b.debit_fen, b.credit_fen)
            for b in fund_balances(detail=True, store=store)}


@pytest.mark.parametrize(("psn_no", "scheme"), [(DIBAO, "390"), (WORKER, "310")],
                         ids=["resident", "employee"])
def test_concurrent_settlements_equal_the_replay_in_commit_order(
    make_store: StoreFactory, psn_no: str, scheme: str
) -> None:
    store = make_store(populate, "population")
    outcomes = _settle_at_once(store, _docs(psn_no))
    assert all("commit" in o and o["commit"]["status"] == "settled" for o in outcomes.values()), \
        outcomes
    order = committed_requests(psn_no, store=store)
    assert len(order) == N
    assert [seq for seq, _, _ in order] == sorted(seq for seq, _, _ in order)

    replay = make_store(populate, "population")
    for _, setl_id, doc in order:
        outcome = settle_committed(doc, store=replay)
        assert isinstance(outcome, Settled) and not outcome.replayed
        assert outcome.setl_id == setl_id
        mdtrt_id = doc["visit"]["mdtrt_id"]
        assert outcome.result == {k: v for k, v in outcomes[mdtrt_id].items() if k != "commit"}

    concurrent_ytd = accumulators_of(psn_no, scheme, 2024, store=store)
    assert concurrent_ytd == accumulators_of(psn_no, scheme, 2024, store=replay)
    assert concurrent_ytd is not None and concurrent_ytd[1] == N
    assert _ledger(store) == _ledger(replay)


def test_the_caps_did_bind(make_store: StoreFactory) -> None:
    """The scenario above is order-sensitive: the resident reaches the pooling cap."""
    store = make_store(populate, "population")
    for doc in _docs(DIBAO):
        assert isinstance(settle_committed(doc, store=store), Settled)
    ytd = accumulators_of(DIBAO, "390", 2024, store=store)
    assert ytd is not None and str(ytd[0].hifp_paid) == "220000.00"
