"""Pay the hospitals of a simulated year by DRG points and clear the year: the DRG part of the
year job's payment step (`yibao year`, jobs/year_payment.py), also re-run under other policies
by `yibao policy whatif` and `policy solve`, so the clearing is computed by one rule.

Grouping depends on the settlement lists only, so it is done once (`group_stays`); the point
settlement and the clearing depend on what the settlements paid (`pay_drg`, `clearing`):

- the local stays paid by DRG (`payment.share.stay_method`) are the cases, each with the pooling
  fund's payment at discharge (hifp_pay) and the rest of its cost;
- their points (`payment.points`) share the regional DRG budget (`payment.settlement`): by
  default what the pooling fund paid for these stays (budget-neutral), or a budget given;
- the year-end clearing (年终清算) of each hospital and pooling fund is its amount less what its
  settlements paid itemised (`fund.schedule.drg_clearing`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from yibao.fund.schedule import drg_clearing
from yibao.payment.cases import conform_cases
from yibao.payment.drg.batch import group_batch
from yibao.payment.drg.layout import to_settlement
from yibao.payment.drg.loader import RulePack
from yibao.payment.points import PointRules, case_points
from yibao.payment.settlement import PointSettlement, settle_cases
from yibao.payment.share import stay_method
from yibao.payment.weights import Weights, relative_weights
from yibao.settle.batch import BatchResult
from yibao.settle.columns import RequestColumns
from yibao.sim.simulate import SimTables


@dataclass(frozen=True, slots=True)
class GroupedStays:
    """Every stay grouped: the lists in the grouper's layout, the grouper's output, and the
    lists with their visit (`visit, hosp_lv, local`), group (`drg, mdc, adrg, status`) and
    `payment_method`, row for row."""

    layout: pl.DataFrame
    grouped: pl.DataFrame
    stays: pl.DataFrame


def group_stays(rules: RulePack, tables: SimTables, cols: RequestColumns) -> GroupedStays:
    """Group every stay of the year and give it its payment method (no settled amount read)."""
    visits = tables.visits.select("mdtrt_id", "visit", "hosp_lv").with_columns(
        local=pl.Series(cols.offsite[tables.visits["visit"].to_numpy()] == 0))
    stays = tables.settlement_lists.join(visits, on="mdtrt_id", how="left",
                                         maintain_order="left")
    layout = to_settlement(tables.settlement_lists)
    grouped = group_batch(rules, layout)
    stays = stays.with_columns(drg=grouped["drg"], mdc=grouped["mdc"], adrg=grouped["adrg"],
                               status=grouped["status"]).with_columns(
        stay_method(pl.col("local"), pl.col("los_days")))
    return GroupedStays(layout, grouped, stays)


def settled_stays(stays: pl.DataFrame, result: BatchResult) -> pl.DataFrame:
    """The stays with their settled cost and pooling-fund payment (fen)."""
    visit = stays["visit"].to_numpy()
    return stays.with_columns(
        medfee_sumamt=pl.Series(np.asarray(result.values["medfee_sumamt"])[visit]),
        fund_pay_fen=pl.Series(np.asarray(result.values["hifp_pay"])[visit]))


@dataclass(frozen=True, slots=True)
class DrgPayment:
    """The year's DRG cases, their weights, their points and the point settlement."""

    cases: pl.DataFrame  # conformed local DRG cases
    weights: Weights
    points: pl.DataFrame  # the cases with their points
    settlement: PointSettlement


def pay_drg(stays: pl.DataFrame, budget_fen: int | None = None) -> DrgPayment:
    """Pay the local DRG stays of `settled_stays` by points under `budget_fen` (default: what
    the pooling fund paid for them, budget-neutral)."""
    local = stays.filter(pl.col("payment_method") == "drg")
    cases = conform_cases(local.select(
        "setl_id", pl.col("fixmedins_code").alias("hospital"),
        pl.col("hosp_lv").alias("level"), "drg", "medfee_sumamt", "fund_pay_fen",
        (pl.col("medfee_sumamt") - pl.col("fund_pay_fen")).alias("other_pay_fen"),
        pl.col("los_days").cast(pl.Int32), pl.col("dscg_time").alias("dscg_date"), "psn_no",
        "mdc", "adrg", (pl.col("dscg_way") != "1").alias("incomplete"),
        "principal_diagnosis"))
    weights = relative_weights(cases)
    points = case_points(cases, weights, PointRules())
    budget = int(cases["fund_pay_fen"].sum()) if budget_fen is None else budget_fen
    return DrgPayment(cases, weights, points, settle_cases(points, budget))


def clearing(persons: pl.DataFrame, points: pl.DataFrame, settlement: PointSettlement
             ) -> pl.DataFrame:
    """Each hospital's year-end clearing per pooling fund (`fund.schedule.drg_clearing`):
    `holder, resident_pool, employee_pool`, its amount in `settlement` less the itemised
    payments of its cases (`points`, `DrgPayment.points`)."""
    amounts = settlement.to_frame().select(pl.col("hospital").alias("holder"),
                                                   "amount_fen")
    itemised = points.join(persons.select("psn_no", "insutype"), on="psn_no",
                                   how="left").select(
        pl.col("hospital").alias("holder"), (pl.col("insutype") == "310").alias("employee"),
        "fund_pay_fen")
    return drg_clearing(amounts, itemised)
