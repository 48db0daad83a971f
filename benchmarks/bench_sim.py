"""Simulation wall time and peak memory at scale 0.1 and 1.0 (linshui-2020), each run in a child
process so its peak resident memory is its own, followed by the calibration check."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = """
import sys, time, json
from pathlib import Path
from yibao.services.sim import run_sim, calibration_check
out = Path(sys.argv[2]); t = time.perf_counter()
run_sim("linshui-2020", float(sys.argv[1]), 1, out)
sim = time.perf_counter() - t; t = time.perf_counter()
found, rows = calibration_check(out)
print(json.dumps({"sim_s": sim, "check_s": time.perf_counter() - t, "rows": rows}))
"""


def run(scale: float) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", CHILD, str(scale), str(Path(tmp) / "sim")],
                              capture_output=True, text=True, check=True)
        wall = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"scale {scale}: simulate+write {result['sim_s']:.1f} s, settle+check "
          f"{result['check_s']:.1f} s, wall {wall:.1f} s, peak ≤ {peak_mb:,.0f} MB")
    for row in result["rows"]:
        print(f"  {row['indicator']:28s} target {row['target']:>16,.3f} "
              f"simulated {row['simulated']:>16,.3f} error {row['error']:+.3f}")
    return {"scale": scale, "wall_s": wall, "peak_mb": peak_mb, **result}


def main() -> list[dict[str, object]]:
    print("== simulation (linshui-2020) ==")
    return [run(0.1), run(1.0)]


if __name__ == "__main__":
    main()
