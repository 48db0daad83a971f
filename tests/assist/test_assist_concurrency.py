"""Two handlers approving one application at the same moment, from separate processes with
their own connections, on SQLite and PostgreSQL: one grant, posted once; the other decision
is refused as already decided."""

from __future__ import annotations

from datetime import date
from typing import Any

from tests.assist.helpers import settle_on
from tests.forked import TIMEOUT_S, at_once
from tests.services.population import DIBAO, RESIDENT
from tests.store.fixtures import StoreFactory
from yibao.services import assist
from yibao.services.assist import AssistRefused
from yibao.services.fund import fund_balances
from yibao.services.settle_service import accumulators_of
from yibao.store import Store

from .conftest import populate_assist

DECIDED = date(2025, 12, 1)


def _worker(url: str, argument: tuple[str, int], barrier: Any, results: Any) -> None:
    name, app_id = argument
    store = Store(url)
    try:
        barrier.wait(TIMEOUT_S)
        done = assist.decide(app_id, True, actor=name, today=DECIDED, store=store)
        results.put((name, done.reason if isinstance(done, AssistRefused)
                     else ("decided", done.state.value, str(done.grant))))
    except BaseException as err:  # report, so the parent fails with the reason
        results.put((name, ("exception", repr(err))))
    finally:
        store.dispose()


def test_two_concurrent_approvals_pay_once(make_store: StoreFactory) -> None:
    store = make_store(populate_assist, "population-assist")
    settle_on(store, RESIDENT, "A1", "30000.00", date(2025, 5, 10))
    settle_on(store, RESIDENT, "A2", "12000.00", date(2025, 6, 10))
    settle_on(store, DIBAO, "B1", "5000.00", date(2025, 7, 1))
    made = assist.apply(RESIDENT, "15000", date(2025, 11, 30), actor="t",
                        today=date(2025, 11, 30), store=store)
    assert not isinstance(made, AssistRefused)
    outcomes = at_once(store, _worker, [("h1", made.app_id), ("h2", made.app_id),
                                        ("h3", made.app_id)])
    decided = [o for o in outcomes.values() if o[0] == "decided"]
    assert decided == [("decided", "granted", "974.38")], outcomes
    assert sorted(o for o in outcomes.values() if o[0] != "decided") == \
        ["already_decided", "already_decided"], outcomes
    owed = {b.holder: b.credit_fen for b in fund_balances("511623", detail=True, store=store)
            if b.code.value == "assistance_payable"}
    assert owed == {RESIDENT: 97438}
    found = accumulators_of(RESIDENT, "390", 2025, store=store)
    assert found is not None and found[1] == 3 and str(found[0].maf_paid) == "974.38"
    page = assist.applications(store=store)
    assert not isinstance(page, AssistRefused) and page.total == 1
