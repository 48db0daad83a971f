"""DRG point settlement speed: weights, case points and hospital amounts for one million cases.

The cases are generated in memory with a fixed seed (`yibao.payment.synthetic`). Prints cases per
second of each step and of the whole settlement (weights + points + point value + amounts), and
checks that the amounts sum to the budget to the fen.

    uv run --frozen --no-sync python benchmarks/bench_payment.py [--cases N]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from yibao.payment.points import PointRules, case_points  # noqa: E402
from yibao.payment.settlement import settle_cases  # noqa: E402
from yibao.payment.synthetic import generate_cases  # noqa: E402
from yibao.payment.weights import relative_weights  # noqa: E402

SEED = 20240101


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    frame = generate_cases(np.random.default_rng(SEED), args.cases, hospitals=200)
    budget = int(frame["fund_pay_fen"].sum())
    t0 = time.perf_counter()
    weights = relative_weights(frame)
    t1 = time.perf_counter()
    points = case_points(frame, weights, PointRules())
    t2 = time.perf_counter()
    result = settle_cases(points, budget)
    t3 = time.perf_counter()
    assert sum(h.amount_fen for h in result.hospitals) == budget
    n = args.cases
    figures = {"weights_per_s": n / (t1 - t0), "points_per_s": n / (t2 - t1),
               "settle_per_s": n / (t3 - t2), "total_per_s": n / (t3 - t0), "total_s": t3 - t0}
    print(f"DRG point settlement, {n:,} cases, {len(result.hospitals)} hospitals, seed {SEED}")
    print(f"  weights (trimmed RW):   {figures['weights_per_s']:,.0f} cases/s")
    print(f"  case points:            {figures['points_per_s']:,.0f} cases/s")
    print(f"  point value + amounts:  {figures['settle_per_s']:,.0f} cases/s")
    print(f"  whole settlement:       {figures['total_per_s']:,.0f} cases/s ({t3 - t0:.2f} s)")
    print(f"  point value {result.point_value_yuan()} 元/点; amounts sum to the budget to the fen")
    return figures


if __name__ == "__main__":
    main()
