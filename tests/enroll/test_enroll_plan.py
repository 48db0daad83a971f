"""Planning an import against the registry: a second basic enrollment of one person in one year
(another region or another scheme) is refused with its row, never kept; the same enrollment
again is unchanged; a transfer closes the old enrollment and carries its years and benefit
start; rows of several years of one person are taken year by year."""

from __future__ import annotations

from datetime import date

from yibao.enroll.model import Enrollment, EnrollStatus
from yibao.enroll.plan import plan_import
from yibao.enroll.rows import ImportRow, RowError, RowProblem, parse_row

A = "51162319800101029X"


def row(n: int, **cells: str) -> ImportRow:
    raw = {"id_number": A, "name": "张三", "scheme": "390", "region": "511623",
           "year": "2024", **cells}
    parsed = parse_row(n, raw)
    assert isinstance(parsed, ImportRow), parsed
    return parsed


def existing(region: str = "511623", scheme: str = "390", year: int = 2024,
             status: EnrollStatus = EnrollStatus.ACTIVE, years: int = 5) -> Enrollment:
    psn_type = "resident" if scheme == "390" else "in_service"
    return Enrollment(A, scheme, region, year, psn_type, date(year, 1, 1), date(year, 1, 1),
                      status=status, contribution_years=years)


def reasons(errors: tuple[RowError, ...]) -> list[tuple[int, RowProblem]]:
    return [(e.row, e.reason) for e in errors]


def test_another_region_or_scheme_in_the_same_year_is_refused() -> None:
    plan = plan_import([row(2, region="511600"),
                        row(3, scheme="310", psn_type="retired")], {A: [existing()]},
                       frozenset())
    assert reasons(plan.errors) == [(2, RowProblem.DUPLICATE_ENROLLMENT),
                                    (3, RowProblem.DUPLICATE_ENROLLMENT)]
    assert plan.enrollments == () and plan.persons == ()


def test_duplicates_inside_one_file() -> None:
    plan = plan_import([row(2), row(3), row(4, region="511600")], {}, frozenset())
    assert len(plan.enrollments) == 1
    assert reasons(plan.errors) == [(3, RowProblem.DUPLICATE_IN_FILE),
                                    (4, RowProblem.DUPLICATE_ENROLLMENT)]
    assert "第 2 行" in plan.errors[0].message


def test_same_enrollment_again_is_unchanged() -> None:
    plan = plan_import([row(2)], {A: [existing()]}, frozenset())
    assert (plan.unchanged, plan.enrollments, plan.errors) == (1, (), ())
    assert len(plan.persons) == 1  # person details may be refreshed


def test_transfer_closes_and_carries() -> None:
    source = existing(years=7)
    plan = plan_import([row(2, region="511600", action="transfer", start_date="2024-07-01")],
                       {A: [source]}, frozenset())
    assert plan.errors == ()
    (transfer,) = plan.transfers
    assert (transfer.from_region, transfer.to_region, transfer.on) == (
        "511623", "511600", date(2024, 7, 1))
    (new,) = plan.enrollments
    assert (new.region, new.contribution_years, new.start_date) == ("511600", 7, date(2024, 7, 1))
    again = plan_import([row(2, region="511600", action="transfer", start_date="2024-07-01")],
                        {A: [replace_status(source), new]}, frozenset())
    assert (again.unchanged, again.errors) == (1, ())


def replace_status(e: Enrollment) -> Enrollment:
    from dataclasses import replace

    return replace(e, status=EnrollStatus.TRANSFERRED)


def test_transfer_needs_a_source_in_the_same_scheme() -> None:
    rows = [row(2, region="511600", action="transfer"),
            row(3, region="511600", action="transfer", scheme="310", psn_type="retired")]
    assert reasons(plan_import(rows[:1], {}, frozenset()).errors) == [
        (2, RowProblem.TRANSFER_WITHOUT_SOURCE)]
    plan = plan_import(rows[1:], {A: [existing()]}, frozenset())
    assert reasons(plan.errors) == [(3, RowProblem.TRANSFER_WITHOUT_SOURCE)]


def test_years_are_taken_in_order_for_continuity() -> None:
    plan = plan_import([row(3, year="2025"), row(2, year="2023")], {}, frozenset())
    assert [(e.year, e.waiting_months) for e in plan.enrollments] == [(2023, 0), (2025, 3 + 1)]
    assert plan.enrollments[1].contribution_years == 1


def test_unknown_employer_is_refused() -> None:
    employee = row(2, scheme="310", employer_code="E9", wage_base="5000")
    assert reasons(plan_import([employee], {}, frozenset({"E1"})).errors) == [
        (2, RowProblem.UNKNOWN_EMPLOYER)]
    assert plan_import([employee], {}, frozenset({"E9"})).errors == ()


def test_a_lapsed_year_breaks_continuity() -> None:
    history = {A: [existing(year=2023), existing(year=2024, status=EnrollStatus.LAPSED)]}
    plan = plan_import([row(2, year="2025")], history, frozenset())
    assert plan.enrollments[0].waiting_months == 3 + 1  # on time, but 2024 was not covered
