"""Real concurrent connections for the concurrency tests: one forked process per argument, all
released at once by a barrier, each reporting `(key, outcome)` on a queue."""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Callable, Sequence
from typing import Any, Final

from yibao.store import Store

TIMEOUT_S: Final = 120
#: `worker(url, argument, barrier, results)`: waits on the barrier, does its work on its own
#: store at `url` and puts `(key, outcome)` on `results` (an exception's repr, too).
Worker = Callable[[str, Any, Any, Any], None]


def at_once(store: Store, worker: Worker, arguments: Sequence[Any]) -> dict[Any, Any]:
    """Run `worker` in one forked process per argument at once; their outcomes by key."""
    store.dispose()  # no pooled connection may cross the fork
    context = mp.get_context("fork")
    barrier, results = context.Barrier(len(arguments)), context.Queue()
    processes = [context.Process(target=worker, args=(store.url, argument, barrier, results))
                 for argument in arguments]
    for process in processes:
        process.start()
    outcomes = dict(results.get(timeout=TIMEOUT_S) for _ in processes)
    for process in processes:
        process.join(TIMEOUT_S)
        assert process.exitcode == 0
    return outcomes
