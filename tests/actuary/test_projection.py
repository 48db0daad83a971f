"""The projection on a hand-built cohort: two age bands, three years, every figure worked out by
hand below (not copied from the code); the cohort step; the levels taken from the bureau's
thresholds (the levels at each threshold ± 1 fen are tested with `fund.analysis`)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import polars as pl
import pytest

from yibao.actuary.base import funding_shares
from yibao.actuary.cohort import make_cohort, step
from yibao.actuary.projection import Base, Rates, project, rates_by_year
from yibao.actuary.scenario import FUNDS, parse_scenario
from yibao.fund.analysis import ratio_text
from yibao.fund.thresholds import Thresholds

D = Decimal
# Two cost bands: 0–59 and 60+. Men die at 10 % a year below 60 and 20 % from 60; women never.
# No births, no migration, no entrants; resident cost +10 % a year; wages flat.
SCENARIO = parse_scenario("""
[population]
birth_rate = "0"
[population.mortality]
bands = [0, 60]
male = ["0.1", "0.2"]
female = ["0", "0"]
[employees]
entry_rate = "0"
wage_growth = "0"
[growth]
resident_cost = "0.10"
resident_utilisation = "0"
employee_cost = "0"
employee_utilisation = "0"
[contributions]
resident_subsidy_step = "0"
""", "hand.toml")

# 1 January 2020: 100 resident men aged 59, 200 resident women aged 30, 50 employed men aged 40.
COHORT = make_cohort({("resident", "M"): {59: 100}, ("resident", "F"): {30: 200},
                      ("in_service", "M"): {40: 50}})
# Per person-year (fen): residents cost the resident pool 100 yuan below 60 and 300 yuan from 60,
# and the assistance fund 10 yuan below 60 and 50 yuan from 60; an employee costs the employee
# pool 200 yuan. Mean wage base 1,000 yuan a month; a fifth of the employees are civil servants;
# the assistance fund pays a tenth of the residents' individual shares (资助参保).
BASE = Base("511623", 2020, COHORT, (0, 60),
            ((("resident", "resident_pool"), (D(10_000), D(30_000))),
             (("resident", "assistance"), (D(1_000), D(5_000))),
             (("in_service", "employee_pool"), (D(20_000), D(20_000)))), D(100_000),
            D("0.2"), D("0.1"))
# Every year: residents pay 50 + subsidy 100 = 150 yuan; employer 6 % to pool, employee 2 % to
# the personal account; no large-expense premium, 600 yuan per civil servant, 30 yuan of
# assistance per resident.
RATES = Rates(D(50), D(100), D(0), D("0.06"), D("0.02"), D(1), D(0), D(0), D(0), D(600), D(30))
OPENING = dict.fromkeys(FUNDS, 0)


# Population:
#   2020: residents 100 (M59, band 0) + 200 (F30) = 300; employees 50.
#   2021: men 59 → 60: 100 − 100 × 0.1 = 90 (band 1); women 200 (F31); residents 290.
#         employees 50 − 50 × 0.1 = 45.
#   2022: men 60 → 61: 90 − 90 × 0.2 = 72; residents 272; employees 45 − 4.5 = 40.5.
# Resident pool (yuan):
#   2020 income 300 × 150 = 45,000; spending 300 × 100 = 30,000; closing 0 + 15,000 = 15,000;
#        months 15,000 ÷ (30,000 ÷ 12) = 6.0000 → reasonable (6 is the lower edge).
#   2021 income 290 × 150 = 43,500; spending (200 × 100 + 90 × 300) × 1.1 = 51,700;
#        closing 15,000 + 43,500 − 51,700 = 6,800; months 6,800 × 12 ÷ 51,700 = 1.57833 → 1.5783.
#   2022 income 272 × 150 = 40,800; spending (200 × 100 + 72 × 300) × 1.1² = 41,600 × 1.21
#        = 50,336; closing 6,800 + 40,800 − 50,336 = −2,736 (exhausted in 2022);
#        months −2,736 × 12 ÷ 50,336 = −0.65226 → −0.6523.
# Employee pool: income employees × 1,000 × 12 × 6 % = 720 each; spending 200 each.
#   2020 36,000 / 10,000 → 26,000 (31.2000 months); 2021 32,400 / 9,000 → 49,400 (65.8667);
#   2022 29,160 / 8,100 → 70,460 (104.3852: 70,460 × 12 ÷ 8,100 = 104.38518…).
# Personal account: income employees × 1,000 × 12 × 2 % = 240 each, no spending (no months).
# Civil servant: income employees × 0.2 × 600 = 120 each, no spending: 50 → 6,000; 45 → 5,400,
#   closing 11,400; 40.5 → 4,860, closing 16,260.
# Assistance: income residents × 30; spending benefits (growing as the resident pool's) plus
#   资助参保 residents × 50 × 0.1 = 5 each.
#   2020 income 300 × 30 = 9,000; spending 300 × 10 + 300 × 5 = 4,500; closing 4,500;
#        months 4,500 × 12 ÷ 4,500 = 12.0000 → high (9–15).
#   2021 income 290 × 30 = 8,700; spending (200 × 10 + 90 × 50) × 1.1 + 290 × 5 = 7,150 + 1,450
#        = 8,600; closing 4,500 + 8,700 − 8,600 = 4,600; months 55,200 ÷ 8,600 = 6.41860… →
#        6.4186, reasonable.
#   2022 income 272 × 30 = 8,160; spending (200 × 10 + 72 × 50) × 1.21 + 272 × 5 = 6,776 + 1,360
#        = 8,136; closing 4,600 + 8,160 − 8,136 = 4,624; months 55,488 ÷ 8,136 = 6.82005… →
#        6.8201, reasonable.
CASES = [
    ("resident_pool", 2020, "45000.00", "30000.00", "15000.00", "6.0000", "reasonable"),
    ("resident_pool", 2021, "43500.00", "51700.00", "6800.00", "1.5783", "insufficient"),
    ("resident_pool", 2022, "40800.00", "50336.00", "-2736.00", "-0.6523", "insufficient"),
    ("employee_pool", 2020, "36000.00", "10000.00", "26000.00", "31.2000", "excess"),
    ("employee_pool", 2021, "32400.00", "9000.00", "49400.00", "65.8667", "excess"),
    ("employee_pool", 2022, "29160.00", "8100.00", "70460.00", "104.3852", "excess"),
    ("personal_account", 2020, "12000.00", "0.00", "12000.00", None, ""),
    ("personal_account", 2021, "10800.00", "0.00", "22800.00", None, ""),
    ("personal_account", 2022, "9720.00", "0.00", "32520.00", None, ""),
    ("civil_servant", 2020, "6000.00", "0.00", "6000.00", None, ""),
    ("civil_servant", 2021, "5400.00", "0.00", "11400.00", None, ""),
    ("civil_servant", 2022, "4860.00", "0.00", "16260.00", None, ""),
    ("large_expense", 2022, "0.00", "0.00", "0.00", None, ""),
    ("assistance", 2020, "9000.00", "4500.00", "4500.00", "12.0000", "high"),
    ("assistance", 2021, "8700.00", "8600.00", "4600.00", "6.4186", "reasonable"),
    ("assistance", 2022, "8160.00", "8136.00", "4624.00", "6.8201", "reasonable"),
]


@pytest.fixture(scope="module")
def projection():  # type: ignore[no-untyped-def]
    return project(BASE, {2020: RATES}, 2, SCENARIO, OPENING)


@pytest.mark.parametrize(("fund", "year", "income", "spent", "closing", "months", "level"), CASES)
def test_hand_built_cohort(projection, fund: str, year: int, income: str, spent: str,  # type: ignore[no-untyped-def]
                           closing: str, months: str | None, level: str) -> None:
    row = next(r for r in projection.of(fund) if r.year == year)
    assert (D(row.income_fen) / 100, D(row.expenditure_fen) / 100, D(row.closing_fen) / 100) \
        == (D(income), D(spent), D(closing))
    assert ratio_text(row.months) == months and row.level == level


def test_population_and_exhaustion(projection) -> None:  # type: ignore[no-untyped-def]
    assert [(p.year, p.residents, p.in_service) for p in projection.population] == [
        (2020, D(300), D(50)), (2021, D(290), D(45)), (2022, D(272), D("40.5"))]
    assert [(p.flows.deaths) for p in projection.population] == [D(0), D(15), D("22.5")]
    assert dict(projection.exhausted) == dict.fromkeys(FUNDS) | {"resident_pool": 2022}


def test_the_cohort_step_moves_births_retirements_and_entrants() -> None:
    scenario = parse_scenario("""
