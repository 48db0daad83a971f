"""Settlement throughput: scalar engine, batch engine on one million requests, and JSON Lines.

Prints requests/s for the scalar engine (validated requests in memory), the batch engine on
1,000,000 generated requests of about five fee lines each already laid out in its columnar form
(the engine alone), their ratio, and the end-to-end JSON Lines rate of `yibao settle --batch`
(parse, validate, settle, write). The ratio is the figure to compare across machines.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from yibao.policy.loader import load_policy
from yibao.settle.batch import settle_columns
from yibao.settle.columns import FeeColumns, RequestColumns, build_columns
from yibao.settle.engine import settle
from yibao.settle.jsonio import dumps
from yibao.settle.request import parse_request

BATCH_REQUESTS = 1_000_000
SCALAR_REQUESTS = 20_000
JSONL_REQUESTS = 50_000
LINES_PER_REQUEST = 5
PERSONS_SHARE = 5  # about five requests per person and year
REPEATS = 3


def generated_columns(n: int, seed: int = 7) -> RequestColumns:
    """n requests in the batch engine's layout, with both schemes, all benefits and groups."""
    rng = np.random.default_rng(seed)
    lines = n * LINES_PER_REQUEST
    employee = rng.random(n) < 0.15
    fees = FeeColumns(
        request=np.repeat(np.arange(n, dtype=np.int64), LINES_PER_REQUEST),
        item=rng.choice(3, lines, p=[0.6, 0.3, 0.1]).astype(np.int64),
        cnt_e4=rng.integers(1, 30, lines, dtype=np.int64) * 10_000,
        pric_e6=rng.lognormal(5.5, 1.6, lines).astype(np.int64) * 10_000,
        selfpay_prop_e4=np.where(rng.random(lines) < 0.3, 2_000, -1).astype(np.int64),
        pric_uplmt_e6=np.where(rng.random(lines) < 0.1, 500_000_000, -1).astype(np.int64),
    )
    groups = np.where(rng.random(n) < 0.08, 1 << rng.integers(0, 7, n), 0).astype(np.int64)
    return RequestColumns(
        policies=(load_policy("511623-2024"),), policy=np.zeros(n, dtype=np.int64),
        person_key=rng.integers(0, max(1, n // PERSONS_SHARE), n, dtype=np.int64),
        year=np.full(n, 2024, dtype=np.int64), employee=employee,
        retired=employee & (rng.random(n) < 0.3), civil_servant=employee & (rng.random(n) < 0.1),
        groups=groups, med=rng.choice(3, n, p=[0.6, 0.15, 0.25]).astype(np.int64),
        lv=rng.choice(3, n, p=[0.4, 0.4, 0.2]).astype(np.int64),
        offsite=rng.choice(5, n, p=[0.85, 0.05, 0.04, 0.03, 0.03]).astype(np.int64),
        acct_balc=rng.integers(0, 500_000, n, dtype=np.int64), use_acct=rng.random(n) < 0.5,
        ytd=np.zeros((n, 10), dtype=np.int64), fees=fees)


def request_documents(n: int, seed: int = 11) -> list[dict[str, object]]:
    """n request documents as a hospital system would send them."""
    rng = np.random.default_rng(seed)
    docs = []
    for i in range(n):
        employee = bool(rng.random() < 0.15)
        fees = [{"feedetl_sn": str(k), "hilist_code": f"X{k}",
                 "chrg_itm_lv": ("01", "02", "03")[int(rng.choice(3, p=[0.6, 0.3, 0.1]))],
                 "cnt": str(int(rng.integers(1, 30))),
                 "pric": f"{int(rng.lognormal(5.5, 1.6)) / 100:.2f}"}
                for k in range(LINES_PER_REQUEST)]
        docs.append({
            "policy": "511623-2024",
            "person": {"psn_no": f"P{int(rng.integers(0, max(1, n // PERSONS_SHARE)))}",
                       "insutype": "310" if employee else "390",
                       "psn_type": "in_service" if employee else "resident",
                       "groups": ["dibao"] if rng.random() < 0.05 else []},
            "visit": {"mdtrt_id": f"M{i}", "med_type": ("11", "14", "21")[int(rng.integers(3))],
                      "hosp_lv": "123"[int(rng.integers(3))], "enddate": "2024-06-30"},
            "fees": fees, "acct_balc": "800.00", "use_acct": employee})
    return docs


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:>12,.0f} requests/s  ({count:,} in {seconds:.2f} s)"


def bench_scalar() -> float:
    docs = request_documents(SCALAR_REQUESTS)
    requests = [parse_request(doc) for doc in docs]
    policy = load_policy("511623-2024")
    seconds = float("inf")
    for _ in range(REPEATS):
        start = time.perf_counter()
        for req in requests:
            settle(req, policy)
        seconds = min(seconds, time.perf_counter() - start)
    print(f"scalar engine (validated requests) {rate(len(requests), seconds)}")
    return len(requests) / seconds


def bench_batch(workers: int) -> float:
    cols = generated_columns(BATCH_REQUESTS)
    settle_columns(generated_columns(10_000))  # warm-up
    best = float("inf")
    for _ in range(REPEATS):  # the best of a few runs: the machine is shared
        start = time.perf_counter()
        settle_columns(cols, workers=workers)
        best = min(best, time.perf_counter() - start)
    print(f"batch engine, {workers} thread(s)         {rate(cols.size, best)}")
    return cols.size / best


def bench_jsonl() -> float:
    from yibao.services.batch_settle import settle_file

    docs = request_documents(JSONL_REQUESTS)
    with tempfile.TemporaryDirectory() as tmp:
        source, out = Path(tmp) / "in.jsonl", Path(tmp) / "out.jsonl"
        source.write_text("\n".join(dumps(d, indent=None) for d in docs), encoding="utf-8")
        start = time.perf_counter()
        summary = settle_file(source, out)
        seconds = time.perf_counter() - start
        assert summary.settled == JSONL_REQUESTS, summary
    print(f"JSON Lines end to end              {rate(JSONL_REQUESTS, seconds)}")
    return JSONL_REQUESTS / seconds


def bench_layout() -> None:
    """How long laying validated requests out as columns takes (part of the JSON Lines path)."""
    requests = [parse_request(d) for d in request_documents(20_000)]
    policy = load_policy("511623-2024")
    start = time.perf_counter()
    build_columns(requests, [policy] * len(requests))
    print(f"columns from requests              {rate(len(requests), time.perf_counter() - start)}")


def main() -> dict[str, float]:
    print("== settlement ==")
    scalar = bench_scalar()
    single = bench_batch(1)
    workers = os.cpu_count() or 1
    batch = bench_batch(workers)
    print(f"batch / scalar ratio, 1 thread     {single / scalar:>12,.1f}×")
    print(f"batch / scalar ratio, {workers} threads    {batch / scalar:>12,.1f}×  (goal ≥ 50×;"
          " goal ≥ 500,000 requests/s)")
    bench_layout()
    jsonl = bench_jsonl()
    return {"scalar_rps": scalar, "batch_rps_1_thread": single, "batch_rps": batch,
            "ratio": batch / scalar,
            "jsonl_rps": jsonl}


if __name__ == "__main__":
    print(json.dumps(main()))
