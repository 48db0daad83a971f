"""Quota allocation: integer counts that keep exact proportions at any scale (largest remainder)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

I64 = npt.NDArray[np.int64]


def quota(total: int, shares: npt.ArrayLike) -> I64:
    """Split `total` into integers proportional to `shares` (Hamilton's largest-remainder method).

    Each count differs from its exact share by less than one, and the counts sum to `total`.
    Ties in the remainders go to the earlier cell, so the result is deterministic.
    """
    weights = np.asarray(shares, dtype=np.float64)
    assert total >= 0 and weights.ndim == 1 and np.all(weights >= 0) and weights.sum() > 0
    exact = total * weights / weights.sum()
    counts = np.floor(exact).astype(np.int64)
    short = total - int(counts.sum())
    if short > 0:
        order = np.argsort(-(exact - counts), kind="stable")
        counts[order[:short]] += 1
    return counts


def scaled(count: int, scale: float) -> int:
    """A target count at a scale, rounded half up (the quota's total)."""
    return int(np.floor(count * scale + 0.5))
