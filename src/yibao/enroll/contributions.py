"""Annual contributions (缴费) of one enrollment, from the policy's `[contributions]` section.

Residents (390): the individual share (个人缴费), of which the assistance fund pays a share for the
assistance groups (资助参保: 特困 fully, 低保 and others a fixed share), and the fiscal subsidy
(财政补助) split between central, provincial and local budgets; a per-capita part of the funding
goes on to serious-illness insurance (大病保险). Employees (310) in service: the monthly wage base
× the employer and employee rates for each month covered; the employee share goes to the personal
account (个人账户) and the employer share to pooling after the 2021 reform. Retirees contribute
nothing and get a fixed monthly credit to their account from pooling (facts/policy.md §3–§5).

Every amount is rounded half-up to the cent once: monthly amounts before they are multiplied by
the months, shares of a total when they are taken; the last share of a split takes the remainder
so that the parts always add up to the whole.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date
from decimal import Decimal, localcontext
from typing import Final

from yibao.core.checks import invariant
from yibao.core.money import MONEY_CONTEXT, ZERO, cents
from yibao.enroll.model import Enrollment
from yibao.policy.contributions import Contributions, EmployeeFunding, ResidentFunding

MONTHS_PER_YEAR: Final = 12


@dataclass(frozen=True, slots=True)
class Contribution:
    """One enrollment's contributions for a year, in yuan, by who pays and where it goes."""

    id_number: str
    scheme: str
    region: str
    year: int
    psn_type: str
    months: int
    individual: Decimal = ZERO            # the person's own resident share
    assistance: Decimal = ZERO            # paid by 医疗救助 for an assistance group
    assistance_group: str = ""
    subsidy_central: Decimal = ZERO
    subsidy_provincial: Decimal = ZERO
    subsidy_local: Decimal = ZERO
    serious_illness: Decimal = ZERO       # moved from resident pooling to 大病保险
    employer_to_pool: Decimal = ZERO
    employer_to_account: Decimal = ZERO
    employee_to_pool: Decimal = ZERO
    employee_to_account: Decimal = ZERO
    retiree_credit: Decimal = ZERO        # from employee pooling to the retiree's account

    @property
    def client_id(self) -> str:
        """The idempotency key: one contribution per person, scheme and year."""
        return f"C{self.year}-{self.scheme}-{self.id_number}"

    def amounts(self) -> dict[str, Decimal]:
        return {f.name: getattr(self, f.name) for f in fields(self)
                if isinstance(getattr(self, f.name), Decimal)}


def months_covered(enrollment: Enrollment) -> int:
    """Months of the year from the enrollment's start month to December (a month started counts)."""
    start = enrollment.start_date
    if start <= date(enrollment.year, 1, 1):
        return MONTHS_PER_YEAR
    return MONTHS_PER_YEAR - start.month + 1


def _resident(e: Enrollment, groups: frozenset[str], funding: ResidentFunding,
              contributions: Contributions) -> Contribution:
    due = funding.individual
    group, share = contributions.assistance_share(groups) or ("", ZERO)
    paid_by_aid = cents(due * share)
    split, subsidy = funding.subsidy_split, funding.subsidy
    # Cumulative rounding: the levels' rounded shares never exceed the whole, so none is
    # negative (rounding each share alone gave 0.01 + 0.01 + (-0.01) for 0.01 split 50/50).
    central = cents(subsidy * split.central)
    up_to_provincial = cents(subsidy * (split.central + split.provincial))
    provincial = up_to_provincial - central
    return Contribution(
        e.id_number, e.scheme, e.region, e.year, e.psn_type, MONTHS_PER_YEAR,
        individual=due - paid_by_aid, assistance=paid_by_aid, assistance_group=group,
        subsidy_central=central, subsidy_provincial=provincial,
        subsidy_local=subsidy - up_to_provincial,
        serious_illness=funding.serious_illness_per_capita,
    )


def _employee(e: Enrollment, funding: EmployeeFunding) -> Contribution:
    months = months_covered(e)
    base = Contribution(e.id_number, e.scheme, e.region, e.year, e.psn_type, months)
    if e.psn_type == "retired":
        return replace(base, retiree_credit=funding.retiree_account_monthly * months)
    invariant(e.wage_base is not None, "an employee in service has a wage base", e)
    wage = e.wage_base or ZERO
    employer = cents(wage * funding.employer_rate) * months
    employee = cents(wage * funding.employee_rate) * months
    employer_account = cents(employer * funding.employer_to_account)
    employee_account = cents(employee * funding.employee_to_account)
    return replace(
        base, employer_to_pool=employer - employer_account, employer_to_account=employer_account,
        employee_to_pool=employee - employee_account, employee_to_account=employee_account)


def contribution_for(
    enrollment: Enrollment, groups: frozenset[str], contributions: Contributions | None
) -> Contribution | None:
    """The year's contribution of an enrollment, or None when the policy sets none for it."""
    with localcontext(MONEY_CONTEXT):
        if contributions is None:
            return None
        if enrollment.scheme == "390" and contributions.resident is not None:
            return _resident(enrollment, groups, contributions.resident, contributions)
        if enrollment.scheme == "310" and contributions.employee is not None:
            return _employee(enrollment, contributions.employee)
        return None
