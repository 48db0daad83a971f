"""The calibration check: settle the simulated year with the batch engine and compute the
indicators the profile's targets name (docs/sim.md §Calibration).

- insured: persons by scheme;
- fund income: contributions to the basic funds (`funding.basic_fund_income_fen`);
- fund expenditure: Σ hifp + hifmi + hifob + acct over the year;
- in-policy inpatient ratios: employees Σ(hifp + hifob) / Σ inscp over their stays, residents
  Σ(hifp + hifmi) / Σ inscp over theirs;
- offsite direct settlements: visits outside the region with a filing (filed, referral,
  temporary), their count and Σ medfee.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import polars as pl

from yibao.core.money import to_fen
from yibao.indicators.table import YearFacts, indicator_values
from yibao.settle.batch import BatchResult, settle_columns
from yibao.settle.columns import RequestColumns
from yibao.sim.funding import basic_fund_income_fen


@dataclass(frozen=True, slots=True)
class Indicators:
    insured: int
    employees: int
    residents: int
    fund_income_fen: int
    fund_expenditure_fen: int
    employee_inpatient_ratio: float
    resident_inpatient_ratio: float
    offsite_settlements: int
    offsite_medfee_fen: int
    visits: int
    inpatient_stays: int

    def as_dict(self) -> dict[str, float | int]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def indicators(persons: pl.DataFrame, contrib: pl.DataFrame, visits: pl.DataFrame,
               cols: RequestColumns, result: BatchResult) -> Indicators:
    """The calibrated indicators, by the definitions of `yibao.indicators.table`."""
    employees = int((persons["insutype"] == "310").sum())
    facts = YearFacts(
        year=0, insured_employee=employees, insured_resident=persons.height - employees,
        fund_income_fen=basic_fund_income_fen(contrib),
        income_by_month_fen=np.zeros(12, dtype=np.int64), employee=cols.employee, med=cols.med,
        lv=cols.lv, offsite=cols.offsite, groups=cols.groups,
        month=np.ones(cols.size, dtype=np.int64), values=result.values)
    values = indicator_values(facts)
    return Indicators(
        insured=persons.height, employees=employees, residents=persons.height - employees,
        fund_income_fen=facts.fund_income_fen,
        fund_expenditure_fen=to_fen(Decimal(values["fund_expenditure"])),
        employee_inpatient_ratio=float(values["inpatient_inscp_ratio_employee"]),
        resident_inpatient_ratio=float(values["inpatient_inscp_ratio_resident"]),
        offsite_settlements=int(values["offsite_direct_settlements"]),
        offsite_medfee_fen=to_fen(Decimal(values["offsite_direct_amount"])),
        visits=cols.size, inpatient_stays=int(values["inpatient_stays"]))


def settle_year(cols: RequestColumns) -> BatchResult:
    return settle_columns(cols)


#: The calibrated figures and their unit: 1 a count, 100 money in fen, 0 a ratio.
CALIBRATED: tuple[tuple[str, int], ...] = (
    ("insured", 1), ("employees", 1), ("residents", 1), ("fund_income_yuan", 100),
    ("fund_expenditure_yuan", 100), ("employee_inpatient_ratio", 0),
    ("resident_inpatient_ratio", 0), ("offsite_settlements", 1), ("offsite_medfee_yuan", 100))


def compare(found: Indicators, targets: dict[str, object], scale: float) -> list[dict[str, object]]:
    """Each target next to the simulated value (counts and money scaled back to 1.0)."""
    rows = []
    for key, unit in CALIBRATED:
        if key not in targets:
            continue
        name = key.replace("_yuan", "_fen")
        value = getattr(found, name)
        simulated = float(value) if unit == 0 else value / unit / scale
        target = float(str(targets[key]))
        error = simulated - target if unit == 0 else simulated / target - 1
        rows.append({"indicator": key, "target": target, "simulated": simulated,
                     "error": error, "kind": "points" if unit == 0 else "relative"})
    return rows
