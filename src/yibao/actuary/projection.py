"""Medium and long-term actuarial projection (中长期精算) of the basic funds.

For each projected year t (from the base year Y on), with the population on 1 January of t
(`cohort.step` year by year) and k = t − Y:

- per-capita benefit cost of a group, fund and age band = the base year's fund payments ÷ the
  base year's insured of that group and band, × ((1 + cost growth) × (1 + utilisation growth))^k
  of the group's scheme;
- resident contributions: residents × (individual share + fiscal subsidy) of the year's rates,
  of which residents × the serious-illness premium moves to the serious-illness fund;
- employee contributions: employees in service × base-year mean monthly wage base ×
  (1 + wage growth)^k × 12 × the rates, shared between pooling fund and personal accounts by the
  policy; retirees get 12 × the monthly account credit from the pooling fund;
- the funds the policy's `[fund]` finances (as the year job's funding does, `sim.funding`):
  large expense = employees (in service and retired) × the premium per employee; civil servant =
  employees × the base year's civil-servant share of them × the budget per civil servant;
  assistance = residents × the allocation per resident. Their benefit costs are per capita as the
  pooling funds'; the assistance fund also pays the aided residents' individual shares (资助参保):
  residents × the individual share × the base year's aided part of the residents' shares;
- each fund-year's income and expenditure are rounded half up to the fen once, as totals; the
  closing balance is opening + income − expenditure; months payable (closing ÷ (the year's
  expenditure ÷ 12)) and its level come from `yibao.fund.analysis` with the bureau's thresholds
  (`yibao.fund.thresholds`); a fund is exhausted in the first year its closing balance is below
  zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any, Final

from yibao.actuary.cohort import GROUPS, SEXES, ZERO, Cohort, Flows, band_of, step
from yibao.actuary.scenario import FUNDS, Scenario
from yibao.fund.analysis import months_level, months_payable
from yibao.fund.thresholds import Thresholds
from yibao.policy.contributions import Contributions
from yibao.policy.fund import FundRules

SCHEME_OF: Final = {"resident": "resident", "in_service": "employee", "retired": "employee"}
MONTHS: Final = 12


def fen(value: Decimal) -> int:
    """Fen, half up, of an amount already in fen."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True, slots=True)
class Rates:
    """The contribution rates of one year (yuan a person a year; ratios)."""

    resident_individual: Decimal
    resident_subsidy: Decimal
    serious_illness_per_capita: Decimal
    employer_rate: Decimal
    employee_rate: Decimal
    employee_to_account: Decimal
    employer_to_account: Decimal
    retiree_account_monthly: Decimal
    large_expense_per_employee: Decimal = ZERO  # the policy's `[fund]` (yuan a year)
    civil_servant_per_person: Decimal = ZERO
    assistance_per_resident: Decimal = ZERO
    fund_given: bool = True  # False: the policy has no `[fund]`, the year before's amounts hold


def rates_of(contributions: Contributions, fund: FundRules | None = None) -> Rates:
    """The rates of a policy's `[contributions]` and `[fund]` (a part that is absent counts as
    zero)."""
    res, emp = contributions.resident, contributions.employee
    return Rates(
        resident_individual=res.individual if res else ZERO,
        resident_subsidy=res.subsidy if res else ZERO,
        serious_illness_per_capita=res.serious_illness_per_capita if res else ZERO,
        employer_rate=emp.employer_rate if emp else ZERO,
        employee_rate=emp.employee_rate if emp else ZERO,
        employee_to_account=emp.employee_to_account if emp else ZERO,
        employer_to_account=emp.employer_to_account if emp else ZERO,
        retiree_account_monthly=emp.retiree_account_monthly if emp else ZERO,
        large_expense_per_employee=fund.large_expense_per_employee if fund else ZERO,
        civil_servant_per_person=fund.civil_servant_per_person if fund else ZERO,
        assistance_per_resident=fund.assistance_per_resident if fund else ZERO,
        fund_given=fund is not None)


@dataclass(frozen=True, slots=True)
class YearRates:
    year: int
    rates: Rates
    source: str  # "policy" (a shipped or given policy), "scenario" (a [[policy]] change), "step"


