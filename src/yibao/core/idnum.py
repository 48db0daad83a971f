"""Resident identity numbers (居民身份证号码, GB 11643-1999).

18 characters: 6-digit region (区划), 8-digit birth date (YYYYMMDD), 3-digit serial (顺序码, odd
for men) and a check character (`0`–`9` or `X`). python-stdnum computes the check character and
reads the birth date. Its `validate` is not used as a whole: it also requires the region code to
have existed in the birth year, which rejects real numbers (someone born in 1980 in 邻水县 carries
511623, a code created in 1998). Here the region must have existed at some time in stdnum's
GB/T 2260 table, or be a region code of the 港澳台居民居住证 numbers, which share this layout.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from types import MappingProxyType
from typing import Final, Literal

from stdnum import numdb
from stdnum.cn import ric
from stdnum.exceptions import ValidationError

from yibao.core.codes import REGION_CODE, CodeError, validate_region

ID_LENGTH: Final = 18
SERIAL_MAX: Final = 999

#: Region codes of residence permits for residents of Hong Kong, Macao and Taiwan (港澳台居民居住证,
#: 国办发〔2018〕81号) [K]; 830000 is not a GB/T 2260 code.
PERMIT_REGIONS: Final = MappingProxyType({"810000": "香港", "820000": "澳门", "830000": "台湾"})

Sex = Literal["M", "F"]

_DIGITS: Final = "0123456789"
_SHAPE: Final = re.compile(r"[0-9]{17}[0-9X]", re.ASCII)


class IdProblem(StrEnum):
    """Why a number is refused, in the order the checks run."""

    LENGTH = "length"
    CHARACTERS = "characters"
    REGION = "region"
    BIRTH_DATE = "birth_date"
    CHECK_CHAR = "check_char"


@dataclass(frozen=True, slots=True)
class ResidentId:
    """A well-formed resident identity number and what it says about its holder."""

    number: str
    region: str
    birth_date: date
    serial: int
    sex: Sex


def _fail(problem: IdProblem, message: str) -> CodeError:
    return CodeError(f"身份证号码{message}", reason=problem.value)


def _check_shape(number: str) -> None:
    if len(number) != ID_LENGTH:
        hint = "（15 位旧号码请换用 18 位号码）" if len(number) == 15 else ""
        raise _fail(IdProblem.LENGTH, f"应为 18 位，实为 {len(number)} 位{hint}")
    if _SHAPE.fullmatch(number) is None:
        index = next((i for i, c in enumerate(number[:17]) if c not in _DIGITS), 17)
        raise _fail(
            IdProblem.CHARACTERS,
            f"第 {index + 1} 位字符 {number[index]!r} 无效：前 17 位须为数字，第 18 位为数字或 X",
        )


def _region_problem(region: str) -> str | None:
    """None when the 6-digit region is usable in an identity number, else a zh-CN reason."""
    if region in PERMIT_REGIONS:
        return None
    reason = validate_region(region)
    if reason is not None:
        return reason
    parts = numdb.get("cn/loc").info(region)
    if not any("county" in props for _, props in parts):
        return f"行政区划代码 {region} 不存在"
    return None


def _birth_date(number: str) -> date:
    try:
        born: date = ric.get_birth_date(number)
    except ValidationError:
        raise _fail(IdProblem.BIRTH_DATE, f"中的出生日期 {number[6:14]} 不是有效日期") from None
    return born


def parse_resident_id(text: object) -> ResidentId:
    """Read and check an identity number; CodeError (with `reason` an IdProblem) when invalid.

    A lower-case `x` check character is accepted and normalised to `X`. Surrounding whitespace is
    refused, as everywhere else: strip at the edge.
    """
    if not isinstance(text, str):
        raise _fail(IdProblem.CHARACTERS, f"必须是字符串，收到 {type(text).__name__}")
    number = text[:17] + text[17:].upper()
    _check_shape(number)
    region_reason = _region_problem(number[:6])
    if region_reason is not None:
        raise _fail(IdProblem.REGION, f"的区划码无效：{region_reason}")
    born = _birth_date(number)
    if number[17] != ric.calc_check_digit(number):
        # The expected character is not shown: a clerk would copy it over a mistyped digit.
        raise _fail(IdProblem.CHECK_CHAR, "校验码不符，请逐位核对号码")
    serial = int(number[14:17])
    return ResidentId(number, number[:6], born, serial, "M" if serial % 2 == 1 else "F")


def age_on(resident_id: ResidentId, on: date) -> int:
    """Age in whole years (周岁) on day `on`; someone born on 29 February turns a year older on
    1 March in common years."""
    born = resident_id.birth_date
    if on < born:
        raise CodeError(
            f"日期 {on.isoformat()} 早于出生日期 {born.isoformat()}",
            reason=IdProblem.BIRTH_DATE.value,
        )
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def make_resident_id(region: str, birth_date: date, serial: int, sex: str) -> str:
    """Build a valid number with its check character (used by the simulator).

    `serial` (0–999) is the 顺序码 itself, so its last digit must be odd for `M` and even for
    `F`: nothing is adjusted silently, so distinct serials always give distinct numbers.
    """
    region_reason = _region_problem(region) if isinstance(region, str) else "必须是字符串"
    if region_reason is not None:
        raise CodeError(f"区划码无效：{region_reason}", reason=IdProblem.REGION.value)
    if isinstance(serial, bool) or not isinstance(serial, int) or not 0 <= serial <= SERIAL_MAX:
        raise CodeError(f"顺序码应为 0–{SERIAL_MAX} 的整数：{serial!r}", reason="serial")
    if sex not in ("M", "F"):
        raise CodeError(f"性别应为 M 或 F：{sex!r}", reason="sex")
    if (serial % 2 == 1) != (sex == "M"):
        parity = "奇数" if serial % 2 else "偶数"
        raise CodeError(f"顺序码 {serial:03d} 末位为{parity}，与性别 {sex} 不符", reason="sex")
    born = birth_date
    body = f"{region}{born.year:04d}{born.month:02d}{born.day:02d}{serial:03d}"
    # calc_check_digit ignores the last character of what it is given.
    return body + ric.calc_check_digit(body + "?")


def region_name(region: str) -> str | None:
    """The zh-CN name of a county-level GB/T 2260 code (province and county, as python-stdnum's
    cn/loc table has them: `500112` → 重庆市渝北区), or None when the table lacks it."""
    if not REGION_CODE.fullmatch(region) or region.endswith("00"):
        return None
    province = county = ""
    for _, props in numdb.get("cn/loc").info(region):
        province = props.get("province", province)
        county = props.get("county", county)
    if not county:
        return None
    return province + county.split("]", 1)[-1]
