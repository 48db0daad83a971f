"""National code formats (医保信息业务编码, "15项贯标"): one table, one checker per kind.

Each `check_*` function returns None for a well-formed code, else a zh-CN reason naming what is
wrong (length, first character, shape). Formats follow docs/facts/policy.md §8; the grade of each
is kept in the table. Only the shape is checked here: whether a code exists is a catalogue question.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, Literal


class CodeError(ValueError):
    """A code or identifier that is not well formed; `message` is zh-CN, `reason` snake_case."""

    def __init__(self, message: str, *, reason: str = "format") -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason


#: Province-level prefixes of GB/T 2260 administrative division codes [V: the same set as
#: python-stdnum's cn/loc table, cross-checked by a test].
#: A region code as typed or sent: six ASCII digits, matched whole (`fullmatch`); `\d` and `$`
#: of a plain pattern would take other scripts' digits and a trailing newline.
REGION_CODE: Final = re.compile(r"[0-9]{6}", re.ASCII)

PROVINCES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "11": "北京市",
        "12": "天津市",
        "13": "河北省",
        "14": "山西省",
        "15": "内蒙古自治区",
        "21": "辽宁省",
        "22": "吉林省",
        "23": "黑龙江省",
        "31": "上海市",
        "32": "江苏省",
        "33": "浙江省",
        "34": "安徽省",
        "35": "福建省",
        "36": "江西省",
        "37": "山东省",
        "41": "河南省",
        "42": "湖北省",
        "43": "湖南省",
        "44": "广东省",
        "45": "广西壮族自治区",
        "46": "海南省",
        "50": "重庆市",
        "51": "四川省",
        "52": "贵州省",
        "53": "云南省",
        "54": "西藏自治区",
        "61": "陕西省",
        "62": "甘肃省",
        "63": "青海省",
        "64": "宁夏回族自治区",
        "65": "新疆维吾尔自治区",
        "71": "台湾省",
        "81": "香港特别行政区",
        "82": "澳门特别行政区",
    }
)


#: The whole country, as the national policy files use it (`100000-2024.toml`) [U]; not a
#: GB/T 2260 code, so it never appears in an identity number.
NATIONAL_REGION: Final = "100000"


def same_province(a: str, b: str) -> bool:
    """Whether two region codes lie in one province (their first two digits agree)."""
    return a[:2] == b[:2]


def _region_extra(code: str) -> str | None:
    if code[:2] not in PROVINCES and code != NATIONAL_REGION:
        return f"行政区划代码的省级前两位 {code[:2]!r} 不存在：{code!r}"
    return None


def _institution_extra(code: str) -> str | None:
    reason = _region_extra(code[1:7])
    return None if reason is None else f"定点医药机构代码 {code!r} 中的{reason}"


@dataclass(frozen=True, slots=True)
class CodeFormat:
    """The shape of one kind of code; `label` and `example` appear in zh-CN reasons."""

    label: str
    pattern: re.Pattern[str]
    example: str
    length: int | None = None
    first: str = ""  # allowed first characters; "" = any
    first_label: str = ""
    extra: Callable[[str], str | None] | None = None


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.ASCII)


_ICD10: Final = r"[A-Z]\d{2}(?:\.[\dx]\d{2}(?:x\d{3})?)?"
# The asterisk (星号) part: 3-character, 4-character (K93.0) or extended form, then `*`.
_ICD10_STAR: Final = r"[A-Z]\d{2}(?:\.\d|\.[\dx]\d{2}(?:x\d{3})?)?\*"

FORMATS: Final[Mapping[str, CodeFormat]] = MappingProxyType(
    {
        # [K] H/P + 6-digit region + 5-digit serial.
        "institution": CodeFormat(
            label="定点医药机构代码",
            pattern=_rx(r"[HP]\d{11}"),
            example="H51160200123",
            length=12,
            first="HP",
            first_label="H（定点医疗机构）或 P（定点零售药店）",
            extra=_institution_extra,
        ),
        # [V] 医保版 ICD-10 2.0; an optional dagger/asterisk pair `A18.300x009+K93.0*`.
        "diagnosis": CodeFormat(
            label="疾病诊断代码（医保版 ICD-10）",
            pattern=_rx(_ICD10 + r"(?:\+" + _ICD10_STAR + ")?"),
            example="K35.800x001、I10.x09、K36.x00 或 A18.300x009+K93.0*，x 为小写",
        ),
        # [V] 医保版 ICD-9-CM-3.
        "procedure": CodeFormat(
            label="手术操作代码（医保版 ICD-9-CM-3）",
            pattern=_rx(r"\d{2}\.[\dx][\dx]\d{2}(?:x\d{3})?"),
            example="47.0100、47.0900x001 或 47.2x00，x 为小写",
        ),
        # [V] length and class letter; segment meanings [U].
        "drug": CodeFormat(
            label="医保药品代码",
            pattern=_rx(r"[XZ][A-Z0-9]{22}"),
            example="XA01ABD075A002010100483",
            length=23,
            first="XZ",
            first_label="X（西药）或 Z（中成药）",
        ),
        # [K] C + 19 characters.
        "consumable": CodeFormat(
            label="医用耗材代码",
            pattern=_rx(r"C[A-Z0-9]{19}"),
            example="C0123456789012345678",
            length=20,
            first="C",
            first_label="C",
        ),
        # [V] GB/T 2260: 6 digits, a real province prefix (or NATIONAL_REGION).
        "region": CodeFormat(
            label="行政区划代码",
            pattern=_rx(r"\d{6}"),
            example="511623",
            length=6,
            extra=_region_extra,
        ),
    }
)


def check_code(kind: str, code: object) -> str | None:
    """None when `code` has the format of `kind` (a key of FORMATS), else a zh-CN reason."""
    spec = FORMATS[kind]
    if not isinstance(code, str):
        return f"{spec.label}必须是字符串，收到 {type(code).__name__}"
    if not code:
        return f"{spec.label}不能为空"
    if spec.length is not None and len(code) != spec.length:
        return f"{spec.label}应为 {spec.length} 位，实为 {len(code)} 位：{code!r}"
    if spec.first and code[0] not in spec.first:
        return f"{spec.label}应以 {spec.first_label} 开头：{code!r}"
    if spec.pattern.fullmatch(code) is None:
        return f"{spec.label}格式不正确：{code!r}（应形如 {spec.example}）"
    return spec.extra(code) if spec.extra is not None else None


def check_institution(code: object) -> str | None:
    """定点医药机构代码: `H`/`P` + 6-digit region + 5-digit serial."""
    return check_code("institution", code)


def check_diagnosis(code: object) -> str | None:
    """疾病诊断代码 (医保版 ICD-10), e.g. `K35.800x001`, `I10.x09`, `A18.300x009+K93.0*`."""
    return check_code("diagnosis", code)


def check_procedure(code: object) -> str | None:
    """手术操作代码 (医保版 ICD-9-CM-3), e.g. `47.0100`, `47.0900x001`, `47.2x00`."""
    return check_code("procedure", code)


def check_drug(code: object) -> str | None:
    """医保药品代码: 23 characters starting with `X` (西药) or `Z` (中成药)."""
    return check_code("drug", code)


def check_consumable(code: object) -> str | None:
    """医用耗材代码: 20 characters starting with `C`."""
    return check_code("consumable", code)


def validate_region(code: object) -> str | None:
    """行政区划代码 (GB/T 2260): 6 digits whose first two name a province, or `100000` (全国)."""
    return check_code("region", code)


InstitutionKind = Literal["medical", "pharmacy"]

_KIND_BY_LETTER: Final[Mapping[str, InstitutionKind]] = MappingProxyType(
    {"H": "medical", "P": "pharmacy"}
)


@dataclass(frozen=True, slots=True)
class InstitutionCode:
    """A parsed 定点医药机构代码: `medical` (H, 医疗机构) or `pharmacy` (P, 零售药店)."""

    code: str
    kind: InstitutionKind
    region: str
    serial: str


def parse_institution(code: object) -> InstitutionCode:
    """Split a 定点医药机构代码 into kind, region and serial; CodeError when malformed."""
    reason = check_institution(code)
    if reason is not None:
        raise CodeError(reason)
    assert isinstance(code, str)
    return InstitutionCode(code, _KIND_BY_LETTER[code[0]], code[1:7], code[7:])
