"""Importing persons and enrollments from CSV and Parquet: per-row errors, duplicate enrollment
refused (never kept), waiting periods stored, transfers between regions carrying the years of
contribution, and a second import of the same file changing nothing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from tests.services.population import (
    EMPLOYER,
    LATE,
    PEOPLE,
    PEOPLE_HEADER,
    RESIDENT,
    WORKER,
    write_files,
)
from tests.services.snapshot import snapshot
from yibao.enroll.model import EnrollStatus
from yibao.enroll.rows import RowProblem
from yibao.services.enroll import (
    ImportFileError,
    import_employers,
    import_enrollments,
    import_institutions,
)
from yibao.store import Store


@pytest.fixture
def files(store: Store, tmp_path: Path) -> dict[str, Path]:
    paths = write_files(tmp_path / "people")
    import_employers(paths["employers"], store=store)
    return paths


def _csv(path: Path, *rows: str) -> Path:
    path.write_text("\n".join([PEOPLE_HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def _enrollments(store: Store, id_number: str) -> list[tuple[int, str, str, str]]:
    with store.unit_of_work() as uow:
        return [(e.year, e.scheme, e.region, e.status.value)
                for e in uow.registry.enrollments_of(id_number)]


def test_import_then_import_again_changes_nothing(store: Store, files: dict[str, Path]) -> None:
    report = import_enrollments(files["people"], store=store)
    assert (report.rows, report.persons_added, report.enrollments_added) == (9, 8, 9)
    assert not report.errors
    before = snapshot(store)
    again = import_enrollments(files["people"], store=store)
    assert (again.enrollments_added, again.unchanged, again.persons_updated) == (0, 9, 0)
    assert snapshot(store) == before


def test_parquet_gives_the_same_result_as_csv(
    store: Store, files: dict[str, Path], tmp_path: Path
) -> None:
    parquet = tmp_path / "people.parquet"
    pl.read_csv(files["people"], infer_schema=False).write_parquet(parquet)
    report = import_enrollments(parquet, store=store)
    assert report.enrollments_added == len(PEOPLE) and not report.errors


def test_duplicate_enrollment_is_refused_with_the_row(
    store: Store, files: dict[str, Path], tmp_path: Path
) -> None:
    import_enrollments(files["people"], store=store)
    other = _csv(tmp_path / "dup.csv",
                 f"{RESIDENT},张三,HH1,390,resident,511600,2024,,false,,,",
                 f"{RESIDENT},张三,HH1,310,in_service,511623,2024,,false,{EMPLOYER},5000,",
                 "511623196003010113,坏号,HH1,390,resident,511623,2024,,false,,,")
    report = import_enrollments(other, store=store)
    assert [(e.row, e.reason) for e in report.errors] == [
        (2, RowProblem.DUPLICATE_ENROLLMENT), (3, RowProblem.DUPLICATE_ENROLLMENT),
        (4, RowProblem.INVALID_ID_NUMBER)]
    assert "同一年度重复参保" in report.errors[0].message
    assert _enrollments(store, RESIDENT) == [(2024, "390", "511623", "active")]


def test_transfer_carries_contribution_years_and_closes_the_old(
    store: Store, files: dict[str, Path], tmp_path: Path
) -> None:
    history = _csv(tmp_path / "h.csv", *(
        f"{WORKER},王五,HH2,310,in_service,511623,{y},,false,{EMPLOYER},6000," for y in
        (2021, 2022, 2023, 2024)))
    import_enrollments(history, store=store)
    moved = _csv(tmp_path / "t.csv",
                 f"{WORKER},王五,HH2,310,in_service,511600,2024,,false,{EMPLOYER},6500,"
                 "2024-07-01")
    rows = moved.read_text().splitlines()
    moved.write_text("\n".join([rows[0] + ",action", rows[1] + ",transfer"]) + "\n")
    report = import_enrollments(moved, store=store)
    assert (report.transfers, report.enrollments_added, report.errors) == (1, 1, ())
    with store.unit_of_work() as uow:
        mine = uow.registry.enrollments_of(WORKER)
    old, new = mine[-2], mine[-1]
    assert (old.region, old.status) == ("511623", EnrollStatus.TRANSFERRED)
    assert (new.region, new.status, new.start_date) == ("511600", EnrollStatus.ACTIVE,
                                                        date(2024, 7, 1))
    assert new.contribution_years == old.contribution_years == 3
    assert new.waiting_months == 0


def test_waiting_period_is_stored(store: Store, files: dict[str, Path]) -> None:
    import_enrollments(files["people"], store=store)
    with store.unit_of_work() as uow:
        late = next(e for e in uow.registry.enrollments_of(LATE) if e.year == 2025)
    assert (late.waiting_months, late.benefit_start) == (4, date(2025, 7, 15))


def test_unknown_employer_and_bad_values_are_row_errors(
    store: Store, files: dict[str, Path], tmp_path: Path
) -> None:
    bad = _csv(tmp_path / "bad.csv",
               f"{WORKER},王五,HH2,310,in_service,511623,2024,,false,NOPE,6000,",
               f"{WORKER},王五,HH2,310,in_service,511623,2024,,false,{EMPLOYER},,",
               f"{RESIDENT},张三,HH1,390,resident,511623,2024,vip,false,,,",
               f"{RESIDENT},,HH1,390,resident,511623,2024,,false,,,")
    report = import_enrollments(bad, store=store)
    assert [(e.row, e.field, e.reason) for e in report.errors] == [
        (2, "employer_code", RowProblem.UNKNOWN_EMPLOYER),
        (3, "wage_base", RowProblem.MISSING_FIELD),
        (4, "groups", RowProblem.INVALID_VALUE),
        (5, "name", RowProblem.MISSING_FIELD)]
    assert report.enrollments_added == 0


def test_a_file_with_unknown_columns_is_refused_whole(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("id_number,name,scheme,region,year,colour\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="colour"):
        import_enrollments(path, store=store)
    path.write_text("id_number,name\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="缺少必需的列"):
        import_enrollments(path, store=store)


def test_institutions_import_validates_codes(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "inst.csv"
    path.write_text("code,name,level\nH51162300001,医院,2\nX1,坏,2\nH51162300002,院,4\n",
                    encoding="utf-8")
    report = import_institutions(path, store=store)
    assert report.saved == 1
    assert [(e.row, e.field) for e in report.errors] == [(3, "code"), (4, "level")]
