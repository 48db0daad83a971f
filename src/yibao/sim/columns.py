"""The simulated year as the batch engine's columns (`yibao.settle.columns`, docs/batch.md).

Requests are the visits in visit order (end date), fee lines grouped by visit. `ytd` is zero (the
year starts empty). The batch engine does not carry the personal-account balance between
requests, so each employee request gets an equal part of the person's yearly account credit.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from yibao.policy.model import OFFSITE_KINDS, Policy
from yibao.settle.columns import GROUP_BITS, FeeColumns, RequestColumns
from yibao.settle.model import YTD_KEYS

MED = {"11": 0, "14": 1, "21": 2}


def account_balance_fen(visits: pl.DataFrame, contrib: pl.DataFrame) -> np.ndarray:
    credit = contrib.select(
        "psn_no", (pl.col("employee_to_account_fen") + pl.col("employer_to_account_fen")
                   + pl.col("retiree_credit_fen")).alias("credit"))
    frame = visits.select("psn_no").join(credit, on="psn_no", how="left", maintain_order="left")
    uses = frame.group_by("psn_no").len()
    frame = frame.join(uses, on="psn_no", how="left", maintain_order="left")
    return (frame["credit"].fill_null(0) // frame["len"]).to_numpy().astype(np.int64)


def to_columns(visits: pl.DataFrame, lines: pl.DataFrame, persons: pl.DataFrame,
               contrib: pl.DataFrame, policy: Policy, year: int) -> RequestColumns:
    """Lay the visits out as settlement requests; `visits` sorted by `visit`, 0..n-1."""
    n = visits.height
    people = visits.select("person").join(
        persons.select("person", "psn_type", "civil_servant", "groups"), on="person",
        how="left", maintain_order="left")
    employee = visits["insutype"].to_numpy() == "310"
    bits = people["groups"].replace_strict({g: b for g, b in GROUP_BITS.items()}, default=0,
                                           return_dtype=pl.Int64).to_numpy()
    lines = lines.sort("visit", maintain_order=True)
    fees = FeeColumns(
        request=lines["visit"].to_numpy().astype(np.int64),
        item=lines["chrg_itm_lv"].replace_strict({"01": 0, "02": 1, "03": 2},
                                                 return_dtype=pl.Int64).to_numpy(),
        cnt_e4=lines["cnt_e4"].to_numpy(), pric_e6=lines["pric_e6"].to_numpy(),
        selfpay_prop_e4=lines["selfpay_prop_e4"].to_numpy(),
        pric_uplmt_e6=lines["pric_uplmt_e6"].to_numpy())
    offsite = {kind: i for i, kind in enumerate(OFFSITE_KINDS)}
    return RequestColumns(
        policies=(policy,), policy=np.zeros(n, dtype=np.int64),
        person_key=visits["person"].to_numpy().astype(np.int64),
        year=np.full(n, year, dtype=np.int64), employee=employee,
        retired=people["psn_type"].to_numpy() == "retired",
        civil_servant=people["civil_servant"].to_numpy().astype(bool), groups=bits,
        med=visits["med_type"].replace_strict(MED, return_dtype=pl.Int64).to_numpy(),
        lv=visits["hosp_lv"].cast(pl.Int64).to_numpy() - 1,
        offsite=visits["offsite"].replace_strict(offsite, return_dtype=pl.Int64).to_numpy(),
        acct_balc=np.where(employee, account_balance_fen(visits, contrib), 0),
        use_acct=employee, ytd=np.zeros((n, len(YTD_KEYS)), dtype=np.int64), fees=fees)
