"""Simulated amounts in integer fen: only dimensionless random multipliers are floats."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from yibao.core.money import parse_amount, to_fen

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]


def yuan_to_fen(value: object) -> int:
    """An amount in yuan from a profile (TOML string or integer) as exact integer fen."""
    return to_fen(parse_amount(str(value)))


def scale_fen(base_fen: I64, multiplier: F64) -> I64:
    """base × a dimensionless random multiplier, in integer fen: the multiplier is quantised to
    10^-6 before it touches money, and the product is rounded half-up."""
    factor_e6 = np.rint(multiplier * 1_000_000).astype(np.int64)
    result: I64 = (base_fen * factor_e6 + 500_000) // 1_000_000
    return result
