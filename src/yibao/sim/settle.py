"""Settle a simulated year with the batch engine, the personal account carried through each
employee's visits: the settle step of the year job (`yibao year`), also re-run under other
policies by `yibao policy whatif` and `policy solve`.

(`yibao.sim.calibrate.settle_year` is the calibration check's simpler pass, which lets every
visit draw on the whole yearly credit; it is kept as it is so that the check's figures do not
move.)
"""

from __future__ import annotations

from dataclasses import replace
from typing import Final

import numpy as np
import polars as pl

from yibao.settle.batch import BatchResult, settle_columns
from yibao.settle.columns import RequestColumns, subset
from yibao.sim.simulate import SimTables

#: A balance no visit can exhaust: settling with it gives what the account would pay if it could.
UNLIMITED_FEN: Final = 10**13
ACCOUNT_CREDIT: Final = ("employer_to_account_fen", "employee_to_account_fen",
                         "retiree_credit_fen")


def settle_year(cols: RequestColumns, tables: SimTables, workers: int) -> BatchResult:
    """Settle the year with the personal account carried through each employee's visits.

    The first pass lets the account pay all it may (an unlimited balance), which gives what each
    visit would take from it; the balance before visit k is then the yearly credit less what
    visits 1..k-1 wanted, never below zero, and the employees' visits are settled again with it.
    """
    visits = tables.visits
    employee = np.flatnonzero(cols.employee)
    wanted = settle_columns(replace(cols, acct_balc=np.where(cols.employee, UNLIMITED_FEN, 0)),
                            workers=workers)
    if employee.size == 0:
        return wanted
    credit = visits.select("psn_no").join(
        tables.contributions.select("psn_no", pl.sum_horizontal(ACCOUNT_CREDIT).alias("c")),
        on="psn_no", how="left", maintain_order="left")["c"].fill_null(0)
    before = pl.DataFrame({"person": cols.person_key, "want": wanted.values["acct_pay"]}).select(
        (pl.col("want").cum_sum().over("person") - pl.col("want")).alias("spent"))["spent"]
    balance = np.maximum(0, credit.to_numpy() - before.to_numpy()).astype(np.int64)
    again = settle_columns(subset(replace(cols, acct_balc=balance), employee), workers=workers)
    values = {name: column.copy() for name, column in wanted.values.items()}
    for name, column in again.values.items():
        values[name][employee] = column
    return BatchResult(values, wanted.ytd_after)
