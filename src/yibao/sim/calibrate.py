"""The calibration check: settle the simulated year with the batch engine and compute the
indicators the profile's targets name (docs/sim.md §Calibration).

- insured: persons by scheme;
- fund income: contributions to the basic funds (`funding.basic_fund_income_fen`);
- fund expenditure: Σ hifp + hifmi + hifob + acct over the year;
- in-policy inpatient ratios: employees Σ(hifp + hifob) / Σ inscp over their stays, residents
  Σ(hifp + hifmi) / Σ inscp over theirs;
- offsite direct settlements: visits outside the region with a filing (filed, referral,
  temporary), their count and Σ medfee;
- fund by fund, the current ratio (当期收支率 = expenditure ÷ income) as the ledger posts them:
  the resident pooling fund pays its stays (hifp) and the serious-illness premiums out of the
  residents' shares, the aid-paid shares and the subsidies; the employee fund, pooling and
  personal accounts together, pays its stays (hifp) and the account payments out of the
  employers' and employees' contributions (the retirees' account credit moves money inside it).
  This is the settlements' side only (`yibao sim --check`); the year job, which also pays the
  hospitals, takes these two rows from its ledger as `yibao fund analyze` reports them, the DRG
  year-end clearing included (`jobs/year.py` `ledger_fund_ratios`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import polars as pl

from yibao.core.money import to_fen
from yibao.indicators.table import YearFacts, indicator_values, ratio
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
    resident_fund_ratio: float = 0.0
    employee_fund_ratio: float = 0.0

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
        visits=cols.size, inpatient_stays=int(values["inpatient_stays"]),
        **fund_ratios(contrib, cols, result))


def _sum(contrib: pl.DataFrame, *names: str) -> int:
    return int(contrib.select(pl.sum_horizontal(*(f"{n}_fen" for n in names)).sum()).item())


def fund_ratios(contrib: pl.DataFrame, cols: RequestColumns, result: BatchResult
                ) -> dict[str, float]:
    """The current ratio of the resident pooling fund and of the employee fund (module doc)."""
    pool = np.asarray(result.values["hifp_pay"], dtype=np.int64)
    account = np.asarray(result.values["acct_pay"], dtype=np.int64)
    employee = cols.employee
    resident_out = int(pool[~employee].sum()) + _sum(contrib, "serious_illness")
    resident_in = _sum(contrib, "individual", "assistance", "subsidy_central",
                       "subsidy_provincial", "subsidy_local")
    employee_out = int(pool[employee].sum()) + int(account[employee].sum())
    employee_in = _sum(contrib, "employer_to_pool", "employer_to_account", "employee_to_pool",
                       "employee_to_account")
    return {"resident_fund_ratio": float(ratio(resident_out, resident_in)),
            "employee_fund_ratio": float(ratio(employee_out, employee_in))}


def settle_year(cols: RequestColumns) -> BatchResult:
    return settle_columns(cols)


#: The calibrated figures and their unit: 1 a count, 100 money in fen, 0 a ratio.
CALIBRATED: tuple[tuple[str, int], ...] = (
    ("insured", 1), ("employees", 1), ("residents", 1), ("fund_income_yuan", 100),
    ("fund_expenditure_yuan", 100), ("employee_inpatient_ratio", 0),
    ("resident_inpatient_ratio", 0), ("offsite_settlements", 1), ("offsite_medfee_yuan", 100),
    ("resident_fund_ratio", 0), ("employee_fund_ratio", 0))


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
