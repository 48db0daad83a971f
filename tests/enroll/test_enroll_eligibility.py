"""Who is covered on the day of a visit, and the first reason, in precedence order, why not:
not enrolled, enrolled in another region, lapsed, in the waiting period."""

from __future__ import annotations

from datetime import date

import pytest

from yibao.enroll.eligibility import Ineligible, Refusal, covering_enrollment
from yibao.enroll.model import Enrollment, EnrollStatus

A = "51162319800101029X"


def e(year: int, region: str = "511623", status: EnrollStatus = EnrollStatus.ACTIVE,
      start: date | None = None, benefit: date | None = None) -> Enrollment:
    start = start or date(year, 1, 1)
    return Enrollment(A, "390", region, year, "resident", start, benefit or start,
                      waiting_months=0 if benefit is None else 3, status=status)


CASES = [
    ([], date(2024, 5, 1), None, Ineligible.NOT_ENROLLED),
    ([e(2025)], date(2024, 5, 1), None, Ineligible.NOT_ENROLLED),
    ([e(2024, start=date(2024, 6, 1))], date(2024, 5, 1), None, Ineligible.NOT_ENROLLED),
    ([e(2024, region="511600")], date(2024, 5, 1), "511623", Ineligible.OTHER_REGION),
    ([e(2023)], date(2024, 5, 1), None, Ineligible.LAPSED),
    ([e(2024, status=EnrollStatus.LAPSED)], date(2024, 5, 1), None, Ineligible.LAPSED),
    ([e(2024, region="511600", status=EnrollStatus.TRANSFERRED)], date(2024, 5, 1), "511623",
     Ineligible.LAPSED),
    ([e(2024, start=date(2024, 3, 1), benefit=date(2024, 6, 1))], date(2024, 5, 31), None,
     Ineligible.WAITING_PERIOD),
    # other region takes precedence over the waiting period
    ([e(2024, "511600", start=date(2024, 3, 1), benefit=date(2024, 6, 1))], date(2024, 5, 1),
     "511623", Ineligible.OTHER_REGION),
]


@pytest.mark.parametrize(("history", "on", "region", "reason"), CASES)
def test_refusals(history: list[Enrollment], on: date, region: str | None,
                  reason: Ineligible) -> None:
    found = covering_enrollment(history, on, region)
    assert isinstance(found, Refusal) and found.reason is reason and found.message


def test_covered() -> None:
    waiting = e(2024, start=date(2024, 3, 1), benefit=date(2024, 6, 1))
    assert covering_enrollment([e(2023), waiting], date(2024, 6, 1), "511623") == waiting
    assert covering_enrollment([waiting], date(2024, 12, 31)) == waiting


def test_reasons_are_in_precedence_order() -> None:
    assert [r.value for r in Ineligible] == [
        "not_enrolled", "other_region", "lapsed", "waiting_period"]
