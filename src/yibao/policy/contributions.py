"""Contributions (筹资): the `[contributions]` section of a policy file, as frozen values.

Residents pay a flat annual individual share (个人缴费) and governments add a fiscal subsidy
(财政补助) split between central, provincial and local levels (facts/policy.md §5). Assistance
groups get their individual share paid, wholly or in part, by the medical-assistance fund (资助参保,
§3). Employees pay a share of their wage base, the employer another; after the 2021 reform the
employee's own share goes to the personal account and retirees get a fixed monthly credit (§4).

```toml
[contributions.resident]
individual = "400"
subsidy = "670"
subsidy_split = { central = "0.80", provincial = "0.10", local = "0.10" }
serious_illness_per_capita = "0"   # optional: the part of each resident's funding moved to 大病保险

[contributions.assistance]          # share of the individual contribution the assistance fund pays
tekun = "1.00"
dibao = "0.60"

[contributions.employee]
employer_rate = "0.06"
employee_rate = "0.02"
employee_to_account = "1"           # optional, default 1: share of the employee part to the account
employer_to_account = "0"           # optional, default 0: share of the employer part to the account
retiree_account_monthly = "70"      # optional, default 0: fixed monthly credit for retirees
```
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from yibao.policy.model import ASSISTANCE_ORDER, GROUPS

if TYPE_CHECKING:
    from yibao.policy.loader import Reader

LEVELS_OF_GOVERNMENT: Final = ("central", "provincial", "local")


@dataclass(frozen=True, slots=True)
class SubsidySplit:
    """Shares of the fiscal subsidy paid by each level of government (中央/省/市县); sum 1."""

    central: Decimal
    provincial: Decimal
    local: Decimal


@dataclass(frozen=True, slots=True)
class ResidentFunding:
    """居民医保 funding per person and year: individual share and fiscal subsidy, in yuan."""

    individual: Decimal
    subsidy: Decimal
    subsidy_split: SubsidySplit
    serious_illness_per_capita: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class EmployeeFunding:
    """职工医保 contribution rates on the monthly wage base, and personal-account credits."""

    employer_rate: Decimal
    employee_rate: Decimal
    employee_to_account: Decimal = Decimal(1)
    employer_to_account: Decimal = Decimal(0)
    retiree_account_monthly: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class Contributions:
    """The `[contributions]` section; a part that is absent means nothing is posted for it."""

    resident: ResidentFunding | None = None
    employee: EmployeeFunding | None = None
    assistance: tuple[tuple[str, Decimal], ...] = ()

    def assistance_share(self, groups: frozenset[str]) -> tuple[str, Decimal] | None:
        """The first of the person's groups, in `ASSISTANCE_ORDER`, with a subsidised share."""
        named = dict(self.assistance)
        for group in ASSISTANCE_ORDER:
            if group in groups and group in named:
                return group, named[group]
        return None


def _split(reader: Reader, raw: object, path: tuple[str, ...]) -> SubsidySplit:
    table = reader.table(raw, path)
    reader.keys(table, path, set(LEVELS_OF_GOVERNMENT), set())
    shares = [reader.number(table[k], (*path, k), "ratio") for k in LEVELS_OF_GOVERNMENT]
    if sum(shares) != 1:
        raise reader.fail(path, f"三级财政分担比例之和应为 1，实为 {sum(shares)}")
    return SubsidySplit(*shares)


def _resident(reader: Reader, raw: object) -> ResidentFunding:
    path = ("contributions", "resident")
    table = reader.table(raw, path)
    reader.keys(table, path, {"individual", "subsidy", "subsidy_split"},
                {"serious_illness_per_capita"})
    funding = ResidentFunding(
        individual=reader.number(table["individual"], (*path, "individual"), "amount"),
        subsidy=reader.number(table["subsidy"], (*path, "subsidy"), "amount"),
        subsidy_split=_split(reader, table["subsidy_split"], (*path, "subsidy_split")),
        serious_illness_per_capita=reader.number(
            table.get("serious_illness_per_capita", "0"),
            (*path, "serious_illness_per_capita"), "amount"),
    )
    if funding.serious_illness_per_capita > funding.individual + funding.subsidy:
        raise reader.fail((*path, "serious_illness_per_capita"), "不得超过人均筹资总额")
    return funding


def _employee(reader: Reader, raw: object) -> EmployeeFunding:
    path = ("contributions", "employee")
    table = reader.table(raw, path)
    optional = {"employee_to_account", "employer_to_account", "retiree_account_monthly"}
    reader.keys(table, path, {"employer_rate", "employee_rate"}, optional)
    defaults = {"employee_to_account": "1", "employer_to_account": "0"}
    shares = {k: reader.number(table.get(k, v), (*path, k), "ratio") for k, v in defaults.items()}
    return EmployeeFunding(
        employer_rate=reader.number(table["employer_rate"], (*path, "employer_rate"), "ratio"),
        employee_rate=reader.number(table["employee_rate"], (*path, "employee_rate"), "ratio"),
        retiree_account_monthly=reader.number(
            table.get("retiree_account_monthly", "0"),
            (*path, "retiree_account_monthly"), "amount"),
        **shares,
    )


def _assistance(reader: Reader, raw: object) -> tuple[tuple[str, Decimal], ...]:
    path = ("contributions", "assistance")
    table = reader.table(raw, path)
    shares = []
    for group, value in table.items():
        if group not in GROUPS:
            raise reader.fail((*path, group), "未知的救助人群")
        shares.append((group, reader.number(value, (*path, group), "ratio")))
    return tuple(shares)


def parse_contributions(reader: Reader, raw: Mapping[str, Any]) -> Contributions:
    """Validate the `[contributions]` table; errors name the file, the key and the line."""
    reader.keys(raw, ("contributions",), set(), {"resident", "employee", "assistance"})
    return Contributions(
        resident=_resident(reader, raw["resident"]) if "resident" in raw else None,
        employee=_employee(reader, raw["employee"]) if "employee" in raw else None,
        assistance=_assistance(reader, raw["assistance"]) if "assistance" in raw else (),
    )
