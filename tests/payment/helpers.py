"""Builders of small case tables for the payment tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from typing import Any

import polars as pl

from yibao.payment.cases import conform_cases
from yibao.payment.weights import GroupWeight, Weights

DEFAULTS: dict[str, Any] = {
    "hospital": "H1", "level": "3", "drg": "GB13", "medfee_sumamt": 1_000_000,
    "los_days": 10, "dscg_date": dt.date(2024, 3, 1), "psn_no": "P1",
}


def yuan(amount: str) -> int:
    return int(Decimal(amount) * 100)


def cases(*rows: dict[str, Any]) -> pl.DataFrame:
    """Conformed cases; each row overrides `DEFAULTS`; other parts are 30 % of cost."""
    full = []
    for i, row in enumerate(rows):
        r = {"setl_id": f"S{i}", **DEFAULTS, **row}
        r.setdefault("other_pay_fen", r["medfee_sumamt"] * 3 // 10)
        r["fund_pay_fen"] = r["medfee_sumamt"] - r["other_pay_fen"]
        full.append(r)
    return conform_cases(pl.DataFrame(full))


def weights(*groups: tuple[str, str, int, int], overall_fen: int = 1_000_000) -> Weights:
    """Weights from (drg, RW, mean cost fen, mean stay days) rows."""
    return Weights(
        tuple(GroupWeight(d, 0, 0, mean, Decimal(rw), Fraction(los))
              for d, rw, mean, los in groups),
        overall_fen,
    )
