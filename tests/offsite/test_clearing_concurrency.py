"""Two `clear` of the same month at once, from separate processes with their own connections,
on SQLite and PostgreSQL: one posts the month, the other finds it done; the ledger holds the
month once."""

from __future__ import annotations

import multiprocessing as mp
from typing import Any

from tests.offsite.clearing_fixtures import beijing, offsite_settlement, register
from tests.offsite.test_clearing import NOW
from tests.store.fixtures import StoreFactory
from yibao.services.clearing import Cleared, clear_month
from yibao.services.fund import fund_balances
from yibao.store import Store

TIMEOUT_S = 120
CLEARERS = 4


def _worker(url: str, barrier: Any, results: Any) -> None:
    store = Store(url)
    try:
        barrier.wait(TIMEOUT_S)
        result = clear_month("2025-03", store=store, now=NOW)
        assert isinstance(result, Cleared), result
        results.put((len(result.posted), result.to_json()))
    except BaseException as err:  # report, so the parent fails with the reason
        results.put((-1, repr(err)))
    finally:
        store.dispose()


def test_concurrent_clears_post_the_month_once(make_store: StoreFactory) -> None:
    store = make_store()
    people = {f"5116231960010100{i:02d}": "511623" for i in range(6)}
    register(store, people, {"H51160200001": "511602", "H51162100001": "511621"})
    for n, pid in enumerate(people):
        care, code = (("511602", "H51160200001") if n % 2 else ("511621", "H51162100001"))
        offsite_settlement(store, f"C{n}", pid, "511623", care, code, beijing(2025, 3, 1 + n),
                           f"{100 * (n + 1)}.00", "10.00")
    store.dispose()  # no pooled connection may cross the fork
    context = mp.get_context("fork")
    barrier, results = context.Barrier(CLEARERS), context.Queue()
    processes = [context.Process(target=_worker, args=(store.url, barrier, results))
                 for _ in range(CLEARERS)]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=TIMEOUT_S) for _ in processes]
    for process in processes:
        process.join(TIMEOUT_S)
        assert process.exitcode == 0
    assert sorted(posted for posted, _ in outcomes) == [0] * (CLEARERS - 1) + [2], outcomes
    assert all(doc == outcomes[0][1] for _, doc in outcomes)
    # 511602: C1 210.00 + C3 410.00 + C5 610.00 = 1 230.00, prepayment 2 460.00 → due 3 690.00;
    # 511621: C0 110.00 + C2 310.00 + C4 510.00 = 930.00, prepayment 1 860.00 → due 2 790.00.
    assert outcomes[0][1]["net"] == {"511602": "3690.00", "511621": "2790.00",
                                     "511623": "-6480.00"}
    held = {(b.region, b.holder): b.balance_fen for b in fund_balances(detail=True, store=store)
            if b.code.value == "offsite_prepaid"}
    assert held == {("511623", "511602"): 246000, ("511623", "511621"): 186000}
