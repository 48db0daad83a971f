"""Contributions follow the policy's [contributions] section (facts/policy.md §3–§5): residents'
individual share less what assistance pays for their group, the fiscal subsidy split exactly
into its levels, employees' rates on the wage base per month covered, retirees' account credit."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yibao.enroll.contributions import contribution_for, months_covered
from yibao.enroll.model import Enrollment
from yibao.policy.contributions import (
    Contributions,
    EmployeeFunding,
    ResidentFunding,
    SubsidySplit,
)
from yibao.policy.loader import load_policy

A = "51162319800101029X"
D = Decimal


def enrollment(scheme: str = "390", psn_type: str = "resident", start: date = date(2024, 1, 1),
               wage: str | None = None) -> Enrollment:
    return Enrollment(A, scheme, "511623", 2024, psn_type, start, start,
                      wage_base=None if wage is None else D(wage))


POLICY = load_policy("511623-2024").contributions


@pytest.mark.parametrize(("groups", "individual", "assistance", "group"), [
    (set(), "400", "0", ""),
    ({"dibao"}, "160.00", "240.00", "dibao"),
    ({"tekun", "dibao"}, "0.00", "400.00", "tekun"),  # the first group in order wins
    ({"yinbing"}, "400", "0", ""),                     # not subsidised
])
def test_resident_shares(groups: set[str], individual: str, assistance: str, group: str) -> None:
    c = contribution_for(enrollment(), frozenset(groups), POLICY)
    assert c is not None
    assert (c.individual, c.assistance, c.assistance_group) == (D(individual), D(assistance),
                                                                group)
    assert (c.subsidy_central, c.subsidy_provincial, c.subsidy_local) == (
        D("536.00"), D("67.00"), D("67.00"))  # 670 × 80/10/10 %
    assert c.serious_illness == D("60") and c.client_id == f"C2024-390-{A}"


def test_employee_in_service_and_retiree() -> None:
    c = contribution_for(enrollment("310", "in_service", wage="6543.21"), frozenset(), POLICY)
    assert c is not None and c.months == 12
    assert c.employer_to_pool == D("392.59") * 12  # 6543.21 × 6 % = 392.5926 → 392.59 a month
    assert c.employee_to_account == D("130.86") * 12
    assert c.employer_to_account == c.employee_to_pool == 0
    late = contribution_for(enrollment("310", "retired", start=date(2024, 10, 9)), frozenset(),
                            POLICY)
    assert late is not None and (late.months, late.retiree_credit) == (3, D("180"))


def test_before_the_reform_part_of_the_employer_share_goes_to_the_account() -> None:
    old = load_policy("511623-2020").contributions
    e = Enrollment(A, "310", "511623", 2020, "in_service", date(2020, 1, 1), date(2020, 1, 1),
                   wage_base=D("5000"))
    c = contribution_for(e, frozenset(), old)
    assert c is not None
    assert (c.employer_to_account, c.employer_to_pool) == (D("1080.00"), D("2520.00"))


def test_no_section_means_nothing_to_post() -> None:
    assert contribution_for(enrollment(), frozenset(), None) is None
    assert contribution_for(enrollment(), frozenset(), Contributions()) is None


def test_months_covered() -> None:
    assert months_covered(enrollment(start=date(2024, 1, 1))) == 12
    assert months_covered(enrollment(start=date(2024, 12, 31))) == 1


shares = st.integers(0, 10_000)


@given(subsidy=st.integers(0, 10_000_000), a=shares, b=shares, due=st.integers(0, 1_000_000),
       aid=st.integers(0, 10_000))
def test_parts_always_add_up_to_the_whole(subsidy: int, a: int, b: int, due: int,
                                          aid: int) -> None:
    central, provincial = D(min(a, 10_000)) / 10_000, D(min(b, 10_000 - min(a, 10_000))) / 10_000
    split = SubsidySplit(central, provincial, 1 - central - provincial)
    funding = Contributions(
        resident=ResidentFunding(D(due) / 100, D(subsidy) / 100, split),
        assistance=(("dibao", D(aid) / 10_000),))
    c = contribution_for(enrollment(), frozenset({"dibao"}), funding)
    assert c is not None
    assert c.subsidy_central + c.subsidy_provincial + c.subsidy_local == D(subsidy) / 100
    assert c.individual + c.assistance == D(due) / 100
    assert all(v >= 0 and v == v.quantize(D("0.01")) for v in c.amounts().values())


def test_employee_funding_defaults() -> None:
    funding = EmployeeFunding(D("0.06"), D("0.02"))
    assert (funding.employee_to_account, funding.employer_to_account) == (1, 0)
