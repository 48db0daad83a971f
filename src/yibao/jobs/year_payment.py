"""The year job's payment step: group every stay, pay hospitals by the DRG point method.

Every stay is grouped once, here; the supervision step reads the groups (`stay_drg`).

Every inpatient stay's settlement list is grouped with the CHS-DRG 1.1 rule pack. Stays settled
locally are paid by the point method under the region's DRG fund budget (`yibao.sim.payment`,
which `policy whatif` runs too); stays of the region's
insured treated elsewhere are paid by the region where they were treated, itemised from this
region's point of view. The budget defaults to what the pooling fund paid for the local stays
(budget-neutral: the point method redistributes the same money by case mix).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import polars as pl

from yibao.core.canonical import canonical_json
from yibao.core.money import from_fen
from yibao.payment.budget import METHODS
from yibao.payment.capitation import CapitationRules, capitation, fee_for_service
from yibao.payment.drg.batch import case_traces
from yibao.payment.drg.loader import RulePack
from yibao.payment.evaluate import cmi
from yibao.payment.perdiem import Band, PerDiemRules, per_diem_payment
from yibao.payment.report import evaluation
from yibao.payment.settlement import PointSettlement
from yibao.payment.share import NON_ITEMISED, non_itemised_share
from yibao.services.drg import load_rules
from yibao.settle.batch import BatchResult
from yibao.settle.columns import RequestColumns
from yibao.sim.payment import group_stays, pay_drg, settled_stays
from yibao.sim.simulate import SimTables

CAPITATION_LEVEL = "1"  # residents' outpatient care at township health centres: family doctors


@dataclass(frozen=True, slots=True)
class MethodRow:
    """One payment method's share of the regional budget and what it paid out (fen)."""

    method: str
    units: int  # stays, persons or visits
    budget_fen: int
    paid_fen: int


def _per_diem(long: pl.DataFrame) -> MethodRow:
    """Long stays: one daily rate for the region, set so that the standard spends the budget."""
    budget = int(long["fund_pay_fen"].sum())
    days = int(long["los_days"].sum())
    rate = (budget + int(long["other_pay_fen"].sum())) // days if days else 0
    paid = per_diem_payment(
        long.select(pl.lit("long_stay").alias("category"), pl.lit("all").alias("level"),
                    "los_days", "other_pay_fen"),
        PerDiemRules((("long_stay", "all", rate),), bands=(Band(0, None, Decimal(1)),)))
    return MethodRow("per_diem", long.height, budget, int(paid["fund_fen"].sum()))


def _capitation(outpatient: pl.DataFrame) -> MethodRow:
    """Family-doctor contracts: the budget shared per contracted person (whole year)."""
    budget = int(outpatient["fund_pay_fen"].sum())
    contracts = outpatient.select(pl.col("fixmedins_code").alias("institution"), "psn_no",
                                  pl.lit("family_doctor").alias("kind"),
                                  pl.lit(12).alias("months")).unique(["institution", "psn_no"])
    rate = budget // contracts.height if contracts.height else 0
    paid = capitation(contracts, CapitationRules((("family_doctor", rate),)))
    return MethodRow("capitation", contracts.height, budget, int(paid["amount_fen"].sum()))


def other_methods(stays: pl.DataFrame, tables: SimTables, cols: RequestColumns,
                  result: BatchResult) -> tuple[MethodRow, ...]:
    """Per-diem, capitation and fee-for-service beside DRG, budget-neutral per method."""
    long = stays.filter(pl.col("payment_method") == "per_diem").select(
        "los_days", "fund_pay_fen", (pl.col("medfee_sumamt") - pl.col("fund_pay_fen"))
        .alias("other_pay_fen"), "medfee_sumamt")
    v = result.values
    visits = tables.visits.select("visit", "psn_no", "fixmedins_code", "hosp_lv").with_columns(
        med=pl.Series(cols.med), local=pl.Series(cols.offsite == 0),
        employee=pl.Series(cols.employee), fund_pay_fen=pl.Series(v["hifp_pay"]))
    outpatient = visits.filter(pl.col("local") & (pl.col("med") != 2))
    family = pl.col("hosp_lv").cast(pl.String).eq(CAPITATION_LEVEL) & (pl.col("med") == 0) \
        & ~pl.col("employee")
    itemised = fee_for_service(outpatient.filter(~family).rename({"fixmedins_code": "hospital"}))
    rows = (_per_diem(long), _capitation(outpatient.filter(family)),
            MethodRow("fee_for_service", int(itemised["claims"].sum()),
                      int(itemised["fund_pay_fen"].sum()), int(itemised["amount_fen"].sum())))
    return rows