def rates_by_year(known: Mapping[int, Rates], first: int, last: int,
                  scenario: Scenario) -> tuple[YearRates, ...]:
    """Each year's rates: a known policy's, else the year before's with the scenario's resident
    steps; a scenario `[[policy]]` change of the year is laid on top. A known policy without
    `[fund]` keeps the year before's funding amounts."""
    if first not in known:
        raise ValueError(f"no contribution rates for the base year {first}")
    # `POLICY_KEYS` names only Decimal fields of `Rates`
    changes: dict[int, dict[str, Any]] = {c.year: dict(c.values) for c in scenario.policy}
    out: list[YearRates] = []
    previous = known[first]
    for year in range(first, last + 1):
        if year in known:
            rates, source = known[year], "policy"
            if not rates.fund_given and year != first:
                rates = replace(rates, fund_given=True,
                                large_expense_per_employee=previous.large_expense_per_employee,
                                civil_servant_per_person=previous.civil_servant_per_person,
                                assistance_per_resident=previous.assistance_per_resident)
        else:
            rates, source = replace(
                previous,
                resident_individual=previous.resident_individual
                + scenario.resident_individual_step,
                resident_subsidy=previous.resident_subsidy + scenario.resident_subsidy_step), "step"
        if year in changes:
            rates, source = replace(rates, **changes[year]), "scenario"
        out.append(YearRates(year, rates, source))
        previous = rates
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Base:
    """The base year: its population and per-capita benefit costs (fen a person-year)."""

    region: str
    year: int
    cohort: Cohort
    bands: tuple[int, ...]
    #: ((group, fund), per band): base-year fund payments ÷ insured, in fen
    per_capita: tuple[tuple[tuple[str, str], tuple[Decimal, ...]], ...]
    wage_fen: Decimal  # mean monthly wage base of employees in service
    civil_servant_share: Decimal = ZERO  # civil servants ÷ employees (in service and retired)
    aided_share: Decimal = ZERO  # residents' individual shares paid by the assistance fund ÷ all

    def cost(self, group: str, fund: str) -> tuple[Decimal, ...]:
        return dict(self.per_capita).get((group, fund), tuple(ZERO for _ in self.bands))


@dataclass(frozen=True, slots=True)
class Money:
    """One year's income and expenditure by fund (fen, not yet rounded), with their parts."""

    income: dict[str, Decimal]
    expenditure: dict[str, Decimal]


def growth(scenario: Scenario, group: str, years: int) -> Decimal:
    """The per-capita cost multiplier of a group's scheme after `years` years."""
    if SCHEME_OF[group] == "resident":
        yearly = (1 + scenario.resident_cost) * (1 + scenario.resident_utilisation)
    else:
        yearly = (1 + scenario.employee_cost) * (1 + scenario.employee_utilisation)
    return yearly ** years


def year_money(base: Base, cohort: Cohort, rates: Rates, years: int,
               scenario: Scenario) -> Money:
    """Income and expenditure by fund of a year `years` after the base year (module docstring)."""
    residents = cohort.total(("resident",))
    working = cohort.total(("in_service",))
    retired = cohort.total(("retired",))
    wage_bill = working * base.wage_fen * (1 + scenario.wage_growth) ** years * MONTHS
    er, ee = rates.employer_rate, rates.employee_rate
    to_account = er * rates.employer_to_account + ee * rates.employee_to_account
    retiree_credit = retired * rates.retiree_account_monthly * 100 * MONTHS
    premium = residents * rates.serious_illness_per_capita * 100
    employees = working + retired
    income = {
        "resident_pool": residents * (rates.resident_individual + rates.resident_subsidy) * 100,
        "employee_pool": wage_bill * (er + ee - to_account),
        "personal_account": wage_bill * to_account + retiree_credit,
        "serious_illness": premium,
        "large_expense": employees * rates.large_expense_per_employee * 100,
        "civil_servant": employees * base.civil_servant_share * rates.civil_servant_per_person
        * 100,
        "assistance": residents * rates.assistance_per_resident * 100,
    }
    aided = residents * rates.resident_individual * base.aided_share * 100
    expenditure = {"resident_pool": premium, "employee_pool": retiree_credit,
                   "personal_account": ZERO, "serious_illness": ZERO, "large_expense": ZERO,
                   "civil_servant": ZERO, "assistance": aided}
    for group in GROUPS:
        by_band = cohort.by_band(group, base.bands)
        factor = growth(scenario, group, years)
        for fund in FUNDS:
            cost = base.cost(group, fund)
            expenditure[fund] += sum((n * c for n, c in zip(by_band, cost, strict=True)),
                                     ZERO) * factor
    return Money(income, expenditure)