[population]
birth_rate = "0.01"
male_share_at_birth = "0.5268"
[population.mortality]
bands = [0]
male = ["0"]
female = ["0"]
[population.migration]
bands = [0, 30]
rates = ["0", "-0.5"]
[employees]
retirement_age_female = 55
entry_age = 25
entry_rate = "0.1"
""")
    # 1,000 persons: 880 resident women aged 24, 100 resident men aged 40, 20 employed women 54.
    cohort = make_cohort({("resident", "F"): {24: 880}, ("resident", "M"): {40: 100},
                          ("in_service", "F"): {54: 20}})
    after, flows = step(cohort, scenario)
    # Births 1,000 × 1 % = 10 (boys 5.268); the men turn 41 and half of them leave (−50);
    # the women of 54 turn 55 and retire (20); then 0 employees × 10 % = 0 entrants.
    assert (flows.births, flows.migration, flows.retirements, flows.entrants) == (
        D("10.00"), D(-50), D(20), D(0))
    assert after.of("resident", "M")[0] == D("5.2680") and after.of("resident", "F")[0] == D(
        "4.7320")
    assert after.of("resident", "M")[41] == D(50) and after.of("retired", "F")[55] == D(20)
    # A second year: no one in service, still no entrants; residents of 25 stay residents.
    again, flows = step(after, scenario)
    assert flows.entrants == 0 and again.of("resident", "F")[26] == D(880)


def test_entrants_come_from_residents_of_the_entry_age() -> None:
    scenario = parse_scenario('[employees]\nentry_age = 25\nentry_rate = "0.1"\n'
                              '[population]\nbirth_rate = "0"\n[population.mortality]\n'
                              'bands = [0]\nmale = ["0"]\nfemale = ["0"]\n')
    cohort = make_cohort({("resident", "M"): {24: 30}, ("resident", "F"): {24: 10},
                          ("in_service", "M"): {30: 100}})
    after, flows = step(cohort, scenario)
    # 100 employees × 10 % = 10 entrants, shared 30 : 10 between the men and women now aged 25.
    assert flows.entrants == 10
    assert (after.of("in_service", "M")[25], after.of("in_service", "F")[25]) == (D("7.5"),
                                                                                D("2.5"))
    assert after.of("resident", "M")[25] == D("22.5") and after.of("resident", "F")[25] == D(
        "7.5")


@pytest.mark.parametrize(("thresholds", "resident_level_2020"), [
    (None, "reasonable"),  # 6.0000 months: 6–9 is reasonable in the shipped thresholds
    (Thresholds(low_below=D("6.5")), "low"),  # a bureau's own band moves it
])
def test_levels_come_from_the_thresholds(thresholds: Thresholds | None,
                                         resident_level_2020: str) -> None:
    projection = project(BASE, {2020: RATES}, 0, SCENARIO, OPENING, thresholds)
    (row,) = projection.of("resident_pool")
    assert (row.months, row.level) == (Fraction(6), resident_level_2020)


def test_rates_follow_the_policies_then_step_then_scenario_changes() -> None:
    scenario = parse_scenario('[contributions]\nresident_subsidy_step = "24"\n'
                              '[[policy]]\nyear = 2024\nresident_individual = "450"\n')
    known = {2021: RATES, 2022: Rates(D(60), D(110), D(0), D("0.06"), D("0.02"), D(1), D(0),
                                      D(0))}
    years = rates_by_year(known, 2021, 2024, scenario)
    assert [(y.year, y.source, y.rates.resident_individual, y.rates.resident_subsidy)
            for y in years] == [(2021, "policy", D(50), D(100)), (2022, "policy", D(60), D(110)),
                                (2023, "step", D(60), D(134)),
                                (2024, "scenario", D(450), D(158))]


def test_a_policy_without_fund_keeps_the_year_befores_funding() -> None:
    # 2021 has [fund] (600 per civil servant); 2022's policy has none, so 600 holds; 2023 gives 700.
    without = Rates(D(60), D(110), D(0), D("0.06"), D("0.02"), D(1), D(0), D(0),
                    fund_given=False)
    known = {2021: RATES, 2022: without,
             2023: Rates(D(60), D(110), D(0), D("0.06"), D("0.02"), D(1), D(0), D(0), D(40),
                         D(700), D(30))}
    years = rates_by_year(known, 2021, 2023, parse_scenario())
    assert [(y.rates.resident_individual, y.rates.civil_servant_per_person,
             y.rates.assistance_per_resident) for y in years] == [
        (D(50), D(600), D(30)), (D(60), D(600), D(30)), (D(60), D(700), D(30))]


def test_funding_shares_of_a_year() -> None:
    # 3 employees in service and 1 retiree, of whom 1 is a civil servant: 1 ÷ 4; residents'
    # individual shares 380 + 380 + 304 (a low-income resident whose 76 the assistance fund
    # pays) + 0 (特困, all 380 paid by it): aided 456 ÷ 1,520 = 0.3.
    persons = pl.DataFrame({"psn_type": ["in_service"] * 3 + ["retired", "resident"],
                            "civil_servant": [True, False, False, False, False]})
    contributions = pl.DataFrame({"individual_fen": [38_000, 38_000, 30_400, 0],
                                  "assistance_fen": [0, 0, 7_600, 38_000]})
    assert funding_shares(persons, contributions) == (D("0.25"), D("0.3"))
