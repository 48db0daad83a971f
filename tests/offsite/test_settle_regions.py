"""Several regions in one store: a settlement writes only rows of its insured region's ledger,
so one region's online work never waits on another's.

PostgreSQL (row locks): a Linshui (511623) settlement is held open after writing everything —
the person's accumulators, Linshui's fund balances and payables locked until it commits. Meanwhile
a Guang'an city (511600) person settles at the city's hospital, and another city person settles
at Linshui's hospital (care in region A, owed to 511623 in the city's ledger): both commit
without waiting, while a second Linshui settlement of the held person does wait.

SQLite has one writer per database file (`BEGIN IMMEDIATE`): every writer queues on the file, not
on a region's rows. There, the two regions' loads run at once from threads and all commit, each
settlement posting only in its insured region's ledger.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from tests.offsite.settle_world import (
    CITY_A,
    CITY_B,
    CITY_HOSPITAL,
    CITY_REGION,
    LINSHUI,
    populate_regions,
    postings_of,
    stay,
    stored_row,
)
from tests.services.population import HOSPITAL, WORKER
from tests.store.fixtures import StoreFactory
from yibao.services.national import Answer
from yibao.services.settle_service import Refused, Settled, settle_committed
from yibao.store import Store

WAIT_S = 30


def _in_thread(work: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    out: list[Any] = []

    def run() -> None:
        try:
            out.append(work())
        except BaseException as err:  # report to the test thread
            out.append(err)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, out


def _settle(url: str, doc: dict[str, Any], **kwargs: Any) -> Settled | Refused:
    store = Store(url)
    try:
        return settle_committed(doc, store=store, **kwargs)
    finally:
        store.dispose()


def _city_person_in_linshui_is_owed_to_linshui(store: Store, done: Settled) -> None:
    row = stored_row(store, done.setl_id)
    assert (row["region"], row["care_region"], row["offsite"]) == (CITY_REGION, LINSHUI,
                                                                   "unfiled")
    assert all(account.startswith(f"{CITY_REGION}:")
               for account, _, _ in postings_of(store, done.setl_id))
    assert (f"{CITY_REGION}:offsite_payable:{LINSHUI}", "C",
            int(done.settlement.hifp_pay * 100)) in postings_of(store, done.setl_id)


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_a_region_settles_while_another_holds_its_locks(make_store: StoreFactory) -> None:
    store = make_store(populate_regions, "regions")
    url = store.url
    held, release = threading.Event(), threading.Event()

    def hold(settled: Settled) -> Answer:
        held.set()  # every row of the Linshui settlement is written and locked
        assert release.wait(WAIT_S)
        return Answer(HOSPITAL, "HOLD", "2304", "-", "{}", datetime.now(UTC), None)

    holder, held_out = _in_thread(lambda: _settle(url, stay("A1", hospital=HOSPITAL),
                                                  answer=hold))
    assert held.wait(WAIT_S)
    try:
        # Region A's own queue is real: the same person waits for the held transaction.
        same, same_out = _in_thread(lambda: _settle(url, stay("A2", hospital=HOSPITAL)))
        # Region B: a city person at the city's hospital, a city person treated in Linshui.
        local_b, local_out = _in_thread(
            lambda: _settle(url, stay("B1", psn_no=CITY_A, hospital=CITY_HOSPITAL)))
        away_b, away_out = _in_thread(
            lambda: _settle(url, stay("B2", psn_no=CITY_B, hospital=HOSPITAL)))
        local_b.join(WAIT_S)
        away_b.join(WAIT_S)
        assert not local_b.is_alive() and not away_b.is_alive(), "region B waited on region A"
        assert holder.is_alive(), "region A's transaction was still open"
        assert same.is_alive(), "the held person's second settlement waits"
    finally:
        release.set()
    for thread in (holder, same):
        thread.join(WAIT_S)
    for out in (held_out, same_out, local_out, away_out):
        assert isinstance(out[0], Settled), out
    assert stored_row(store, local_out[0].setl_id)["care_region"] == CITY_REGION
    _city_person_in_linshui_is_owed_to_linshui(store, away_out[0])


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_two_regions_loads_at_once_on_sqlite(make_store: StoreFactory) -> None:
    store = make_store(populate_regions, "regions")
    url = store.url
    store.dispose()
    barrier = threading.Barrier(4)
    loads = {
        "A-resident": [stay(f"SA{i}", hospital=HOSPITAL) for i in range(4)],
        "A-worker": [stay(f"SW{i}", psn_no=WORKER, hospital=HOSPITAL) for i in range(4)],
        "B-local": [stay(f"SB{i}", psn_no=CITY_A, hospital=CITY_HOSPITAL) for i in range(4)],
        "B-in-A": [stay(f"SC{i}", psn_no=CITY_B, hospital=HOSPITAL) for i in range(4)],
    }

    def run(docs: list[dict[str, Any]]) -> list[Settled | Refused]:
        barrier.wait(WAIT_S)
        return [_settle(url, doc) for doc in docs]

    threads = {name: _in_thread(lambda docs=docs: run(docs)) for name, docs in loads.items()}
    for thread, _ in threads.values():
        thread.join(4 * WAIT_S)
    results = {name: out[0] for name, (_, out) in threads.items()}
    for name, outcomes in results.items():
        assert all(isinstance(o, Settled) for o in outcomes), (name, outcomes)
    for done in results["B-in-A"]:
        _city_person_in_linshui_is_owed_to_linshui(store, done)
    for done in results["A-resident"]:
        assert stored_row(store, done.setl_id)["region"] == LINSHUI
    for done in results["B-local"]:
        assert stored_row(store, done.setl_id)["care_region"] == CITY_REGION
        assert done.settlement.hifp_pay > Decimal(0)
