"""Enrollments (参保登记) and contributions (缴费) of the year, in integer fen.

The arithmetic is `yibao.enroll.contributions.contribution_for` over whole columns: resident flat
individual share (part paid by 医疗救助 for assistance groups) plus the fiscal subsidy split three
ways; employees in service pay rates on their wage base, twelve months; retirees get the monthly
account credit. Half-up rounding to the fen at each step, as there.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import numpy.typing as npt
import polars as pl

from yibao.core.money import to_fen
from yibao.policy.contributions import Contributions
from yibao.policy.model import Policy

I64 = npt.NDArray[np.int64]
MONTHS = 12


def _e4(value: Decimal) -> int:
    return int(value * 10_000)


def _fen(value: Decimal) -> int:
    return int(value * 100)


def _mul(amount: I64, ratio_e4: int | I64) -> I64:
    """amount × ratio, half up to the fen (amounts ≥ 0)."""
    return (amount * ratio_e4 + 5_000) // 10_000


def enrollments(persons: pl.DataFrame, region: str, year: int) -> pl.DataFrame:
    return persons.select(
        "psn_no", "id_number", "insutype", "psn_type",
        pl.lit(region).alias("insuplc_admdvs"), pl.lit(year).alias("year"),
        pl.lit(np.datetime64(f"{year}-01-01")).alias("start_date"),
        pl.lit(MONTHS).alias("months"))


def contributions(persons: pl.DataFrame, rules: Contributions, year: int) -> pl.DataFrame:
    """One row per person: every contribution field of `Contribution` in fen (0 when n/a)."""
    n = persons.height
    kind = persons["psn_type"].to_numpy()
    resident, in_service = kind == "resident", kind == "in_service"
    zero = np.zeros(n, dtype=np.int64)
    cols: dict[str, I64] = {}
    res = rules.resident
    if res is not None:
        due = np.where(resident, _fen(res.individual), 0)
        shares = dict(rules.assistance)
        share = persons["groups"].replace_strict(
            {g: _e4(s) for g, s in shares.items()}, default=0, return_dtype=pl.Int64).to_numpy()
        aid = _mul(due, share)
        subsidy = np.where(resident, _fen(res.subsidy), 0)
        # Cumulative rounding, as enroll/contributions.py does: no level's share is negative.
        central = _mul(subsidy, _e4(res.subsidy_split.central))
        up_to_provincial = _mul(subsidy, _e4(res.subsidy_split.central)
                                + _e4(res.subsidy_split.provincial))
        cols |= {"individual": due - aid, "assistance": aid, "subsidy_central": central,
                 "subsidy_provincial": up_to_provincial - central,
                 "subsidy_local": subsidy - up_to_provincial,
                 "serious_illness": np.where(resident, _fen(res.serious_illness_per_capita), 0)}
    emp = rules.employee
    if emp is not None:
        wage = persons["wage_base_fen"].to_numpy()
        employer = np.where(in_service, _mul(wage, _e4(emp.employer_rate)) * MONTHS, 0)
        employee = np.where(in_service, _mul(wage, _e4(emp.employee_rate)) * MONTHS, 0)
        er_acct = _mul(employer, _e4(emp.employer_to_account))
        ee_acct = _mul(employee, _e4(emp.employee_to_account))
        cols |= {"employer_to_pool": employer - er_acct, "employer_to_account": er_acct,
                 "employee_to_pool": employee - ee_acct, "employee_to_account": ee_acct,
                 "retiree_credit": np.where(kind == "retired",
                                            _fen(emp.retiree_account_monthly) * MONTHS, 0)}
    names = ("individual", "assistance", "subsidy_central", "subsidy_provincial", "subsidy_local",
             "serious_illness", "employer_to_pool", "employer_to_account", "employee_to_pool",
             "employee_to_account", "retiree_credit")
    return persons.select("psn_no", "insutype", "psn_type", "groups").with_columns(
        pl.lit(year).alias("year"),
        *(pl.Series(f"{name}_fen", cols.get(name, zero), dtype=pl.Int64) for name in names))


def basic_fund_income_fen(contrib: pl.DataFrame) -> int:
    """Contributions to the basic funds: resident shares, aid-paid shares and subsidies; employer
    and employee contributions (pooling and personal accounts)."""
    names = ("individual", "assistance", "subsidy_central", "subsidy_provincial", "subsidy_local",
             "employer_to_pool", "employer_to_account", "employee_to_pool", "employee_to_account")
    return int(contrib.select(pl.sum_horizontal(*(f"{n}_fen" for n in names)).sum()).item())


def funding_fen(persons: pl.DataFrame, policy: Policy) -> dict[str, int]:
    """The year's funding (`fund.events.FUNDING_LINES` fields): per-person amounts of the
    policy's `[fund]` times the employees, civil servants and insured residents."""
    rules = policy.fund
    if rules is None:
        return {}
    employees = persons.filter(pl.col("insutype") == "310")
    civil = int(employees["civil_servant"].sum())
    return {"large_expense": to_fen(rules.large_expense_per_employee) * employees.height,
            "civil_servant": to_fen(rules.civil_servant_per_person) * civil,
            "assistance": to_fen(rules.assistance_per_resident)
            * (persons.height - employees.height)}
