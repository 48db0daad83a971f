"""Waiting periods (待遇等待期) for late or broken resident enrollment, facts/policy.md §1.1.

From 2025 (国办发〔2024〕38号 [V]): a resident who enrols outside the concentrated enrollment
period (集中参保期) or after a break waits a fixed 3 months (固定待遇等待期) before benefits are
paid; each year of break adds 1 month (变动待遇等待期); each extra year of contribution paid later
removes 1 month of the variable part. No waiting period for newborns and the low-income groups
(Shanxi 2021 [V]), nor for a transfer between regions, which keeps continuity (转移接续).

Modelling choices, named here because no source fixes them:
- enrolling "on time" means coverage starts on 1 January of the year (the concentrated period
  closes before the year begins); a later `start_date` is a late enrollment;
- a year counts as covered when the person had a non-lapsed enrollment in any scheme and region
  (moving from the employee scheme to the resident scheme is therefore continuous);
- the break is counted back to the last covered year; a person never enrolled before has no
  known break: enrolling on time they do not wait, enrolling late they wait the fixed part only;
- the employee scheme (310) has no waiting period here, and neither do years before 2025.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Final

from yibao.policy.model import GROUPS

WAITING_FROM_YEAR: Final = 2025
FIXED_MONTHS: Final = 3
MONTHS_PER_GAP_YEAR: Final = 1
#: Groups that never wait: the assistance groups (低收入人口, Shanxi 2021 [V]).
EXEMPT_GROUPS: Final = GROUPS


@dataclass(frozen=True, slots=True)
class WaitingPeriod:
    """The fixed and variable months and why (zh-CN, shown to the clerk)."""

    fixed_months: int
    variable_months: int
    reason: str

    @property
    def months(self) -> int:
        return self.fixed_months + self.variable_months


NONE: Final = WaitingPeriod(0, 0, "无等待期")


def add_months(day: date, months: int) -> date:
    """`day` moved `months` calendar months later, clamped to the end of a shorter month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def gap_years(year: int, covered_years: Iterable[int]) -> int:
    """Whole years without coverage between the last covered year before `year` and `year`."""
    earlier = [y for y in covered_years if y < year]
    return year - 1 - max(earlier) if earlier else 0


def waiting_period(
    *,
    scheme: str,
    year: int,
    start_date: date,
    birth_date: date,
    covered_years: frozenset[int],
    groups: frozenset[str] = frozenset(),
    repair_years: int = 0,
) -> WaitingPeriod:
    """The waiting period of a new enrollment (not a transfer) starting on `start_date`."""
    if scheme != "390" or year < WAITING_FROM_YEAR:
        return NONE
    if birth_date.year >= year - 1:
        return WaitingPeriod(0, 0, "新生儿免等待期")
    if groups & EXEMPT_GROUPS:
        return WaitingPeriod(0, 0, "困难人群免等待期")
    on_time = start_date <= date(year, 1, 1)
    gap = gap_years(year, covered_years)
    if on_time and gap == 0:
        return NONE
    variable = max(0, gap * MONTHS_PER_GAP_YEAR - max(0, repair_years))
    why = f"断保 {gap} 年" if gap else "集中参保期外参保"
    if variable:
        why += f"，变动等待期 {variable} 个月"
        if repair_years:
            why += f"（补缴 {repair_years} 年抵减）"
    return WaitingPeriod(FIXED_MONTHS, variable, why)
