"""Waiting periods (待遇等待期) follow facts/policy.md §1.1 from 2025: none for continuous,
on-time, newborn or low-income enrollment; 3 fixed months when late or after a break, plus one
month per year of break, less one per year repaired; none for employees or before 2025."""

from __future__ import annotations

from datetime import date

import pytest

from yibao.enroll.waiting import add_months, gap_years, waiting_period

ADULT = date(1980, 5, 1)

CASES = [
    # (scheme, year, start, birth, covered years, groups, repair) → (fixed, variable)
    ("390", 2025, date(2025, 1, 1), ADULT, {2024}, set(), 0, (0, 0)),       # continuous, on time
    ("390", 2025, date(2025, 1, 1), ADULT, set(), set(), 0, (0, 0)),        # first time, on time
    ("390", 2025, date(2025, 3, 15), ADULT, {2024}, set(), 0, (3, 0)),      # late
    ("390", 2025, date(2025, 3, 15), ADULT, set(), set(), 0, (3, 0)),       # first time, late
    ("390", 2025, date(2025, 1, 1), ADULT, {2023}, set(), 0, (3, 1)),       # one year of break
    ("390", 2025, date(2025, 1, 1), ADULT, {2020}, set(), 0, (3, 4)),       # four years
    ("390", 2025, date(2025, 1, 1), ADULT, {2020}, set(), 3, (3, 1)),       # three repaired
    ("390", 2025, date(2025, 1, 1), ADULT, {2020}, set(), 9, (3, 0)),       # over-repaired
    ("390", 2025, date(2025, 6, 1), date(2024, 11, 2), set(), set(), 0, (0, 0)),  # newborn
    ("390", 2025, date(2025, 6, 1), ADULT, {2021}, {"dibao"}, 0, (0, 0)),   # low-income group
    ("310", 2025, date(2025, 6, 1), ADULT, {2021}, set(), 0, (0, 0)),       # employee scheme
    ("390", 2024, date(2024, 6, 1), ADULT, {2020}, set(), 0, (0, 0)),       # before 2025
]


@pytest.mark.parametrize(
    ("scheme", "year", "start", "birth", "covered", "groups", "repair", "expected"), CASES)
def test_waiting_period_table(
    scheme: str, year: int, start: date, birth: date, covered: set[int], groups: set[str],
    repair: int, expected: tuple[int, int],
) -> None:
    wait = waiting_period(scheme=scheme, year=year, start_date=start, birth_date=birth,
                          covered_years=frozenset(covered), groups=frozenset(groups),
                          repair_years=repair)
    assert (wait.fixed_months, wait.variable_months) == expected
    assert wait.months == sum(expected) and wait.reason


@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2025, 3, 15), 4, date(2025, 7, 15)),
    (date(2025, 1, 31), 1, date(2025, 2, 28)),
    (date(2024, 11, 30), 3, date(2025, 2, 28)),
    (date(2024, 12, 31), 14, date(2026, 2, 28)),
    (date(2025, 5, 5), 0, date(2025, 5, 5)),
])
def test_add_months_clamps_to_month_end(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


def test_gap_counts_back_to_the_last_covered_year() -> None:
    assert gap_years(2025, {2019, 2022}) == 2
    assert gap_years(2025, {2024, 2026}) == 0
    assert gap_years(2025, set()) == 0
