"""Settling a deployment region's simulated year (docs/offsite.md, "The Guang'an deployment"):
the `offsite` value of each visit derived again from the filings on disk, never read from the
visits, and manual claims (零星报销) under the policy's manual rule (`services.claims.
manual_policy`, the rule of `yibao offsite claim`). Used by the city year job
(`year_city`) and by `yibao year` on one region's folder of a deployment (`year.run_year`).
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import polars as pl

from yibao.policy.model import Policy
from yibao.services.claims import manual_policy
from yibao.settle.batch import BatchResult
from yibao.settle.columns import RequestColumns
from yibao.sim.columns import to_columns
from yibao.sim.deployment import derive_visits
from yibao.sim.settle import settle_year
from yibao.sim.simulate import SimTables

#: The deployment's filings, beside its regions' folders (`jobs.city_sim`).
FILINGS = "filings.parquet"


def settle_region(tables: SimTables, filings: pl.DataFrame, region: str, policy: Policy,
                  year: int) -> tuple[SimTables, RequestColumns, BatchResult]:
    """The region's visits with `offsite` and `filing_id` derived from `filings`, settled."""
    visits = tables.visits.join(tables.persons.select("person", "id_number"), on="person",
                                how="left", maintain_order="left")
    derived = derive_visits(visits, filings.filter(pl.col("insured_region") == region), region)
    visits = tables.visits.with_columns(derived["offsite"], derived["filing_id"])
    tables = replace(tables, visits=visits)
    cols = to_columns(visits, tables.fee_lines, tables.persons, tables.contributions, policy,
                      year)
    # a manual claim: the policy's manual rule, on the derived kind; the personal account does
    # not pay it (the person paid the institution in full)
    manual = visits["channel"].to_numpy() == "manual"
    cols = replace(cols, policies=(policy, manual_policy(policy)),
                   policy=manual.astype(np.int64), use_acct=cols.use_acct & ~manual,
                   acct_balc=np.where(manual, 0, cols.acct_balc))
    return tables, cols, settle_year(cols, tables, workers=os.cpu_count() or 1)


def deployment_filings(folder: Path) -> pl.DataFrame | None:
    """The filings of the deployment a region's `folder` belongs to (None: a single region)."""
    path = folder.parent / FILINGS
    return pl.read_parquet(path) if path.is_file() else None
