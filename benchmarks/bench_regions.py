"""Settlements per second through the national interface with persons and institutions spread
over two coordinating regions, both regions' loads at once — as a ratio against a one-region
baseline run in the same process, on the same server and database.

A throwaway PostgreSQL database gets residents of Linshui (511623) and of Guang'an city
(511600), two hospitals registered in each region, and `yibao serve` on a loopback port (as
`bench_api.py`). Untimed: every visit is registered (2201 / 2401) and its fees uploaded. Timed:
the settlement calls (2207 / 2304) from `--clients` threads —

- baseline: `--visits` visits of Linshui people at Linshui's hospitals (one region);
- two regions: `--visits` visits, half Linshui's load and half the city's, interleaved, of
  which one in five is cross-region care (a city person at a Linshui hospital or the reverse:
  settled offsite, unfiled, owed to the care region in the insured region's ledger).

The figure is two-region settlements/s ÷ baseline settlements/s: near 1.0 means the second
region's load costs nothing beyond the machine's own limits (no cross-region waiting). Each
load is timed in two halves taken in turn (one, two, one, two), so that neither has the warmer
server or the emptier database.

    uv run --frozen --no-sync python benchmarks/bench_regions.py [--visits N] [--clients N]
                                                                  [--workers N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from tests.postgres import postgres_database  # noqa: E402

from bench_api import Client, prepare_visit, serve_for  # noqa: E402
from yibao.core.idnum import make_resident_id  # noqa: E402
from yibao.services.enroll import import_enrollments, import_institutions  # noqa: E402
from yibao.store import Store  # noqa: E402

LINSHUI, CITY = "511623", "511600"
HOSPITALS = {LINSHUI: ("H51162300001", "H51162300003"), CITY: ("H51160000001", "H51160000003")}
Call = tuple[str, str, dict[str, Any], str]


def _people(region: str, n: int) -> list[str]:
    ids = [make_resident_id(region, date(1950 + i % 50, 1 + i % 12, 1 + i % 28),
                            (i // 50 % 499) * 2 + 1, "M") for i in range(n)]
    return list(dict.fromkeys(ids))


def _population(store: Store, folder: Path, persons: int) -> dict[str, list[str]]:
    (folder / "inst.csv").write_text("code,name,level,region\n" + "".join(
        f"{code},机构{n},{n + 2},{region}\n" for region, codes in HOSPITALS.items()
        for n, code in enumerate(codes)), "utf-8")
    people = {region: _people(region, persons) for region in HOSPITALS}
    rows = "".join(f"{i},人员,,390,resident,{region},2024\n"
                   for region, ids in people.items() for i in ids)
    (folder / "people.csv").write_text(
        "id_number,name,household_id,scheme,psn_type,region,year\n" + rows, "utf-8")
    import_institutions(folder / "inst.csv", store=store)
    report = import_enrollments(folder / "people.csv", store=store)
    assert not report.errors, report.errors[:3]
    return people


def _plan(visits: int, people: dict[str, list[str]], start: int, two: bool
          ) -> list[tuple[int, str, str]]:
    """(number, institution, person) of each visit: one region's load, or both interleaved
    with one visit in five across the regions."""
    plan = []
    for k in range(visits):
        n = start + k
        insured = (LINSHUI, CITY)[k % 2] if two else LINSHUI
        care = insured
        if two and k % 5 == 4:
            care = CITY if insured == LINSHUI else LINSHUI
        ids = people[insured]
        plan.append((n, HOSPITALS[care][(k // 2) % 2], ids[(n * 7) % len(ids)]))
    return plan


def _timed(pool: ThreadPoolExecutor, client: Client, calls: list[Call]) -> tuple[float, int]:
    """(seconds, errors) of settling `calls` from the pool's threads."""
    started = time.perf_counter()
    answers = list(pool.map(lambda c: client.call(*c)[0], calls))
    elapsed = time.perf_counter() - started
    return elapsed, sum(1 for a in answers if a["infcode"] != 0)


def _alternating(pool: ThreadPoolExecutor, client: Client, calls: dict[str, list[Call]]
                 ) -> dict[str, tuple[float, int]]:
    """Settlements/s and errors of each load, timed in halves taken in turn (one, two, one,
    two), so that neither load has the warmer server or the emptier database."""
    spent = {name: 0.0 for name in calls}
    errors = dict.fromkeys(calls, 0)
    for half in (0, 1):
        for name, load in calls.items():
            middle = len(load) // 2
            seconds, failed = _timed(pool, client, load[:middle] if half == 0 else load[middle:])
            spent[name] += seconds
            errors[name] += failed
    return {name: (len(calls[name]) / spent[name], errors[name]) for name in calls}


def _run(url_db: str, args: argparse.Namespace) -> dict[str, Any]:
    store = Store(url_db)
    with tempfile.TemporaryDirectory() as folder:
        people = _population(store, Path(folder), args.visits)
    codes = [code for region in HOSPITALS.values() for code in region]
    server, client = serve_for(store, url_db, codes, args.workers)
    try:
        with ThreadPoolExecutor(args.clients) as pool:
            plans = {"one": _plan(args.visits, people, 0, False),
                     "two": _plan(args.visits, people, args.visits, True)}
            calls = {name: list(pool.map(
                lambda v: prepare_visit(client, v[0], v[1], v[2], False, "R"), plan))
                     for name, plan in plans.items()}
            rates = _alternating(pool, client, calls)
    finally:
        server.terminate()
        server.wait(20)
    (one, one_errors), (two, two_errors) = rates["one"], rates["two"]
    with store.engine.connect() as connection:
        offsite, outside = connection.exec_driver_sql(
            "SELECT count(*) FILTER (WHERE care_region <> region), "
            "(SELECT count(*) FROM fund_postings p JOIN settlements s ON s.txn_id = p.txn_id "
            " WHERE split_part(p.account_key, ':', 1) <> s.region) FROM settlements").one()
    store.dispose()
    ratio = two / one
    print(f"settlement calls (2207/2304) over loopback HTTP on PostgreSQL, {args.visits} visits "
          f"per run, {args.clients} client threads, {args.workers} server workers")
    print(f"  baseline, one region (511623): {one:.0f} settlements/s, errors {one_errors}")
    print(f"  two regions at once (511623 + 511600, 1 in 5 across): {two:.0f} settlements/s, "
          f"errors {two_errors}")
    print(f"  ratio two regions / one region: {ratio:.2f}; offsite settlements {offsite}, "
          f"postings outside the insured region's ledger {outside}")
    return {"one_region_per_s": round(one), "two_regions_per_s": round(two),
            "ratio": round(ratio, 2), "errors": one_errors + two_errors,
            "offsite_settlements": offsite, "postings_outside_insured_ledger": outside}


def main() -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=1_500)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args([] if __name__ != "__main__" else None)
    with postgres_database() as url_db:
        return _run(url_db, args)


if __name__ == "__main__":
    main()
