"""Generated costed cases (模拟病例) for tests, the CLI demo and benchmarks: not real data.

The random generator is passed in (no hidden seed). Each case draws a DRG (by a Zipf-like
popularity), a hospital (levels 3, 2, 1), a cost from a lognormal with mean `RW × base rate ×
level factor` and a coefficient of variation of about 0.55, a fund share of 55–85 %, a stay, a
discharge date in the year, a person from a pool small enough that some come back within 15 days,
and a diagnosis + procedure combination for DIP. A few cases are incomplete, ungroupable or sent
to special review.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Final

import numpy as np
import polars as pl

from yibao.payment.cases import UNGROUPABLE, conform_cases

BASE_RATE_FEN: Final = 1_000_000  # 10 000 yuan per RW
LEVEL_FACTOR: Final = {"3": 1.15, "2": 0.9, "1": 0.7}
COST_CV: Final = 0.55
TYPES: Final = ("conservative", "diagnostic", "therapeutic", "surgery")


def default_drgs(rng: np.random.Generator, adrgs: int = 60) -> list[tuple[str, Decimal]]:
    """A made-up scheme: ADRGs in MDCs B–X, split 1/3/5 (surgical) or 9, with RW."""
    letters = "BCDEFGHIJKLMNORSTUVWX"
    out: list[tuple[str, Decimal]] = []
    for i in range(adrgs):
        stem = f"{letters[i % len(letters)]}{'ABCDRSTU'[i // len(letters) % 8]}{1 + i // 168}"
        rw = float(np.exp(rng.normal(0.0, 0.6)))
        splits = ("1", "3", "5") if i % 3 else ("9",)
        for k, digit in enumerate(splits):
            factor = (1.6, 1.15, 0.85)[k] if len(splits) == 3 else 1.0
            out.append((stem + digit, Decimal(f"{rw * factor:.4f}")))
    return out


def _hospitals(n: int) -> tuple[np.ndarray, np.ndarray]:
    levels = np.array(["3" if i % 4 == 0 else "2" if i % 4 != 3 else "1" for i in range(n)])
    codes = np.array([f"H{i + 1:03d}" for i in range(n)])
    return codes, levels


def _zipf_pick(rng: np.random.Generator, size: int, n: int, exponent: float = 1.1) -> np.ndarray:
    weights = 1.0 / np.arange(1, size + 1) ** exponent
    return rng.choice(size, n, p=weights / weights.sum())


def _dip_columns(rng: np.random.Generator, drg: np.ndarray, per_drg: int = 40
                 ) -> dict[str, np.ndarray]:
    """Diagnosis + procedure of each case: a few dozen combinations per DRG, Zipf-distributed."""
    pick = drg * per_drg + _zipf_pick(rng, per_drg, drg.size, 1.3)
    diagnosis = np.char.add(
        np.char.add(np.array(list("ACEIJKMNRS"))[pick % 10], (10 + pick // 10 % 90).astype(str)),
        np.char.add(".", (pick // 900 % 10).astype(str)),
    )
    kind = (pick * 7 + 3) % 4
    procedure = np.where(kind == 0, "", np.char.add((pick % 86 + 1).astype(str), ".1"))
    return {"principal_diagnosis": diagnosis, "principal_procedure": procedure,
            "procedure_type": np.array(TYPES)[kind]}


def generate_cases(
    rng: np.random.Generator,
    n: int,
    drgs: Sequence[tuple[str, Decimal]] | None = None,
    hospitals: int = 20,
    year: int = 2024,
    persons: int | None = None,
) -> pl.DataFrame:
    """`n` grouped, costed cases in the layout of `cases.conform_cases`."""
    table = list(drgs) if drgs is not None else default_drgs(rng)
    codes = np.array([d for d, _ in table] + [UNGROUPABLE])
    rws = np.array([float(rw) for _, rw in table] + [1.0])
    pick = _zipf_pick(rng, len(table), n, 0.9)
    pick[rng.random(n) < 0.005] = len(table)  # ungroupable
    hospital_codes, levels = _hospitals(hospitals)
    h = rng.integers(0, hospitals, n)
    factor = np.array([LEVEL_FACTOR[x] for x in levels])[h]
    mean = rws[pick] * BASE_RATE_FEN * factor
    sigma2 = np.log1p(COST_CV**2)
    cost = np.exp(rng.normal(np.log(mean) - sigma2 / 2, np.sqrt(sigma2))).astype(np.int64)
    cost = np.clip(cost, 500, 900_000_000)
    fund = cost * rng.integers(55, 86, n) // 100
    los = np.clip(rng.poisson(3 + 4 * rws[pick]) + 1, 1, 365).astype(np.int32)
    start = dt.date(year, 1, 1)
    day = rng.integers(0, 365, n)
    people = persons or max(1, int(n * 0.45))
    return conform_cases(pl.DataFrame({
        "setl_id": np.char.add("S", np.arange(n).astype(str)),
        "hospital": hospital_codes[h],
        "level": levels[h],
        "drg": codes[pick],
        "medfee_sumamt": cost,
        "fund_pay_fen": fund,
        "other_pay_fen": cost - fund,
        "los_days": los,
        "dscg_date": pl.Series(np.datetime64(start, "D") + day.astype("timedelta64[D]")),
        "psn_no": np.char.add("P", rng.integers(0, people, n).astype(str)),
        "incomplete": rng.random(n) < 0.02,
        "special_review": rng.random(n) < 0.003,
        **_dip_columns(rng, pick),
    }))
