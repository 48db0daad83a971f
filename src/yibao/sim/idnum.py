"""Resident identity numbers (GB 11643) for whole columns at once.

The same arithmetic as `yibao.core.idnum.make_resident_id` (tests compare the two): 17 digits,
weights 7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2, check character "10X98765432"[Σ mod 11]. The serial
is the rank of the person among those born on the same day and of the same sex:
serial = 2 × rank + (sex == "M"), so numbers are distinct and their parity matches the sex.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl

I64 = npt.NDArray[np.int64]
WEIGHTS: Final = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
CHECK: Final = np.array(list("10X98765432"))
SERIALS_PER_SEX: Final = 500


def serials(birth_day: I64, male: npt.NDArray[np.bool_], rng: np.random.Generator) -> I64:
    """Distinct 顺序码 per (birth day, sex): rank in a random order, doubled, plus the sex bit."""
    n = len(birth_day)
    order = np.lexsort((rng.random(n), male, birth_day))
    key = birth_day[order] * 2 + male[order]
    starts = np.r_[True, key[1:] != key[:-1]]
    group_start = np.maximum.accumulate(np.where(starts, np.arange(n), 0))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n) - group_start
    assert rank.max(initial=0) < SERIALS_PER_SEX, "more than 500 people of one sex born on one day"
    return 2 * rank + male.astype(np.int64)


def id_numbers(region: I64, yyyymmdd: I64, serial: I64) -> pl.Series:
    """18-character identity numbers from 6-digit regions, birth dates and serials."""
    body = region * 10**11 + yyyymmdd * 1000 + serial
    digits = (body[:, None] // 10 ** np.arange(16, -1, -1, dtype=np.int64)) % 10
    check = CHECK[(digits @ WEIGHTS) % 11]
    return pl.Series("id_number", body.astype(str), dtype=pl.Utf8) + pl.Series(check)
