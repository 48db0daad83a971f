"""Audit throughput: batch analysis with every rule (cross-visit windows included) on DuckDB
over Parquet, in fee lines per second (the plan's statements run side by side, one DuckDB
thread each, as the audit service runs them); and per-visit check latency (p50/p99) for a
50-line visit with every per-visit rule (事前/事中), the person's recent history in memory."""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from yibao.analytics.duck import Connection, connect, create, execute, threads_default
from yibao.services.audit import contexts, load_claims
from yibao.services.sim import run_sim
from yibao.sim.abuse import default_rates
from yibao.supervise.batch import KEYED, plan
from yibao.supervise.check import check_visit, compile_checks
from yibao.supervise.load import load_rules


def load(data: Path, threads: int) -> tuple[Connection, int]:
    """The rule relations written as Parquet, then read once into keyed DuckDB tables."""
    claims = load_claims(data)
    pq = data / "rules"
    pq.mkdir(exist_ok=True)
    for name in ("visits", "lines", "items"):
        getattr(claims, name).write_parquet(pq / f"{name}.parquet")
    con = connect(threads)
    for name in ("visits", "lines", "items"):
        con.execute(f"CREATE VIEW {name}_src AS SELECT * FROM read_parquet('{pq / name}.parquet')")
    return con, claims.lines.height


def batch(base, data: Path, threads: int) -> tuple[int, float, float, float]:
    """Fee lines, seconds to read the Parquet into tables, seconds of the rules (best of 3) and
    the process CPU seconds of that run (less sensitive to other jobs on a shared machine)."""
    con, n = load(data, threads)
    start = time.perf_counter()
    create(con, {}, KEYED)
    loaded = time.perf_counter() - start
    best, cpu = float("inf"), 0.0
    for _ in range(3):
        start, cpu_start = time.perf_counter(), time.process_time()
        execute(plan(base), con)
        if time.perf_counter() - start < best:
            best, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    return n, loaded, best, cpu


def latency(base, data: Path, samples: int = 2_000) -> tuple[float, float]:
    compiled = compile_checks(base, "事中")
    ctxs = [c for c in contexts(load_claims(data)) if c.history][:samples]
    timings = []
    for ctx in ctxs:
        lines = tuple(replace(ctx.lines[i % len(ctx.lines)], feedetl_sn=i + 1)
                      for i in range(50)) if ctx.lines else ctx.lines
        ctx = replace(ctx, lines=lines)
        start = time.perf_counter()
        check_visit(compiled, ctx)
        timings.append((time.perf_counter() - start) * 1e3)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.99)]


def main() -> None:
    scale = float(sys.argv[1]) if len(sys.argv) > 1 else 0.1
    base = load_rules()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "year"
        run_sim("linshui-2020", scale, 1, data, default_rates())
        threads = threads_default()
        n, loaded, secs, cpu = batch(base, data, threads)
        print(f"batch: {len(base.rules)} rules, {n:,} fee lines in {secs:.3f} s "
              f"= {n / secs:,.0f} lines/s (DuckDB, {threads} threads: {threads} statements "
              f"at once, scale {scale}; CPU {cpu:.3f} s); "
              f"with reading the Parquet into tables ({loaded:.3f} s): "
              f"{n / (secs + loaded):,.0f} lines/s")
        p50, p99 = latency(base, data)
        print(f"per-visit (事中 rules, 50 lines, history in memory): p50 {p50:.3f} ms, "
              f"p99 {p99:.3f} ms")


if __name__ == "__main__":
    main()
