"""The insured population by single year of age, sex and group, and its yearly step.

Groups: residents (居民), employees in service (在职职工) and retired employees (退休职工). Counts
are Decimal (expected persons, not rounded). One step moves the population from 1 January of a
year to 1 January of the next:

1. deaths: each age loses `count × q(sex, age)` (the scenario's mortality);
2. ageing: the survivors are one year older; the last age (`MAX_AGE`) is open;
3. migration: residents at each age reached change by the scenario's net rate;
4. retirement: employees in service at or above the retirement age become retirees;
5. entrants: `employees in service × entry_rate` residents of the entry age become employees
   (at most as many as there are);
6. births: `population at the start × birth_rate` residents of age 0, shared by sex.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from yibao.actuary.scenario import Scenario

GROUPS: Final = ("resident", "in_service", "retired")
SEXES: Final = ("M", "F")
MAX_AGE: Final = 100
ZERO: Final = Decimal(0)

Key = tuple[str, str]  # (group, sex)


@dataclass(frozen=True, slots=True)
class Cohort:
    """Counts by (group, sex), each a tuple over ages 0..MAX_AGE."""

    counts: tuple[tuple[Key, tuple[Decimal, ...]], ...]

    def of(self, group: str, sex: str) -> tuple[Decimal, ...]:
        return dict(self.counts)[(group, sex)]

    def total(self, groups: Iterable[str] = GROUPS) -> Decimal:
        wanted = set(groups)
        return sum((sum(ages, ZERO) for (g, _s), ages in self.counts if g in wanted), ZERO)

    def by_band(self, group: str, bands: tuple[int, ...]) -> tuple[Decimal, ...]:
        """The group's counts (both sexes) in each age band (lower bounds; the last is open)."""
        out = [ZERO] * len(bands)
        for sex in SEXES:
            for age, n in enumerate(self.of(group, sex)):
                out[band_of(age, bands)] += n
        return tuple(out)


def band_of(age: int, bands: tuple[int, ...]) -> int:
    """The index of the band `age` falls in."""
    index = 0
    for i, low in enumerate(bands):
        if age >= low:
            index = i
    return index


def make_cohort(counts: Mapping[Key, Mapping[int, Decimal | int]]) -> Cohort:
    """A cohort from counts by (group, sex) and age; ages above MAX_AGE join the last age."""
    rows = []
    for group in GROUPS:
        for sex in SEXES:
            ages = [ZERO] * (MAX_AGE + 1)
            for age, n in counts.get((group, sex), {}).items():
                if age < 0:
                    raise ValueError(f"negative age {age}")
                ages[min(age, MAX_AGE)] += Decimal(n)
            rows.append(((group, sex), tuple(ages)))
    return Cohort(tuple(rows))


@dataclass(frozen=True, slots=True)
class Flows:
    """What one step moved (expected persons)."""

    deaths: Decimal
    births: Decimal
    migration: Decimal
    retirements: Decimal
    entrants: Decimal


def step(cohort: Cohort, scenario: Scenario) -> tuple[Cohort, Flows]:
    """The population one year later (module docstring, steps 1–6)."""
    start = cohort.total()
    ages: dict[Key, list[Decimal]] = {}
    deaths = ZERO
    for key, counts in cohort.counts:
        out = [ZERO] * (MAX_AGE + 1)
        for age, n in enumerate(counts):
            died = n * scenario.mortality(key[1], age)
            deaths += died
            out[min(age + 1, MAX_AGE)] += n - died
        ages[key] = out
    migration = ZERO
    for sex in SEXES:
        residents = ages[("resident", sex)]
        for age, n in enumerate(residents):
            moved = n * scenario.migration.at(age)
            residents[age] = n + moved
            migration += moved
    retirements = ZERO
    for sex in SEXES:
        limit = scenario.retirement_age_male if sex == "M" else scenario.retirement_age_female
        working, retired = ages[("in_service", sex)], ages[("retired", sex)]
        for age in range(limit, MAX_AGE + 1):
            retired[age] += working[age]
            retirements += working[age]
            working[age] = ZERO
    entry = scenario.entry_age
    available = sum((ages[("resident", sex)][entry] for sex in SEXES), ZERO)
    in_service = sum((sum(ages[("in_service", sex)], ZERO) for sex in SEXES), ZERO)
    entrants = min(in_service * scenario.entry_rate, available)
    if entrants > 0:
        for sex in SEXES:
            moved = entrants * ages[("resident", sex)][entry] / available
            ages[("resident", sex)][entry] -= moved
            ages[("in_service", sex)][entry] += moved
    births = start * scenario.birth_rate
    boys = births * scenario.male_share_at_birth
    ages[("resident", "M")][0] += boys
    ages[("resident", "F")][0] += births - boys
    after = Cohort(tuple((key, tuple(ages[key])) for key, _ in cohort.counts))
    return after, Flows(deaths, births, migration, retirements, entrants)
