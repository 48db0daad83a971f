"""The national code checkers accept the documented shapes and name what is wrong otherwise."""

from __future__ import annotations

import pytest
from stdnum import numdb

from yibao.core.codes import (
    FORMATS,
    PROVINCES,
    CodeError,
    InstitutionCode,
    check_code,
    check_consumable,
    check_diagnosis,
    check_drug,
    check_institution,
    check_procedure,
    parse_institution,
    validate_region,
)

VALID = [
    ("institution", "H51160200123"),
    ("institution", "P51162300012"),
    ("diagnosis", "K35.800x001"),
    ("diagnosis", "I10.x09"),
    ("diagnosis", "K36.x00"),
    ("diagnosis", "K37.x00x002"),
    ("diagnosis", "K35"),
    ("diagnosis", "A18.300x009+K93.0*"),
    ("diagnosis", "A39.000+G01*"),
    ("procedure", "47.0100"),
    ("procedure", "47.0900x001"),
    ("procedure", "47.2x00"),
    ("procedure", "54.5100x005"),
    ("procedure", "36.0601"),
    ("drug", "XA01ABD075A002010100483"),
    ("drug", "ZA01AAA0001010101000001"),
    ("consumable", "C0123456789012345678"),
    ("region", "511623"),
    ("region", "511600"),
    ("region", "510000"),
    ("region", "820000"),
    ("region", "100000"),
]

# (kind, code, a fragment the reason must contain)
INVALID: list[tuple[str, object, str]] = [
    ("institution", "H5116020012", "应为 12 位"),
    ("institution", "H511602001234", "应为 12 位"),
    ("institution", "D51160200123", "应以 H（定点医疗机构）或 P"),
    ("institution", "h51160200123", "应以 H"),
    ("institution", "H5116020012A", "格式不正确"),
    ("institution", "H99160200123", "省级前两位 '99' 不存在"),
    ("institution", "", "不能为空"),
    ("institution", None, "必须是字符串"),
    ("diagnosis", "K35.8", "格式不正确"),
    ("diagnosis", "K36.X00", "x 为小写"),
    ("diagnosis", "k35.800", "格式不正确"),
    ("diagnosis", "K35.800x01", "格式不正确"),
    ("diagnosis", "K35.800 ", "格式不正确"),
    ("diagnosis", "A18.300x009+K93.0", "格式不正确"),
    ("diagnosis", "K93.0*", "格式不正确"),
    ("diagnosis", "K35.800x001\n", "格式不正确"),
    ("procedure", "47.010", "格式不正确"),
    ("procedure", "4.70100", "格式不正确"),
    ("procedure", "47.0100x01", "格式不正确"),
    ("procedure", "47.2X00", "格式不正确"),
    ("drug", "XA01ABD075A00201010048", "应为 23 位，实为 22 位"),
    ("drug", "YA01ABD075A002010100483", "应以 X（西药）或 Z（中成药）"),
    ("drug", "XA01ABD075A00201010048a", "格式不正确"),
    ("consumable", "C012345678901234567", "应为 20 位"),
    ("consumable", "D0123456789012345678", "应以 C 开头"),
    ("consumable", "C012345678901234567-", "格式不正确"),
    ("region", "51162", "应为 6 位"),
    ("region", "5116２3", "格式不正确"),
    ("region", "991623", "省级前两位 '99' 不存在"),
    ("region", "001623", "不存在"),
    ("region", "100001", "不存在"),
    ("region", 511623, "必须是字符串"),
]


@pytest.mark.parametrize(("kind", "code"), VALID)
def test_valid_codes_pass(kind: str, code: str) -> None:
    assert check_code(kind, code) is None


@pytest.mark.parametrize(("kind", "code", "fragment"), INVALID)
def test_invalid_codes_say_why(kind: str, code: object, fragment: str) -> None:
    reason = check_code(kind, code)
    assert reason is not None
    assert fragment in reason


def test_each_kind_has_its_named_checker() -> None:
    checkers = {
        "institution": check_institution,
        "diagnosis": check_diagnosis,
        "procedure": check_procedure,
        "drug": check_drug,
        "consumable": check_consumable,
        "region": validate_region,
    }
    assert set(checkers) == set(FORMATS)
    for kind, code in VALID:
        assert checkers[kind](code) is None
    for kind, bad, _ in INVALID:
        assert checkers[kind](bad) == check_code(kind, bad)


def test_province_table_matches_stdnum() -> None:
    lines = numdb.get("cn/loc").info("51")
    assert lines[0][1]["province"] == "四川省"
    known = {prefix for prefix in (f"{n:02d}" for n in range(100)) if _is_province(prefix)}
    assert known == set(PROVINCES)


def _is_province(prefix: str) -> bool:
    parts = numdb.get("cn/loc").info(prefix + "0000")
    return any("province" in props for _, props in parts)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("H51160200123", InstitutionCode("H51160200123", "medical", "511602", "00123")),
        ("P51162300012", InstitutionCode("P51162300012", "pharmacy", "511623", "00012")),
    ],
)
def test_parse_institution(code: str, expected: InstitutionCode) -> None:
    assert parse_institution(code) == expected


@pytest.mark.parametrize("code", ["X51160200123", "H5116020012", "H00160200123", 5])
def test_parse_institution_refuses(code: object) -> None:
    with pytest.raises(CodeError) as caught:
        parse_institution(code)
    assert caught.value.message
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("code", ["511623\n", "５１１６２３", "٥١١٦٢٣", " 511623"])
def test_region_in_other_digits_or_with_a_newline(code: str) -> None:
    assert validate_region(code) is not None


@pytest.mark.parametrize("code", ["H51162300001\n", "H５１１６２３00001", "H511623٠٠٠٠١"])
def test_institution_in_other_digits_or_with_a_newline(code: str) -> None:
    assert check_institution(code) is not None
