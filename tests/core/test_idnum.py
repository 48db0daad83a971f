"""Resident ID numbers: valid ones parse to region, birth date and sex, every single-character
error is caught with the reason named, ages are whole years, and generated numbers always parse."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric

from yibao.core.codes import CodeError
from yibao.core.idnum import (
    IdProblem,
    ResidentId,
    age_on,
    make_resident_id,
    parse_resident_id,
)

# policy.md §8's worked example: check character 1. python-stdnum's own `validate` refuses it,
# because 511623 was created in 1998, after the birth year.
EXAMPLE = "511623198001010011"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (EXAMPLE, ResidentId(EXAMPLE, "511623", date(1980, 1, 1), 1, "M")),
        (
            "11010519491231002X",
            ResidentId("11010519491231002X", "110105", date(1949, 12, 31), 2, "F"),
        ),
        (
            "11010519491231002x",
            ResidentId("11010519491231002X", "110105", date(1949, 12, 31), 2, "F"),
        ),
        (
            "360426199101010071",
            ResidentId("360426199101010071", "360426", date(1991, 1, 1), 7, "M"),
        ),
        # A region code that no longer exists (崇文区, until 2010) still identifies its holders.
        (make_resident_id("110103", date(1960, 5, 6), 0, "F"), None),
        # 港澳台居民居住证 numbers share the layout.
        (make_resident_id("830000", date(2000, 2, 29), 999, "M"), None),
    ],
)
def test_valid_numbers_parse(text: str, expected: ResidentId | None) -> None:
    parsed = parse_resident_id(text)
    if expected is not None:
        assert parsed == expected
    assert parsed.number == text.upper()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("51162319800101001", IdProblem.LENGTH),
        ("5116231980010100111", IdProblem.LENGTH),
        ("511623800101001", IdProblem.LENGTH),
        ("", IdProblem.LENGTH),
        ("51162319800101001Y", IdProblem.CHARACTERS),
        ("5116231980010100X1", IdProblem.CHARACTERS),
        ("5116231980010100x1", IdProblem.CHARACTERS),
        (" 51162319800101001", IdProblem.CHARACTERS),
        ("５11623198001010011", IdProblem.CHARACTERS),
        (511623198001010011, IdProblem.CHARACTERS),
        ("519999198001010011", IdProblem.REGION),
        ("991623198001010011", IdProblem.REGION),
        ("000000198001010011", IdProblem.REGION),
        ("100000198001010011", IdProblem.REGION),
        ("511623198013010011", IdProblem.BIRTH_DATE),
        ("511623199002290011", IdProblem.BIRTH_DATE),
        ("511623000001010011", IdProblem.BIRTH_DATE),
        ("511623198001010012", IdProblem.CHECK_CHAR),
        ("51162319800101001X", IdProblem.CHECK_CHAR),
    ],
)
def test_invalid_numbers_name_the_problem(text: object, problem: IdProblem) -> None:
    with pytest.raises(CodeError) as caught:
        parse_resident_id(text)
    assert caught.value.reason == problem.value
    assert caught.value.message.startswith("身份证号码")


def test_fifteen_digit_numbers_get_a_hint() -> None:
    with pytest.raises(CodeError, match="15 位旧号码"):
        parse_resident_id("511623800101001")


def test_check_character_reason_does_not_reveal_the_expected_character() -> None:
    with pytest.raises(CodeError) as caught:
        parse_resident_id("511623198001010012")
    assert "1" not in caught.value.message


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        (date(1980, 1, 1), date(1980, 1, 1), 0),
        (date(1980, 1, 1), date(2024, 12, 31), 44),
        (date(1980, 1, 1), date(2025, 1, 1), 45),
        (date(1980, 6, 15), date(2024, 6, 14), 43),
        (date(1980, 6, 15), date(2024, 6, 15), 44),
        (date(2000, 2, 29), date(2001, 2, 28), 0),
        (date(2000, 2, 29), date(2001, 3, 1), 1),
        (date(2000, 2, 29), date(2004, 2, 29), 4),
    ],
)
def test_age_in_whole_years(born: date, on: date, age: int) -> None:
    resident = parse_resident_id(make_resident_id("511623", born, 1, "M"))
    assert age_on(resident, on) == age


def test_age_before_birth_is_refused() -> None:
    resident = parse_resident_id(EXAMPLE)
    with pytest.raises(CodeError, match="早于出生日期"):
        age_on(resident, date(1979, 12, 31))


@pytest.mark.parametrize(
    ("region", "serial", "sex", "reason"),
    [
        ("519999", 1, "M", "region"),
        ("51162", 1, "M", "region"),
        ("511623", -1, "M", "serial"),
        ("511623", 1000, "F", "serial"),
        ("511623", True, "M", "serial"),
        ("511623", 2, "M", "sex"),
        ("511623", 1, "F", "sex"),
        ("511623", 1, "m", "sex"),
    ],
)
def test_make_refuses_bad_arguments(region: str, serial: int, sex: str, reason: str) -> None:
    with pytest.raises(CodeError) as caught:
        make_resident_id(region, date(1980, 1, 1), serial, sex)
    assert caught.value.reason == reason


def test_make_matches_the_documented_example() -> None:
    assert make_resident_id("511623", date(1980, 1, 1), 1, "M") == EXAMPLE


def test_make_pads_the_year_to_four_digits() -> None:
    number = make_resident_id("511623", date(999, 1, 2), 998, "F")
    assert number[6:14] == "09990102"
    assert parse_resident_id(number).birth_date == date(999, 1, 2)


REGIONS = ["511623", "511602", "511600", "510000", "110101", "110103", "440305", "810000", "830000"]


@st.composite
def generated(draw: st.DrawFn) -> tuple[str, str, date, str]:
    region = draw(st.sampled_from(REGIONS))
    born = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)))
    sex = draw(st.sampled_from(["M", "F"]))
    serial = draw(st.integers(0, 499)) * 2 + (1 if sex == "M" else 0)
    return make_resident_id(region, born, serial, sex), region, born, sex


@given(generated())
def test_generated_numbers_parse_back(case: tuple[str, str, date, str]) -> None:
    number, region, born, sex = case
    parsed = parse_resident_id(number)
    assert (parsed.region, parsed.birth_date, parsed.sex) == (region, born, sex)
    assert parse_resident_id(number.lower()).number == number


@given(generated(), st.integers(0, 17), st.integers(0, 9))
def test_changing_any_one_character_is_caught(
    case: tuple[str, str, date, str], position: int, shift: int
) -> None:
    number = case[0]
    alphabet = "0123456789X" if position == 17 else "0123456789"
    offset = 1 + shift % (len(alphabet) - 1)  # 1 .. len - 1: always another character
    new = alphabet[(alphabet.index(number[position]) + offset) % len(alphabet)]
    changed = number[:position] + new + number[position + 1 :]
    assert ric.calc_check_digit(changed) != changed[17]
    with pytest.raises(CodeError):
        parse_resident_id(changed)


def test_region_names_come_from_the_national_table() -> None:
    from yibao.core.idnum import region_name

    assert region_name("500112") == "重庆市渝北区"
    assert region_name("511623") == "四川省邻水县"
    # a city or province code, or a code the table lacks, has no county name
    assert [region_name(c) for c in ("511600", "510000", "519999", "5116")] == [None] * 4