@dataclass(frozen=True, slots=True)
class YearPayment:
    """What the payment step found: groups, the point settlement and the evaluation."""

    cases: pl.DataFrame  # conformed local cases with their points
    settlement: PointSettlement
    cmi: dict[str, Decimal]
    evaluation: dict[str, Any]
    drg_share: Decimal  # `payment.share.non_itemised_share` of the year
    methods: tuple[MethodRow, ...]  # the regional budget by payment method
    status_counts: dict[str, int]
    names: dict[str, str]  # institution code → name
    stay_drg: pl.DataFrame  # `mdtrt_id, drg` of every stay, grouped as coded
    lists: pl.DataFrame  # every stay's list, group, trace and method (`stay_lists`)


#: The settlement-list fields a stored list (`list_json`) of the year job carries.
LIST_FIELDS = ("mdtrt_id", "psn_no", "fixmedins_code", "gender", "age", "age_days",
               "weight_g", "los_days", "dscg_way", "principal_diagnosis", "secondary_diagnoses",
               "procedures", "icu_hours", "vent_hours", "adm_time", "dscg_time")


def stay_lists(rules: RulePack, stays: pl.DataFrame, layout: pl.DataFrame,
               grouped: pl.DataFrame) -> pl.DataFrame:
    """Every stay's settlement list as the store keeps one: the list (JSON), its DRG group
    with the grouper's trace (a JSON array of steps, as 4101A keeps it) and its payment
    method (`payment.share.stay_method`)."""
    traces = [canonical_json(list(steps))
              for steps in case_traces(rules.pack, layout, grouped["drg"])]
    fields = [f for f in LIST_FIELDS if f in stays.columns]
    return stays.select(
        "mdtrt_id", "fixmedins_code", "mdc", "adrg", "drg", "status", "payment_method",
        pl.struct(fields).struct.json_encode().alias("list_json"),
    ).with_columns(pl.Series("trace_json", traces, dtype=pl.Utf8))


def pay_year(tables: SimTables, cols: RequestColumns, result: BatchResult,
             budget_fen: int | None = None) -> YearPayment:
    """Group all stays, pay the local ones by DRG points (`yibao.sim.payment`), evaluate the
    grouping."""
    rules = load_rules()
    grouped = group_stays(rules, tables, cols)
    stays = settled_stays(grouped.stays, result)
    drg = pay_drg(stays, budget_fen)
    all_cost = int(np.asarray(result.values["medfee_sumamt"])[cols.med == 2].sum())
    methods = other_methods(stays, tables, cols, result)
    non_itemised = int(stays.filter(pl.col("payment_method").is_in(NON_ITEMISED))
                       ["medfee_sumamt"].sum())
    return YearPayment(
        cases=drg.points, settlement=drg.settlement, cmi=cmi(drg.cases, drg.weights),
        evaluation=evaluation(drg.cases), methods=methods,
        drg_share=non_itemised_share(non_itemised, all_cost),
        status_counts=dict(stays["status"].value_counts().iter_rows()),
        names=dict(tables.institutions.select("fixmedins_code", "fixmedins_name").iter_rows()),
        stay_drg=stays.select("mdtrt_id", "drg"),
        lists=stay_lists(rules, stays, grouped.layout, grouped.grouped))


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
            "splits_separating": report["splits_separating"], "splits": len(report["splits"]),
            "methods": method_table(payment)}


def method_table(payment: YearPayment) -> list[dict[str, Any]]:
    """The regional budget by payment method: DRG first, then the others."""
    s = payment.settlement
    drg = {"method": "drg", "name": METHODS["drg"], "units": payment.cases.height,
           "budget": from_fen(s.budget_fen), "paid": from_fen(sum(h.amount_fen
                                                                 for h in s.hospitals))}
    return [drg] + [{"method": m.method, "name": METHODS[m.method], "units": m.units,
                     "budget": from_fen(m.budget_fen), "paid": from_fen(m.paid_fen)}
                    for m in payment.methods]
