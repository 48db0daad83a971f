"""The year job's payment step: group every stay, pay hospitals by the DRG point method.

Every inpatient stay's settlement list is grouped with the CHS-DRG 1.1 rule pack. Stays settled
locally are paid by the point method under the region's DRG fund budget; stays of the region's
insured treated elsewhere are paid by the region where they were treated, itemised from this
region's point of view. The budget defaults to what the pooling fund paid for the local stays
(budget-neutral: the point method redistributes the same money by case mix).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from html import escape
from typing import Any

import numpy as np
import polars as pl

from yibao.core.money import from_fen
from yibao.indicators.charts import hbar_chart
from yibao.indicators.render import show
from yibao.indicators.table import ratio
from yibao.payment.cases import conform_cases
from yibao.payment.drg.batch import group_batch
from yibao.payment.drg.layout import to_settlement
from yibao.payment.evaluate import cmi
from yibao.payment.points import PointRules, case_points
from yibao.payment.report import evaluation
from yibao.payment.settlement import PointSettlement, settle_cases
from yibao.payment.weights import relative_weights
from yibao.services.drg import load_rules
from yibao.settle.batch import BatchResult
from yibao.settle.columns import RequestColumns
from yibao.sim.simulate import SimTables

TOP_HOSPITALS = 20


@dataclass(frozen=True, slots=True)
class YearPayment:
    """What the payment step found: groups, the point settlement and the evaluation."""

    cases: pl.DataFrame  # conformed local cases with their points
    settlement: PointSettlement
    cmi: dict[str, Decimal]
    evaluation: dict[str, Any]
    drg_share: Decimal  # share of all inpatient cost paid by the DRG point method
    status_counts: dict[str, int]
    names: dict[str, str]  # institution code → name


def _stays(tables: SimTables, cols: RequestColumns, result: BatchResult) -> pl.DataFrame:
    """Settlement lists joined with their settled amounts (fen) and visit attributes."""
    v = result.values
    visits = tables.visits.select("mdtrt_id", "visit", "hosp_lv").with_columns(
        medfee_sumamt=pl.Series(v["medfee_sumamt"][tables.visits["visit"].to_numpy()]),
        fund_pay_fen=pl.Series(v["hifp_pay"][tables.visits["visit"].to_numpy()]),
        local=pl.Series(cols.offsite[tables.visits["visit"].to_numpy()] == 0))
    return tables.settlement_lists.join(visits, on="mdtrt_id", how="left", maintain_order="left")


def pay_year(tables: SimTables, cols: RequestColumns, result: BatchResult,
             budget_fen: int | None = None) -> YearPayment:
    """Group all stays, pay the local ones by DRG points, evaluate the grouping."""
    stays = _stays(tables, cols, result)
    grouped = group_batch(load_rules(), to_settlement(tables.settlement_lists))
    stays = stays.with_columns(drg=grouped["drg"], mdc=grouped["mdc"], adrg=grouped["adrg"],
                               status=grouped["status"])
    local = stays.filter(pl.col("local"))
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
    all_cost = int(np.asarray(result.values["medfee_sumamt"])[cols.med == 2].sum())
    return YearPayment(
        cases=points, settlement=settle_cases(points, budget), cmi=cmi(cases, weights),
        evaluation=evaluation(cases),
        drg_share=ratio(int(cases["medfee_sumamt"].sum()), all_cost),
        status_counts=dict(stays["status"].value_counts().iter_rows()),
        names=dict(tables.institutions.select("fixmedins_code", "fixmedins_name").iter_rows()))


def drg_summary(payment: YearPayment) -> dict[str, Any]:
    """The payment step for indicators.json: point value, hospitals, CMI and evaluation."""
    s = payment.settlement
    hospitals = [{"hospital": h.hospital, "name": payment.names.get(h.hospital, h.hospital),
                  "cases": h.cases, "cmi": payment.cmi.get(h.hospital),
                  "points": Decimal(h.points_e4).scaleb(-4), "amount": from_fen(h.amount_fen)}
                 for h in s.hospitals]
    report = payment.evaluation
    return {"budget": from_fen(s.budget_fen), "point_value": s.point_value_yuan(),
            "total_points": Decimal(s.points_e4).scaleb(-4), "cases": payment.cases.height,
            "grouping": payment.status_counts, "hospitals": hospitals,
            "riv": report["riv"], "rates": report["rates"],
            "groups_cv_at_least_1": report["groups_cv_at_least_1"],
            "splits_separating": report["splits_separating"], "splits": len(report["splits"])}


def drg_sections(payment: YearPayment) -> list[tuple[str, str]]:
    """Report sections: CMI and fund amount by hospital, point value, grouping evaluation."""
    summary = drg_summary(payment)
    top = sorted(summary["hospitals"], key=lambda h: -h["amount"])[:TOP_HOSPITALS]
    chart = hbar_chart("各医院 CMI（病例组合指数）", [h["name"] for h in top],
                       [h["cmi"] or Decimal(0) for h in top])
    rows = "".join(
        f"<tr><td>{escape(h['name'])}<br><small>{h['hospital']}</small></td>"
        f"<td class='num'>{h['cases']:,}</td>"
        f"<td class='num'>{h['cmi']}</td><td class='num'>{h['points']:,.4f}</td>"
        f"<td class='num'>{show(h['amount'], 'yuan')}</td></tr>" for h in top)
    table = ("<table><thead><tr><th>医院</th><th>病例</th><th>CMI</th><th>点数</th>"
             f"<th>DRG 基金拨付</th></tr></thead><tbody>{rows}</tbody></table>")
    head = (f"<p>DRG 基金预算 {show(summary['budget'], 'yuan')}，总点数 "
            f"{summary['total_points']:,.4f}，点值 {summary['point_value']} 元/点；"
            f"本地住院 {summary['cases']:,} 例按点数法付费，占全部住院费用 "
            f"{show(payment.drg_share, 'ratio')}。</p>")
    riv, rates = summary["riv"], summary["rates"]
    quality = (f"<p>入组率 {rates.get('grouping_rate', 0):.2%}；"
               f"RIV（未截尾）{riv['untrimmed']:.4f}，（截尾）{riv['trimmed']:.4f}；"
               f"变异系数 ≥ 1 的组 {summary['groups_cv_at_least_1']} 个；细分组费用有差异的 ADRG "
               f"{summary['splits_separating']}/{summary['splits']} 个。</p>")
    return [("DRG 结合点数法付费", head + chart + table), ("DRG 分组效能评价", quality)]
