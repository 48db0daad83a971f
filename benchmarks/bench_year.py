"""The main job end to end: simulate a Linshui year and run the year job, at scale 0.1 and 1.0.

Each step runs as its own process (`yibao sim`, then `yibao year`), so that its wall time and
peak memory (max RSS) are its own. Goal: the full year (scale 1.0) simulated, settled and
reported in under 15 minutes, under 8 GB. `BENCH_YEAR_SCALES=0.1` runs only the small scale.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

YIBAO = [sys.executable, "-m", "yibao"]


def run(args: list[str]) -> tuple[float, float]:
    """(seconds, peak RSS in GB) of one child process."""
    start = time.perf_counter()
    process = subprocess.Popen([*YIBAO, *args], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if status != 0:
        raise RuntimeError(f"yibao {' '.join(args)} failed with status {status}")
    return seconds, usage.ru_maxrss / 1024 / 1024


def bench_scale(scale: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        data, report = Path(tmp) / "sim", Path(tmp) / "report"
        sim_s, sim_gb = run(["sim", "--profile", "linshui-2020", "--scale", scale,
                             "--seed", "1", "--out", str(data)])
        year_s, year_gb = run(["year", "--data", str(data), "--report", str(report)])
    total = sim_s + year_s
    print(f"scale {scale:>4}: simulate {sim_s:6.1f} s ({sim_gb:4.1f} GB peak), "
          f"year job {year_s:6.1f} s ({year_gb:4.1f} GB peak), total {total:6.1f} s "
          "(goal at 1.0: < 900 s, < 8 GB)")
    return {"simulate_s": sim_s, "simulate_peak_gb": sim_gb, "year_s": year_s,
            "year_peak_gb": year_gb, "total_s": total}


def main() -> dict[str, dict[str, float]]:
    print("== main job (simulate + year) ==")
    scales = os.environ.get("BENCH_YEAR_SCALES", "0.1,1.0").split(",")
    return {scale: bench_scale(scale) for scale in scales}


if __name__ == "__main__":
    main()
