"""Validate the rows of an enrollment import file (参保登记导入) into values, one error per row.

Each row is a mapping of column name to text (or None for an empty cell). A good row becomes an
`ImportRow`; a bad one a `RowError` naming the row, the column and what is wrong, in zh-CN, so one
run reports every problem of a file. The accepted columns are `COLUMNS`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Final

from yibao.core.codes import CodeError, check_institution, validate_region
from yibao.core.idnum import parse_resident_id
from yibao.core.money import DecimalError, parse_amount
from yibao.enroll.model import (
    PSN_TYPES,
    SCHEMES,
    Employer,
    EnrollAction,
    EnrollStatus,
    Institution,
    PersonRecord,
)
from yibao.policy.model import GROUPS

REQUIRED: Final = ("id_number", "name", "scheme", "region", "year")
OPTIONAL: Final = (
    "psn_type", "start_date", "household_id", "home_region", "groups", "civil_servant",
    "employer_code", "wage_base", "status", "action", "prior_years", "repair_years",
)
COLUMNS: Final = REQUIRED + OPTIONAL
EMPLOYER_COLUMNS: Final = ("code", "name", "region")
INSTITUTION_COLUMNS: Final = ("code", "name", "level", "region")
MAX_TEXT: Final = 64
MAX_CODE: Final = 32
MAX_YEARS: Final = 80
MAX_WAGE_BASE: Final = Decimal(1_000_000)
YEAR_RANGE: Final = (2000, 2100)
TRUE_WORDS: Final = frozenset({"true", "1", "yes", "y", "是"})
FALSE_WORDS: Final = frozenset({"false", "0", "no", "n", "否"})
_GROUP_SPLIT: Final = re.compile(r"[|,;，；\s]+")


class RowProblem(StrEnum):
    """Why a row is refused, in the order the checks run."""

    MISSING_FIELD = "missing_field"
    INVALID_ID_NUMBER = "invalid_id_number"
    INVALID_VALUE = "invalid_value"
    UNKNOWN_EMPLOYER = "unknown_employer"
    DUPLICATE_IN_FILE = "duplicate_in_file"
    DUPLICATE_ENROLLMENT = "duplicate_enrollment"
    TRANSFER_WITHOUT_SOURCE = "transfer_without_source"


@dataclass(frozen=True, slots=True)
class RowError:
    """One refused row: `row` as the file counts it, the column, the reason and a message."""

    row: int
    field: str
    reason: RowProblem
    message: str

    def describe(self) -> str:
        return f"第 {self.row} 行 {self.field}：{self.message}"


@dataclass(frozen=True, slots=True)
class EnrollmentRequest:
    """What a row asks to enrol; the waiting period is decided later, against the history."""

    scheme: str
    region: str
    year: int
    psn_type: str
    start_date: date
    status: EnrollStatus = EnrollStatus.ACTIVE
    action: EnrollAction = EnrollAction.ENROLL
    employer_code: str | None = None
    wage_base: Decimal | None = None
    prior_years: int = 0
    repair_years: int = 0


@dataclass(frozen=True, slots=True)
class ImportRow:
    row: int
    person: PersonRecord
    request: EnrollmentRequest


class _Bad(ValueError):
    def __init__(self, field: str, reason: RowProblem, message: str) -> None:
        super().__init__(message)
        self.field, self.reason, self.message = field, reason, message


def _text(
    raw: Mapping[str, str | None], key: str, limit: int = MAX_TEXT, required: bool | None = None
) -> str | None:
    value = raw.get(key)
    value = value.strip() if isinstance(value, str) else None
    if not value:
        if key in REQUIRED if required is None else required:
            raise _Bad(key, RowProblem.MISSING_FIELD, "缺少必填字段")
        return None
    if len(value) > limit:
        raise _Bad(key, RowProblem.INVALID_VALUE, f"不得超过 {limit} 个字符")
    return value


def _choice(raw: Mapping[str, str | None], key: str, allowed: tuple[str, ...], default: str) -> str:
    value = _text(raw, key) or default
    if value not in allowed:
        raise _Bad(key, RowProblem.INVALID_VALUE, f"应为 {'、'.join(allowed)} 之一：{value!r}")
    return value


def _whole(raw: Mapping[str, str | None], key: str, low: int, high: int, default: int) -> int:
    value = _text(raw, key)
    if value is None:
        return default
    if not re.fullmatch(r"\d{1,4}", value) or not low <= int(value) <= high:
        raise _Bad(key, RowProblem.INVALID_VALUE, f"应为 {low}–{high} 的整数：{value!r}")
    return int(value)


def _region(raw: Mapping[str, str | None], key: str, required: bool | None = None) -> str | None:
    value = _text(raw, key, required=required)
    reason = None if value is None else validate_region(value)
    if reason is not None:
        raise _Bad(key, RowProblem.INVALID_VALUE, reason)
    return value


def _flag(raw: Mapping[str, str | None], key: str) -> bool:
    value = (_text(raw, key) or "false").lower()
    if value not in TRUE_WORDS | FALSE_WORDS:
        raise _Bad(key, RowProblem.INVALID_VALUE, f"应为 true/false（或 是/否）：{value!r}")
    return value in TRUE_WORDS


def _groups(raw: Mapping[str, str | None]) -> frozenset[str]:
    names = [g for g in _GROUP_SPLIT.split(_text(raw, "groups", 128) or "") if g]
    unknown = sorted(set(names) - GROUPS)
    if unknown:
        raise _Bad("groups", RowProblem.INVALID_VALUE,
                   f"未知的人群：{'、'.join(unknown)}（可用：{'、'.join(sorted(GROUPS))}）")
    return frozenset(names)


def _start(raw: Mapping[str, str | None], year: int) -> date:
    value = _text(raw, "start_date")
    if value is None:
        return date(year, 1, 1)
    try:
        day = date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        day = None
    if day is None or day.year != year:
        raise _Bad("start_date", RowProblem.INVALID_VALUE,
                   f"应为 {year} 年内的 ISO 日期 YYYY-MM-DD：{value!r}")
    return day


def _person(raw: Mapping[str, str | None], region: str) -> PersonRecord:
    try:
        resident = parse_resident_id(_text(raw, "id_number"))
    except CodeError as err:
        raise _Bad("id_number", RowProblem.INVALID_ID_NUMBER, err.message) from None
    name = _text(raw, "name")
    assert name is not None
    return PersonRecord(
        id_number=resident.number, name=name, birth_date=resident.birth_date, sex=resident.sex,
        region=_region(raw, "home_region") or region,
        household_id=_text(raw, "household_id", MAX_CODE),
        groups=_groups(raw), civil_servant=_flag(raw, "civil_servant"),
    )


def _wage(raw: Mapping[str, str | None], needed: bool) -> Decimal | None:
    value = _text(raw, "wage_base")
    if value is None:
        if needed:
            raise _Bad("wage_base", RowProblem.MISSING_FIELD, "在职职工须填写月缴费基数")
        return None
    try:
        wage = parse_amount(value, maximum=MAX_WAGE_BASE)
    except DecimalError as err:
        raise _Bad("wage_base", RowProblem.INVALID_VALUE, err.message) from None
    if needed and wage == 0:
        raise _Bad("wage_base", RowProblem.INVALID_VALUE, "在职职工的月缴费基数须大于 0")
    return wage


def _request(raw: Mapping[str, str | None], region: str) -> EnrollmentRequest:
    scheme = _choice(raw, "scheme", SCHEMES, "")
    year = _whole(raw, "year", *YEAR_RANGE, default=0)
    psn_type = _choice(raw, "psn_type", PSN_TYPES[scheme], PSN_TYPES[scheme][0])
    in_service = psn_type == "in_service"
    employer = _text(raw, "employer_code", MAX_CODE)
    if in_service and employer is None:
        raise _Bad("employer_code", RowProblem.MISSING_FIELD, "在职职工须填写参保单位")
    statuses = (EnrollStatus.ACTIVE.value, EnrollStatus.LAPSED.value)
    return EnrollmentRequest(
        scheme=scheme, region=region, year=year, psn_type=psn_type,
        start_date=_start(raw, year),
        status=EnrollStatus(_choice(raw, "status", statuses, "active")),
        action=EnrollAction(_choice(raw, "action", tuple(EnrollAction), "enroll")),
        employer_code=employer, wage_base=_wage(raw, in_service),
        prior_years=_whole(raw, "prior_years", 0, MAX_YEARS, default=0),
        repair_years=_whole(raw, "repair_years", 0, MAX_YEARS, default=0),
    )


def parse_row(row: int, raw: Mapping[str, str | None]) -> ImportRow | RowError:
    """One row as a value, or the first problem found (presence, then field by field)."""
    try:
        _text(raw, "id_number")
        _text(raw, "name")
        region = _region(raw, "region")
        assert region is not None
        person = _person(raw, region)
        return ImportRow(row, person, _request(raw, region))
    except _Bad as bad:
        return RowError(row, bad.field, bad.reason, bad.message)


def parse_employer_row(row: int, raw: Mapping[str, str | None]) -> Employer | RowError:
    """参保单位: `code`, `name`, `region`, all required."""
    try:
        code = _text(raw, "code", MAX_CODE, required=True)
        name = _text(raw, "name", required=True)
        region = _region(raw, "region", required=True)
        assert code is not None and name is not None and region is not None
        return Employer(code, name, region)
    except _Bad as bad:
        return RowError(row, bad.field, bad.reason, bad.message)


def parse_institution_row(row: int, raw: Mapping[str, str | None]) -> Institution | RowError:
    """定点医药机构: `code` (H/P + region + serial), `name`, `level` (1/2/3), `region`."""
    try:
        code = _text(raw, "code", MAX_CODE, required=True)
        reason = check_institution(code)
        if reason is not None:
            raise _Bad("code", RowProblem.INVALID_VALUE, reason)
        name = _text(raw, "name", required=True)
        _text(raw, "level", required=True)
        level = _choice(raw, "level", ("1", "2", "3"), "")
        region = _region(raw, "region", required=False) or (code or "")[1:7]
        assert code is not None and name is not None
        return Institution(code, name, level, region)
    except _Bad as bad:
        return RowError(row, bad.field, bad.reason, bad.message)
