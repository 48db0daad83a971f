"""Committed settlements per second through the stateful service, on SQLite and PostgreSQL.

A population of generated persons (residents, 低保/特困, employees in service and retired) is
imported with the enrollment service and its 2024 contributions posted; then visits of random
persons (outpatient, chronic, inpatient; employees paying from their account) are settled with
`settle_committed` — each one a full transaction: identity check, enrollment, accumulator row lock,
engine, settlement and detail rows, balanced postings, running balances, accumulators, commit.
Measured with one connection (one process) and with eight (eight processes), on a SQLite file and
on a throwaway PostgreSQL database (127.0.0.1:5432, or YIBAO_TEST_POSTGRES_URL). Prints committed
settlements per second, p50 and p99 latency, and the ratio against the pure engine
(`settle_document`, no store) on the same requests, measured in the same run.

    uv run --frozen --no-sync python benchmarks/bench_store.py [--one N] [--eight N] [--persons N]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))  # tests.postgres: the throwaway PostgreSQL databases

from yibao.core.idnum import make_resident_id  # noqa: E402
from yibao.services.calculate import settle_document  # noqa: E402
from yibao.services.contribute import post_contributions  # noqa: E402
from yibao.services.enroll import (  # noqa: E402
    import_employers,
    import_enrollments,
    import_institutions,
)
from yibao.services.settle_service import Settled, settle_committed  # noqa: E402
from yibao.store import Store  # noqa: E402
from yibao.store.migrate import upgrade  # noqa: E402

SEED = 20240309
PERSONS = 2_000
ONE = 1_500
EIGHT = 4_000
WORKERS = 8
ENGINE_SAMPLE = 2_000
EMPLOYER = "91511623MA0000001X"
HOSPITALS = ("H51162300001", "H51162300002", "H51162300003")
GROUPS = ("", "", "", "", "", "", "dibao", "tekun")


def _population(folder: Path, persons: int, rng: random.Random) -> list[tuple[str, str]]:
    """Write the registry files; (id number, scheme) of every person."""
    (folder / "employers.csv").write_text(
        f"code,name,region\n{EMPLOYER},示例单位,511623\n", encoding="utf-8")
    (folder / "institutions.csv").write_text(
        "code,name,level,region\n" + "".join(
            f"{code},医院{i},{i % 3 + 1},511623\n" for i, code in enumerate(HOSPITALS)),
        encoding="utf-8")
    rows, people = [], []
    for i in range(persons):
        born = date(1940 + i % 60, 1 + i % 12, 1 + i % 28)
        id_number = make_resident_id("511623", born, (i // 420) * 2 + 1, "M")
        kind = i % 4
        if kind == 0:
            rows.append(f"{id_number},职工{i},310,in_service,511623,2024,,"
                        f"{EMPLOYER},{4000 + rng.randrange(8000)}")
            people.append((id_number, "310"))
        elif kind == 1 and i % 8 == 1:
            rows.append(f"{id_number},退休{i},310,retired,511623,2024,,,")
            people.append((id_number, "310"))
        else:
            rows.append(f"{id_number},居民{i},390,resident,511623,2024,{rng.choice(GROUPS)},,")
            people.append((id_number, "390"))
    header = "id_number,name,scheme,psn_type,region,year,groups,employer_code,wage_base"
    (folder / "people.csv").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return people


def _requests(people: list[tuple[str, str]], count: int, prefix: str,
              rng: random.Random) -> list[dict[str, Any]]:
    docs = []
    for i in range(count):
        psn, scheme = rng.choice(people)
        med_type = rng.choices(("11", "14", "21"), (60, 15, 25))[0]
        base = {"11": 150, "14": 1_500, "21": 12_000}[med_type]
        fees = [{"feedetl_sn": str(n), "hilist_code": f"X{n}", "chrg_itm_lv": level,
                 "cnt": "1", "pric": f"{rng.randrange(base // 3, base)}.{rng.randrange(100):02d}"}
                for n, level in enumerate(("01", "02", "03"), start=1)]
        day = f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}"
        docs.append({
            "person": {"psn_no": psn},
            "visit": {"mdtrt_id": f"{prefix}{i:06d}", "fixmedins_code": rng.choice(HOSPITALS),
                      "med_type": med_type, "begndate": day, "enddate": day},
            "fees": fees, "use_acct": scheme == "310"})
    return docs


def _settle_all(store: Store, docs: list[dict[str, Any]]) -> list[float]:
    latencies = []
    for doc in docs:
        start = time.perf_counter()
        outcome = settle_committed(doc, store=store)
        latencies.append(time.perf_counter() - start)
        assert isinstance(outcome, Settled) and not outcome.replayed, outcome
    return latencies


def _worker(url: str, docs: list[dict[str, Any]], barrier: Any, results: Any) -> None:
    store = Store(url)
    try:
        with store.unit_of_work():  # connect before the clock starts
            pass
        barrier.wait()
        results.put(_settle_all(store, docs))
    except BaseException as err:
        results.put(repr(err))
    finally:
        store.dispose()


def _run(store: Store, docs: list[dict[str, Any]], workers: int) -> tuple[float, list[float]]:
    """(wall seconds, latencies) of settling `docs` on `workers` connections."""
    if workers == 1:
        _settle_all(store, docs[:1])  # warm the pool and the caches
        start = time.perf_counter()
        latencies = _settle_all(store, docs[1:])
        return time.perf_counter() - start, latencies
    store.dispose()
    context = mp.get_context("fork")
    barrier, results = context.Barrier(workers + 1), context.Queue()
    shares = [docs[i::workers] for i in range(workers)]
    processes = [context.Process(target=_worker, args=(store.url, share, barrier, results))
                 for share in shares]
    for process in processes:
        process.start()
    barrier.wait()
    start = time.perf_counter()
    latencies: list[float] = []
    for _ in processes:
        got = results.get(timeout=600)
        if isinstance(got, str):
            raise RuntimeError(f"worker failed: {got}")
        latencies += got
    elapsed = time.perf_counter() - start
    for process in processes:
        process.join()
    return elapsed, latencies


def _percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=1000, method="inclusive")[int(q * 1000) - 1]


def _engine_rate(docs: list[dict[str, Any]], people: dict[str, str]) -> float:
    """Stateless settlements per second of the same requests (the baseline)."""
    plain = []
    for doc in docs:
        scheme = people[doc["person"]["psn_no"]]
        plain.append({**doc, "policy": "511623-2024", "visit": {**doc["visit"], "hosp_lv": "2"},
                      "person": {"psn_no": doc["person"]["psn_no"], "insutype": scheme,
                                 "psn_type": "in_service" if scheme == "310" else "resident"}})
    start = time.perf_counter()
    for doc in plain:
        settle_document(doc)
    return len(plain) / (time.perf_counter() - start)


def _prepare(store: Store, folder: Path) -> None:
    upgrade(store)
    import_employers(folder / "employers.csv", store=store)
    import_institutions(folder / "institutions.csv", store=store)
    report = import_enrollments(folder / "people.csv", store=store)
    assert not report.errors, report.errors[:3]
    post_contributions(2024, store=store)


def _measure(name: str, store: Store, folder: Path, docs: dict[int, list[dict[str, Any]]],
             engine_rate: float) -> dict[str, dict[str, float]]:
    _prepare(store, folder)
    figures = {}
    for workers, batch in docs.items():
        elapsed, latencies = _run(store, batch, workers)
        rate = len(latencies) / elapsed
        figures[f"{name}x{workers}"] = row = {
            "settlements": len(latencies), "seconds": round(elapsed, 2),
            "per_s": round(rate, 1), "p50_ms": round(_percentile(latencies, 0.5) * 1000, 2),
            "p99_ms": round(_percentile(latencies, 0.99) * 1000, 2),
            "vs_engine": round(rate / engine_rate, 3)}
        print(f"{name:<10} {workers:>2} conn {row['settlements']:>6} in {row['seconds']:>6.2f} s"
              f"  {row['per_s']:>8.1f}/s  p50 {row['p50_ms']:>7.2f} ms  "
              f"p99 {row['p99_ms']:>7.2f} ms  ({row['vs_engine']:.3f}× engine)", flush=True)
    store.dispose()
    return figures


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--one", type=int, default=ONE, help="settlements on one connection")
    parser.add_argument("--eight", type=int, default=EIGHT, help="settlements on eight")
    parser.add_argument("--persons", type=int, default=PERSONS)
    args = parser.parse_args(argv if argv is not None else [])
    rng = random.Random(SEED)
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="yibao-bench-") as tmp:
        folder = Path(tmp)
        people = _population(folder, args.persons, rng)
        docs = {1: _requests(people, args.one + 1, "A", rng),
                WORKERS: _requests(people, args.eight, "B", rng)}
        engine_rate = _engine_rate(docs[1][:ENGINE_SAMPLE], dict(people))
        print(f"pure engine (settle_document, no store): {engine_rate:,.0f} settlements/s")
        figures["engine_per_s"] = round(engine_rate, 1)
        figures |= _measure("sqlite", Store(f"sqlite:///{folder / 'bench.db'}"), folder, docs,
                            engine_rate)
        from tests.postgres import admin_url, postgres_store

        try:
            with postgres_store(migrated=False) as store:
                figures |= _measure("postgresql", store, folder, docs, engine_rate)
        except OSError as err:  # psycopg.OperationalError is an OSError subclass? not always
            print(f"PostgreSQL at {admin_url()} unavailable: {err}")
    return figures


if __name__ == "__main__":
    main(sys.argv[1:])
