"""Capitation (按人头付费) and fee-for-service (按项目付费).

* **Family-doctor contracts** (家庭医生签约): an annual rate per contracted person, pro rata by
  the months of the contract in the year.
* **The two chronic diseases** (两病: 高血压、糖尿病 outpatient care): an annual rate per enrolled
  patient and disease, pro rata by months.
* **Fee-for-service**: the fund part of each claim as settled, times an optional payment ratio.

Each institution's amount is `Σ months × annual rate / 12`, rounded half-up to the fen once per
institution, so a contract's rounding never accumulates.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Final

import polars as pl

from yibao.payment.cases import PaymentInputError
from yibao.payment.exact import RATIO_SCALE, div_half_up, fraction_half_up, scaled

KINDS: Final = {"family_doctor": "家庭医生签约", "hypertension": "高血压", "diabetes": "糖尿病"}
MONTHS_PER_YEAR: Final = 12


@dataclass(frozen=True, slots=True)
class CapitationRules:
    """Annual rate in fen per person for each kind of contract."""

    annual_fen: tuple[tuple[str, int], ...]


def capitation(contracts: pl.DataFrame, rules: CapitationRules) -> pl.DataFrame:
    """Per institution and kind: persons, person-months and amount (fen).

    `contracts`: `institution`, `psn_no`, `kind` (family_doctor / hypertension / diabetes) and
    `months` (1–12 in the year).
    """
    rates = dict(rules.annual_fen)
    unknown = set(contracts["kind"].unique().to_list()) - set(rates)
    if unknown:
        raise PaymentInputError(f"按人头付费没有费率的签约类别：{sorted(unknown)}")
    bad = contracts.filter((pl.col("months") < 1) | (pl.col("months") > MONTHS_PER_YEAR))
    if bad.height:
        raise PaymentInputError(f"签约月数应为 1–12：人员 {bad['psn_no'][0]}")
    sums = contracts.group_by("institution", "kind").agg(
        pl.col("psn_no").n_unique().alias("persons"), pl.col("months").cast(pl.Int64).sum()
    ).sort("institution", "kind")
    amounts = [
        fraction_half_up(Fraction(months * rates[kind], MONTHS_PER_YEAR))
        for _, kind, _, months in sums.iter_rows()
    ]
    return sums.with_columns(pl.Series("amount_fen", amounts, dtype=pl.Int64))


def fee_for_service(claims: pl.DataFrame, ratio: Decimal = Decimal(1)) -> pl.DataFrame:
    """Per institution: the claims' fund part and the amount paid (ratio × it, half-up)."""
    sums = claims.group_by("hospital").agg(pl.len().alias("claims"),
                                           pl.col("fund_pay_fen").sum()).sort("hospital")
    paid = div_half_up(sums["fund_pay_fen"].to_numpy() * scaled(ratio), RATIO_SCALE)
    return sums.with_columns(pl.Series("amount_fen", paid, dtype=pl.Int64))