@dataclass(frozen=True, slots=True)
class FundYear:
    fund: str
    year: int
    income_fen: int
    expenditure_fen: int
    opening_fen: int
    closing_fen: int
    months: Fraction | None  # 累计结余可支付月数, exact
    level: str  # a `yibao.fund.analysis.Level` value, "" without expenditure


@dataclass(frozen=True, slots=True)
class PopulationYear:
    """The insured on 1 January of `year` and what moved them there (zero in the base year)."""

    year: int
    residents: Decimal
    in_service: Decimal
    retired: Decimal
    flows: Flows


@dataclass(frozen=True, slots=True)
class Projection:
    region: str
    base_year: int
    scenario: str
    population: tuple[PopulationYear, ...]
    rates: tuple[YearRates, ...]
    funds: tuple[FundYear, ...]
    exhausted: tuple[tuple[str, int | None], ...]  # (fund, first year with a negative balance)

    def of(self, fund: str) -> tuple[FundYear, ...]:
        return tuple(f for f in self.funds if f.fund == fund)


def opening_balances(base: Base, rates: Rates, scenario: Scenario) -> dict[str, int]:
    """Base-year opening balances: the scenario's months of the base year's expenditure."""
    spent = year_money(base, base.cohort, rates, 0, scenario).expenditure
    months = dict(scenario.balance_months)
    return {fund: fen(spent[fund] * months.get(fund, ZERO) / MONTHS) for fund in FUNDS}


def project(base: Base, known: Mapping[int, Rates], years: int, scenario: Scenario,
            opening: Mapping[str, int] | None = None,
            thresholds: Thresholds | None = None) -> Projection:
    """The base year and `years` projected years, fund by fund (module docstring)."""
    last = base.year + years
    rates = rates_by_year(known, base.year, last, scenario)
    bands = thresholds or Thresholds()
    balance = (dict(opening) if opening is not None
               else opening_balances(base, rates[0].rates, scenario))
    cohort = base.cohort
    none = Flows(ZERO, ZERO, ZERO, ZERO, ZERO)
    population = [PopulationYear(base.year, cohort.total(("resident",)),
                                 cohort.total(("in_service",)), cohort.total(("retired",)), none)]
    rows: list[FundYear] = []
    for k, year_rates in enumerate(rates):
        if k:
            cohort, flows = step(cohort, scenario)
            population.append(PopulationYear(
                year_rates.year, cohort.total(("resident",)), cohort.total(("in_service",)),
                cohort.total(("retired",)), flows))
        money = year_money(base, cohort, year_rates.rates, k, scenario)
        for fund in FUNDS:
            income, spent = fen(money.income[fund]), fen(money.expenditure[fund])
            closing = balance[fund] + income - spent
            months = months_payable(closing, spent, MONTHS)
            level = "" if months is None else months_level(months, bands).value
            rows.append(FundYear(fund, year_rates.year, income, spent, balance[fund], closing,
                                 months, level))
            balance[fund] = closing
    exhausted = tuple((fund, next((r.year for r in rows if r.fund == fund and r.closing_fen < 0),
                                  None)) for fund in FUNDS)
    return Projection(base.region, base.year, scenario.name, tuple(population), rates,
                      tuple(rows), exhausted)


def base_counts(cohort: Cohort, bands: tuple[int, ...]) -> dict[tuple[str, int], Decimal]:
    """Insured by (group, band index) — the denominators of the per-capita costs."""
    out: dict[tuple[str, int], Decimal] = {}
    for group in GROUPS:
        for sex in SEXES:
            for age, n in enumerate(cohort.of(group, sex)):
                key = (group, band_of(age, bands))
                out[key] = out.get(key, ZERO) + n
    return out
