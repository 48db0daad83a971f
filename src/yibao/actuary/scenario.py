"""The actuarial scenario (精算情景): demography, growth rates, opening balances, policy changes.

`scenario.toml` beside this module holds the defaults, each with its source or an [U] mark. A
scenario file names only what it changes; every key is validated and an error names the file, the
key and the line (`yibao.policy.loader.PolicyError`, the same errors policy files give).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any, Final

from yibao.core.money import DecimalError, parse_decimal
from yibao.policy.loader import PolicyError, Reader

DEFAULT_FILE: Final = Path(__file__).parent / "scenario.toml"
#: The keys a `[[policy]]` entry may change, and whether each is an amount (yuan) or a ratio.
POLICY_KEYS: Final = {"resident_individual": "amount", "resident_subsidy": "amount",
                      "serious_illness_per_capita": "amount", "employer_rate": "ratio",
                      "employee_rate": "ratio"}
#: The funds the contributions finance (the budget's income lines cover these).
BASIC_FUNDS: Final = ("resident_pool", "employee_pool", "personal_account", "serious_illness")
#: Every fund the projection follows: the basic funds and those the policy's `[fund]` finances.
FUNDS: Final = (*BASIC_FUNDS, "large_expense", "civil_servant", "assistance")


@dataclass(frozen=True, slots=True)
class ByAge:
    """A value per age band: `bands` are the lower bounds (years), the last band is open."""

    bands: tuple[int, ...]
    values: tuple[Decimal, ...]

    def at(self, age: int) -> Decimal:
        value = self.values[0]
        for low, v in zip(self.bands, self.values, strict=True):
            if age >= low:
                value = v
        return value


@dataclass(frozen=True, slots=True)
class PolicyChange:
    year: int
    values: tuple[tuple[str, Decimal], ...]  # (key of POLICY_KEYS, value)


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    birth_rate: Decimal
    male_share_at_birth: Decimal
    mortality_male: ByAge
    mortality_female: ByAge
    migration: ByAge
    retirement_age_male: int
    retirement_age_female: int
    entry_age: int
    entry_rate: Decimal
    wage_growth: Decimal
    resident_cost: Decimal
    employee_cost: Decimal
    resident_utilisation: Decimal
    employee_utilisation: Decimal
    resident_individual_step: Decimal
    resident_subsidy_step: Decimal
    balance_months: tuple[tuple[str, Decimal], ...]  # (fund, months of base-year expenditure)
    policy: tuple[PolicyChange, ...]
    source: str = ""

    def mortality(self, sex: str, age: int) -> Decimal:
        return (self.mortality_male if sex == "M" else self.mortality_female).at(age)


class _Read:
    """Typed values out of the merged tables; errors point at the file a key came from."""

    def __init__(self, user: Reader, user_raw: Mapping[str, Any], default: Reader) -> None:
        self.user, self.user_raw, self.default = user, user_raw, default

    def reader(self, path: tuple[str, ...]) -> Reader:
        node: Any = self.user_raw
        for key in path:
            if not isinstance(node, Mapping) or key not in node:
                return self.default
            node = node[key]
        return self.user

    def fail(self, path: tuple[str, ...], message: str, entry: int | None = None) -> PolicyError:
        if entry is not None:  # the `entry`-th [[policy]] table of the user's file
            return PolicyError(self.user.file, ".".join(path),
                               _entry_line(self.user.text, entry, path[-1]), message)
        reader = self.user if path[0] == "policy" else self.reader(path)
        return reader.fail(path, message)

    def decimal(self, raw: object, path: tuple[str, ...], places: int = 4,
                maximum: Decimal | None = None, minimum: Decimal = Decimal(0)) -> Decimal:
        try:
            return parse_decimal(raw, places=places, minimum=minimum, maximum=maximum)
        except DecimalError as err:
            raise self.fail(path, err.message) from None

    def integer(self, raw: object, path: tuple[str, ...], low: int, high: int) -> int:
        if isinstance(raw, bool) or not isinstance(raw, int) or not low <= raw <= high:
            raise self.fail(path, f"应为 {low}–{high} 的整数")
        return raw

    def by_age(self, raw: Mapping[str, Any], path: tuple[str, ...], key: str,
               minimum: Decimal = Decimal(0)) -> ByAge:
        """Rates by age band, each in [minimum, 1] with at most six places."""
        bands = raw.get("bands")
        if (not isinstance(bands, list) or not bands or bands[0] != 0
                or any(isinstance(b, bool) or not isinstance(b, int) for b in bands)
                or any(b >= c for b, c in pairwise(bands))):
            raise self.fail((*path, "bands"), "应为从 0 开始、严格递增的整数年龄下限列表")
        values = raw.get(key)
        if not isinstance(values, list) or len(values) != len(bands):
            raise self.fail((*path, key), f"应为与 bands 等长（{len(bands)} 个）的列表")
        parsed = tuple(self.decimal(v, (*path, key), 6, Decimal(1), minimum) for v in values)
        return ByAge(tuple(bands), parsed)


def _entry_line(text: str, entry: int, key: str) -> int | None:
    """The line of `key` in the `entry`-th (0-based) `[[policy]]` table, else of its header."""
    seen, header = -1, None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            if seen == entry:
                break
            if re.match(r"^\[\[\s*policy\s*\]\]", stripped):
                seen += 1
                header = number if seen == entry else header
        elif seen == entry and re.match(rf"^{re.escape(key)}\s*=", stripped):
            return number
    return header


def _merge(base: dict[str, Any], over: Mapping[str, Any], reader: Reader,
           path: tuple[str, ...] = ()) -> dict[str, Any]:
    """`base` with `over` laid on top; a key `base` does not know is refused."""
    merged = dict(base)
    for key, value in over.items():
        here = (*path, key)
        if path == () and key == "policy":
            merged[key] = value
            continue
        if key not in base:
            raise reader.fail(here, "未知的键")
        if isinstance(base[key], dict):
            merged[key] = _merge(base[key], reader.table(value, here), reader, here)
        else:
            merged[key] = value
    return merged


def _policy(read: _Read, raw: object) -> tuple[PolicyChange, ...]:
    if not isinstance(raw, list):
        raise read.fail(("policy",), "应为 [[policy]] 表数组")
    changes = []
    years: set[int] = set()
    for index, entry in enumerate(raw):
        if not isinstance(entry, Mapping):
            raise read.fail(("policy",), "应为表（table）", index)
        if isinstance(entry.get("year"), bool) or not isinstance(entry.get("year"), int) \
                or not 1990 <= entry["year"] <= 2200:
            raise read.fail(("policy", "year"), "应为 1990–2200 的整数", index)
        year = entry["year"]
        if year in years:
            raise read.fail(("policy", "year"), f"{year} 年重复", index)
        years.add(year)
        values = []
        for key, value in entry.items():
            if key == "year":
                continue
            if key not in POLICY_KEYS:
                raise read.fail(("policy", key), "未知的键", index)
            ratio = POLICY_KEYS[key] == "ratio"
            try:
                number = parse_decimal(value, places=4 if ratio else 2,
                                       maximum=Decimal(1) if ratio else None)
            except DecimalError as err:
                raise read.fail(("policy", key), err.message, index) from None
            values.append((key, number))
        changes.append(PolicyChange(year, tuple(values)))
    return tuple(sorted(changes, key=lambda c: c.year))


def parse_scenario(text: str = "", file: str = "<scenario>") -> Scenario:
    """The default scenario with `text` (a scenario file's content) laid on top."""
    default_text = DEFAULT_FILE.read_text("utf-8")
    default = Reader(str(DEFAULT_FILE.name), default_text)
    user = Reader(file, text)
    try:
        user_raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        where = re.search(r"line (\d+)", str(err))
        raise PolicyError(file, "", int(where.group(1)) if where else None,
                          f"不是有效的 TOML：{err}") from None
    raw = _merge(tomllib.loads(default_text), user_raw, user)
    read = _Read(user, user_raw, default)
    pop, emp, growth = raw["population"], raw["employees"], raw["growth"]
    contrib, balance = raw["contributions"], raw["balance"]

    def dec(table: Mapping[str, Any], path: tuple[str, ...], places: int = 4,
            maximum: Decimal | None = None) -> Decimal:
        return read.decimal(table[path[-1]], path, places, maximum)

    name = raw["scenario"]["name"]
    if not isinstance(name, str) or not name.strip():
        raise read.fail(("scenario", "name"), "应为非空字符串")
    male_age = read.integer(emp["retirement_age_male"], ("employees", "retirement_age_male"),
                            40, 80)
    female_age = read.integer(emp["retirement_age_female"],
                              ("employees", "retirement_age_female"), 40, 80)
    return Scenario(
        name=name,
        birth_rate=dec(pop, ("population", "birth_rate"), 6, Decimal(1)),
        male_share_at_birth=dec(pop, ("population", "male_share_at_birth"), 4, Decimal(1)),
        mortality_male=read.by_age(pop["mortality"], ("population", "mortality"), "male"),
        mortality_female=read.by_age(pop["mortality"], ("population", "mortality"), "female"),
        migration=read.by_age(pop["migration"], ("population", "migration"), "rates",
                              Decimal(-1)),
        retirement_age_male=male_age, retirement_age_female=female_age,
        entry_age=read.integer(emp["entry_age"], ("employees", "entry_age"), 16, 40),
        entry_rate=dec(emp, ("employees", "entry_rate"), 4, Decimal(1)),
        wage_growth=dec(emp, ("employees", "wage_growth"), 4, Decimal(1)),
        resident_cost=dec(growth, ("growth", "resident_cost"), 4, Decimal(1)),
        employee_cost=dec(growth, ("growth", "employee_cost"), 4, Decimal(1)),
        resident_utilisation=dec(growth, ("growth", "resident_utilisation"), 4, Decimal(1)),
        employee_utilisation=dec(growth, ("growth", "employee_utilisation"), 4, Decimal(1)),
        resident_individual_step=dec(contrib, ("contributions", "resident_individual_step"), 2),
        resident_subsidy_step=dec(contrib, ("contributions", "resident_subsidy_step"), 2),
        balance_months=tuple((fund, dec(balance, ("balance", fund), 2)) for fund in FUNDS
                             if fund in balance),
        policy=_policy(read, raw.get("policy", [])),
        source=file if text else DEFAULT_FILE.name)


def load_scenario(path: str | Path | None) -> Scenario:
    """The scenario of a file, or the default scenario when `path` is None."""
    if path is None:
        return parse_scenario()
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise PolicyError(str(path), "", None, f"无法读取情景文件：{err.strerror}") from None
    return parse_scenario(text, str(path))
