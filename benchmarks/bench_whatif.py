"""Policy what-if on a county year: `policy whatif` (seconds; goal under 60 s at scale 1.0) and
`policy solve` (re-settlements and seconds), each against one settlement of the same year by the
batch engine measured in the same process (the baseline).

The year is simulated first in a child process (`yibao sim`, not timed here), at
`BENCH_WHATIF_SCALE` (default 1.0), or read from `BENCH_WHATIF_DATA` (a folder written by
`yibao sim`). The what-if raises the residents' level-2 inpatient ratio by five points; the solve
looks for the level-2 ratio that brings the resident pool's current ratio halfway from the base
policy's to the what-if's. Both include the DRG payment step (grouping every stay once, the
point settlement and year-end clearing on every side and re-settlement).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from yibao.fund.analysis import ratio_text
from yibao.policy.keys import key_value, parse_key, with_value
from yibao.services.whatif import read_sim_year, settle_under, solve, whatif

KEY = "resident.inpatient.ratio.2"
FUND = "resident_pool"


def simulate(scale: str, out: Path) -> None:
    subprocess.run([sys.executable, "-m", "yibao", "sim", "--profile", "linshui-2020", "--scale",
                    scale, "--seed", "1", "--out", str(out)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def baseline(data: Path) -> tuple[int, float, float, Path]:
    """(visits, seconds to read the year, seconds to settle it once, the base policy file); the
    year is freed on return, before the what-if reads it again."""
    start = time.perf_counter()
    year = read_sim_year(data)
    read_s = time.perf_counter() - start
    start = time.perf_counter()
    settle_under(year, year.base_policy)
    return year.cols.size, read_s, time.perf_counter() - start, Path(year.base_policy.source)


def bench(data: Path, work: Path) -> dict[str, object]:
    visits, read_s, settle_s, base_file = baseline(data)
    text = base_file.read_text(encoding="utf-8")
    key = parse_key(KEY)
    new_file = work / "new.toml"
    new_file.write_text(with_value(text, key, key_value(text, key) + Decimal("0.05")), "utf-8")
    start = time.perf_counter()
    result = whatif(data, new_file)
    whatif_s = time.perf_counter() - start
    before = result.base.funds[FUND].current_ratio
    after = result.new.funds[FUND].current_ratio
    assert before is not None and after is not None
    # Halfway to the what-if's ratio: within the key's reach whatever the year (under the fixed
    # regional DRG budget a ratio key moves the pooling fund less than its settlements).
    target = (Decimal(ratio_text(before) or "0") + Decimal(ratio_text(after) or "0")) / 2
    target = target.quantize(Decimal("0.0001"))
    start = time.perf_counter()
    solved = solve(data, base_file, KEY, FUND, target, work / "solved.toml")
    solve_s = time.perf_counter() - start
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    print(f"year: {visits:,} visits; read and laid out once {read_s:.1f} s; one settlement of "
          f"the year (baseline) {settle_s:.1f} s")
    print(f"policy whatif ({KEY} +0.05: {FUND} {ratio_text(before)} → {ratio_text(after)}): "
          f"{whatif_s:.1f} s = {whatif_s / settle_s:.1f}× one settlement (goal at 1.0: < 60 s)")
    print(f"policy solve ({FUND} to {target}: {KEY} = {solved.value}, reached "
          f"{ratio_text(solved.ratio)}): {solved.settlements} re-settlements, {solve_s:.1f} s = "
          f"{solve_s / settle_s:.1f}× one settlement, {solve_s / solved.settlements:.1f} s each; "
          f"peak {peak_gb:.1f} GB")
    return {"visits": visits, "read_s": read_s, "settle_s": settle_s, "whatif_s": whatif_s,
            "whatif_over_settle": whatif_s / settle_s, "solve_s": solve_s,
            "solve_settlements": solved.settlements, "solve_over_settle": solve_s / settle_s,
            "peak_gb": peak_gb}


def main() -> dict[str, object]:
    print("== policy what-if and solve ==")
    given = os.environ.get("BENCH_WHATIF_DATA")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if given:
            data, scale = Path(given), "given"
        else:
            scale = os.environ.get("BENCH_WHATIF_SCALE", "1.0")
            data = work / "sim"
            simulate(scale, data)
        return {"scale": scale, **bench(data, work)}


if __name__ == "__main__":
    main()
