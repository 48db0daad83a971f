"""Import rows are validated field by field: a good row becomes a person and an enrollment
request; each bad row gives one error naming its row, column and reason, in zh-CN."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from yibao.enroll.model import EnrollAction, EnrollStatus
from yibao.enroll.rows import (
    ImportRow,
    RowError,
    RowProblem,
    parse_employer_row,
    parse_institution_row,
    parse_row,
)

GOOD = {"id_number": "51162319800101029x", "name": " 张三 ", "scheme": "310",
        "region": "511623", "year": "2024", "employer_code": "E1", "wage_base": "5000.50",
        "groups": "dibao|tekun", "civil_servant": "是", "start_date": "2024-03-01"}


def test_a_good_row() -> None:
    row = parse_row(2, GOOD)
    assert isinstance(row, ImportRow)
    person, req = row.person, row.request
    assert person.id_number == "51162319800101029X"  # lower-case x normalised
    assert (person.name, person.birth_date, person.sex) == ("张三", date(1980, 1, 1), "M")
    assert person.groups == {"dibao", "tekun"} and person.civil_servant
    assert (req.scheme, req.psn_type, req.year, req.start_date) == (
        "310", "in_service", 2024, date(2024, 3, 1))
    assert req.wage_base == Decimal("5000.50") and req.status is EnrollStatus.ACTIVE
    assert req.action is EnrollAction.ENROLL


BAD = [
    ({"id_number": None}, "id_number", RowProblem.MISSING_FIELD),
    ({"name": "  "}, "name", RowProblem.MISSING_FIELD),
    ({"region": "991623"}, "region", RowProblem.INVALID_VALUE),
    ({"id_number": "511623198001010012"}, "id_number", RowProblem.INVALID_ID_NUMBER),
    ({"groups": "dibao,vip"}, "groups", RowProblem.INVALID_VALUE),
    ({"civil_servant": "maybe"}, "civil_servant", RowProblem.INVALID_VALUE),
    ({"scheme": "320"}, "scheme", RowProblem.INVALID_VALUE),
    ({"year": "24"}, "year", RowProblem.INVALID_VALUE),
    ({"psn_type": "resident"}, "psn_type", RowProblem.INVALID_VALUE),
    ({"employer_code": ""}, "employer_code", RowProblem.MISSING_FIELD),
    ({"start_date": "2023-12-31"}, "start_date", RowProblem.INVALID_VALUE),
    ({"start_date": "2024-02-30"}, "start_date", RowProblem.INVALID_VALUE),
    ({"status": "transferred"}, "status", RowProblem.INVALID_VALUE),
    ({"action": "move"}, "action", RowProblem.INVALID_VALUE),
    ({"wage_base": "5000.001"}, "wage_base", RowProblem.INVALID_VALUE),
    ({"wage_base": "0"}, "wage_base", RowProblem.INVALID_VALUE),
    ({"wage_base": None}, "wage_base", RowProblem.MISSING_FIELD),
    ({"prior_years": "-1"}, "prior_years", RowProblem.INVALID_VALUE),
    ({"prior_years": "81"}, "prior_years", RowProblem.INVALID_VALUE),
]


@pytest.mark.parametrize(("change", "field", "reason"), BAD)
def test_bad_rows(change: dict[str, str | None], field: str, reason: RowProblem) -> None:
    error = parse_row(7, {**GOOD, **change})
    assert isinstance(error, RowError)
    assert (error.row, error.field, error.reason) == (7, field, reason)
    assert error.describe().startswith(f"第 7 行 {field}：")


def test_resident_defaults() -> None:
    row = parse_row(2, {"id_number": GOOD["id_number"], "name": "李四", "scheme": "390",
                        "region": "511623", "year": "2025"})
    assert isinstance(row, ImportRow)
    assert row.request.psn_type == "resident" and row.request.start_date == date(2025, 1, 1)
    assert row.request.wage_base is None and row.person.region == "511623"


def test_employer_and_institution_rows() -> None:
    assert parse_employer_row(2, {"code": "E1", "name": "厂", "region": "511623"}).code == "E1"  # type: ignore[union-attr]
    missing = parse_employer_row(3, {"code": "E1", "name": "厂"})
    assert isinstance(missing, RowError) and missing.field == "region"
    institution = parse_institution_row(2, {"code": "H51162300001", "name": "院", "level": "2"})
    assert not isinstance(institution, RowError) and institution.region == "511623"
    for change, field in (({"code": "X1"}, "code"), ({"level": "4"}, "level"),
                          ({"level": None}, "level")):
        bad = parse_institution_row(4, {"code": "H51162300001", "name": "院", "level": "2",
                                        **change})
        assert isinstance(bad, RowError) and bad.field == field
