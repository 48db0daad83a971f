"""The base year out of a simulated (or any settled) year: population, visits and fund payments.

`visit_frame` lays each settled visit out with its person's group and age band, the benefit, the
institution level, whether the DRG point method pays it (a local stay of at most
`PER_DIEM_AFTER_DAYS` days, as the year job's payment step decides) and the fund payments in fen.
`base_year` gives the projection's `Base`; `funding_shares` the base year's civil-servant share of
the employees and aided part of the residents' individual shares.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl

from yibao.actuary.cohort import GROUPS, ZERO, make_cohort
from yibao.actuary.projection import Base, base_counts
from yibao.actuary.scenario import FUNDS

#: Settlement output field → the fund that pays it ("pool": the scheme's pooling fund).
PAY_FUND: Final = {"hifp_pay": "pool", "acct_pay": "personal_account",
                   "hifmi_pay": "serious_illness", "hifob_pay": "large_expense",
                   "cvlserv_pay": "civil_servant", "maf_pay": "assistance"}
ALL_FUNDS: Final = ("resident_pool", "employee_pool", "personal_account", "serious_illness",
                    "large_expense", "civil_servant", "assistance")
PER_DIEM_AFTER_DAYS: Final = 60  # jobs/year_payment.py: longer local stays are paid per bed-day


def band_expr(bands: tuple[int, ...]) -> pl.Expr:
    """The band index of `age` (lower bounds; the last band is open)."""
    expr = pl.lit(0, dtype=pl.Int64)
    for i, low in enumerate(bands[1:], start=1):
        expr = pl.when(pl.col("age") >= low).then(pl.lit(i, dtype=pl.Int64)).otherwise(expr)
    return expr


def visit_frame(persons: pl.DataFrame, visits: pl.DataFrame,
                values: Mapping[str, npt.NDArray[np.int64]], bands: tuple[int, ...]
                ) -> pl.DataFrame:
    """One row per visit: group, band, benefit, level, drg, medfee_fen and `<fund>_fen`."""
    order = visits["visit"].to_numpy()
    employee = visits["insutype"] == "310"
    pays = {}
    for field, fund in PAY_FUND.items():
        column = pl.Series(np.asarray(values[field])[order])
        if fund == "pool":
            pays["resident_pool_fen"] = pl.when(employee).then(0).otherwise(column)
            pays["employee_pool_fen"] = pl.when(employee).then(column).otherwise(0)
        else:
            pays[f"{fund}_fen"] = pl.lit(column)
    people = persons.select("person", pl.col("psn_type").alias("group"),
                            band_expr(bands).alias("band"))
    return visits.select(
        "person", pl.col("kind").alias("benefit"), pl.col("hosp_lv").cast(pl.Utf8).alias("level"),
        ((pl.col("kind") == "inpatient") & (pl.col("offsite") == "local")
         & (pl.col("los_days") <= PER_DIEM_AFTER_DAYS)).alias("drg"),
        pl.Series("medfee_fen", np.asarray(values["medfee_sumamt"])[order]),
        **{name: expr.cast(pl.Int64) for name, expr in pays.items()},
    ).join(people, on="person", how="left", maintain_order="left").drop("person")


def funding_shares(persons: pl.DataFrame, contributions: pl.DataFrame) -> tuple[Decimal, Decimal]:
    """(civil servants ÷ employees in service and retired, the residents' individual shares paid
    by the assistance fund ÷ all of them) of a simulated year (`sim.funding.contributions`)."""
    employees = persons.filter(pl.col("psn_type") != "resident")
    civil = (Decimal(int(employees["civil_servant"].sum())) / employees.height
             if employees.height else ZERO)
    aided = int(contributions["assistance_fen"].sum())
    shares = aided + int(contributions["individual_fen"].sum())
    return civil, (Decimal(aided) / shares if shares else ZERO)


def base_year(persons: pl.DataFrame, visits: pl.DataFrame, bands: tuple[int, ...], region: str,
              year: int, shares: tuple[Decimal, Decimal] = (ZERO, ZERO)) -> Base:
    """The projection's base: the cohort on 1 January and per-capita costs by group and band;
    `shares`: `funding_shares` (zero when the year has no civil servants or aided residents)."""
    counts: dict[tuple[str, str], dict[int, int]] = {}
    for group, sex, age, n in persons.group_by("psn_type", "sex", "age").len().iter_rows():
        counts.setdefault((group, sex), {})[int(age)] = int(n)
    cohort = make_cohort(counts)
    insured = base_counts(cohort, bands)
    funds = FUNDS
    sums = visits.group_by("group", "band").agg(pl.col(f"{f}_fen").sum() for f in funds)
    paid = {(g, b): row for g, b, *row in sums.iter_rows()}
    per_capita = []
    for group in GROUPS:
        for i, fund in enumerate(funds):
            per_band = []
            for band in range(len(bands)):
                n = insured.get((group, band), ZERO)
                total = paid.get((group, band), [0] * len(funds))[i]
                per_band.append(Decimal(total) / n if n else ZERO)
            per_capita.append(((group, fund), tuple(per_band)))
    wages = persons.filter(pl.col("psn_type") == "in_service")["wage_base_fen"]
    wage = Decimal(int(wages.sum())) / wages.len() if wages.len() else ZERO
    return Base(region, year, cohort, bands, tuple(per_capita), wage, *shares)
