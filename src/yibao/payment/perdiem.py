"""Per-diem payment for long stays (床日付费): rehabilitation, psychiatric and hospice care.

Each category (康复 / 精神 / 安宁疗护) has a daily rate by hospital level, paid by bands of the
stay: e.g. days 1–60 at the full rate, 61–90 at 90 %, beyond at 80 % (`Band`). The standard
of a stay is `Σ band days × rate × band factor`, rounded half-up to the fen; the fund pays the
standard less the patient's and other funds' parts, never less than zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Final

import numpy as np
import polars as pl

from yibao.payment.cases import PaymentInputError
from yibao.payment.exact import RATIO_SCALE, div_half_up, scaled

CATEGORIES: Final = {"rehabilitation": "康复", "psychiatric": "精神", "hospice": "安宁疗护"}


@dataclass(frozen=True, slots=True)
class Band:
    """Days after `from_day` (exclusive) up to `to_day` (None: no end) are paid at `factor`."""

    from_day: int
    to_day: int | None
    factor: Decimal


DEFAULT_BANDS: Final = (
    Band(0, 60, Decimal(1)), Band(60, 90, Decimal("0.9")), Band(90, None, Decimal("0.8")),
)


@dataclass(frozen=True, slots=True)
class PerDiemRules:
    """Daily rates in fen by (category, level), and the stay bands."""

    rates_fen: tuple[tuple[str, str, int], ...]
    bands: tuple[Band, ...] = DEFAULT_BANDS


def _rates(rules: PerDiemRules) -> pl.DataFrame:
    return pl.DataFrame(list(rules.rates_fen), orient="row",
                        schema={"category": pl.String, "level": pl.String, "rate_fen": pl.Int64})


def per_diem_standard(los_days: np.ndarray, rate_fen: np.ndarray, bands: tuple[Band, ...]
                      ) -> np.ndarray:
    """Σ over bands of (days in band × rate × factor), half-up to the fen, per stay."""
    total_e4 = np.zeros(los_days.size, dtype=np.int64)
    for band in bands:
        end = los_days if band.to_day is None else np.minimum(los_days, band.to_day)
        days = np.maximum(end - band.from_day, 0).astype(np.int64)
        total_e4 += days * rate_fen * scaled(band.factor)
    return div_half_up(total_e4, RATIO_SCALE)


def per_diem_payment(stays: pl.DataFrame, rules: PerDiemRules) -> pl.DataFrame:
    """Stays (`category`, `level`, `los_days`, `other_pay_fen`) with `standard_fen`, `fund_fen`.

    A stay whose category and level have no rate is an error naming the first such stay.
    """
    out = stays.with_row_index("_row").join(_rates(rules), on=["category", "level"], how="left")
    out = out.sort("_row").drop("_row")
    missing = out.filter(pl.col("rate_fen").is_null())
    if missing.height:
        row = missing.row(0, named=True)
        raise PaymentInputError(f"床日付费没有费率：类别 {row['category']}，等级 {row['level']}")
    standard = per_diem_standard(out["los_days"].to_numpy().astype(np.int64),
                                 out["rate_fen"].to_numpy(), rules.bands)
    fund = np.maximum(standard - out["other_pay_fen"].to_numpy(), 0)
    return out.with_columns(pl.Series("standard_fen", standard), pl.Series("fund_fen", fund))
