"""Load the fee-item catalogue and the institution registry from CSV or Parquet files.

Every column is read as text (never as a float), every row is checked, and all problems come back
together in one `CatalogError`, each naming the record, the column and the reason (zh-CN). Record
numbers count data rows from 1 (in a CSV, record 1 is the line under the header). Extra columns are
ignored. The layouts are described in docs/catalog.md.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Final, TypeVar

import polars as pl

from yibao.catalog.institutions import (
    INSTITUTION_KINDS,
    Institution,
    InstitutionKind,
    InstitutionRegistry,
)
from yibao.catalog.items import (
    CHARGE_LEVELS,
    HOSP_LEVELS,
    Catalog,
    ChargeLevel,
    FeeItem,
    HospLevel,
    Restrictions,
    Sex,
)
from yibao.core.codes import CodeError, InstitutionCode, parse_institution, validate_region
from yibao.core.money import DecimalError, parse_decimal, parse_ratio

#: Limits (STYLE §10): rows per file, characters per code and per name, errors printed.
ROWS_MAX: Final = 2_000_000
CODE_CHARS_MAX: Final = 50
NAME_CHARS_MAX: Final = 200
AGE_MAX: Final = 150
ERRORS_SHOWN_MAX: Final = 50
#: The settlement contract's bounds on `pric_uplmt_amt` (docs/settlement.md §1).
PRICE_PLACES: Final = 6
PRICE_MAX: Final = Decimal(10_000_000)

FEE_COLUMNS: Final = (
    "hilist_code",
    "hilist_name",
    "chrg_itm_lv",
    "selfpay_prop",
    "pric_uplmt_amt",
    "lmt_sex",
    "lmt_age_min",
    "lmt_age_max",
    "lmt_hosp_lv_min",
    "lmt_hosp_lv_max",
)
INSTITUTION_COLUMNS: Final = ("fixmedins_code", "fixmedins_name", "hosp_lv", "kind", "admdvs")

T = TypeVar("T")
Cells = Mapping[str, str | None]


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem in a file: `row` counts data rows from 1 (None: the whole file)."""

    row: int | None
    column: str | None
    message: str
    key: str | None = None

    def __str__(self) -> str:
        where = "文件" if self.row is None else f"第 {self.row} 条记录"
        if self.key:
            where += f"（{self.key}）"
        if self.column:
            where += f" {self.column}"
        return f"{where}：{self.message}"


class CatalogError(ValueError):
    """A catalogue file that cannot be loaded; `errors` holds every problem found."""

    def __init__(self, path: Path, errors: tuple[RowError, ...]) -> None:
        lines = [f"{path}：共 {len(errors)} 处错误"]
        lines += [f"  {error}" for error in errors[:ERRORS_SHOWN_MAX]]
        if len(errors) > ERRORS_SHOWN_MAX:
            lines.append(f"  …另有 {len(errors) - ERRORS_SHOWN_MAX} 处错误未列出")
        self.message = "\n".join(lines)
        super().__init__(self.message)
        self.path = path
        self.errors = errors


class _CellError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class _Row:
    """Collects the errors of one row while its cells are parsed."""

    def __init__(self, number: int, cells: Cells, key: str | None, errors: list[RowError]):
        self.number = number
        self.cells = cells
        self.key = key
        self.errors = errors
        self.failed = False

    def fail(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.number, column, message, self.key))
        self.failed = True

    def take(self, column: str, parse: Callable[[str | None], T], fallback: T) -> T:
        try:
            return parse(self.cells[column])
        except (_CellError, DecimalError, CodeError) as exc:
            self.fail(column, exc.message)
            return fallback


# --- cells ---


def _code(text: str | None) -> str:
    if text is None:
        raise _CellError("不能为空")
    if any(char.isspace() for char in text):
        raise _CellError(f"不得含空白字符：{text!r}")
    if len(text) > CODE_CHARS_MAX:
        raise _CellError(f"长度不得超过 {CODE_CHARS_MAX} 个字符")
    return text


def _name(text: str | None) -> str:
    if text is None or not text.strip():
        raise _CellError("不能为空")
    if len(text) > NAME_CHARS_MAX:
        raise _CellError(f"长度不得超过 {NAME_CHARS_MAX} 个字符")
    return text


def _choice(options: tuple[T, ...], text: str | None, what: str, hint: str = "") -> T:
    for option in options:
        if text == option:
            return option
    shown = "、".join(str(option) for option in options)
    raise _CellError(f"{what}应为 {shown} 之一，实为 {text!r}{hint}")


def _charge_level(text: str | None) -> ChargeLevel:
    hint = "（前导零可能被表格软件去掉了）" if text in ("1", "2", "3") else ""
    return _choice(CHARGE_LEVELS, text, "收费项目等级", hint)


def _hosp_lv(text: str | None) -> HospLevel:
    return _choice(HOSP_LEVELS, text, "医院等级")


def _kind(text: str | None) -> InstitutionKind:
    return _choice(INSTITUTION_KINDS, text, "机构类型")


def _optional_hosp_lv(text: str | None) -> HospLevel | None:
    return None if text is None else _hosp_lv(text)


def _optional_sex(text: str | None) -> Sex | None:
    sexes: tuple[Sex, ...] = ("M", "F")
    return None if text is None else _choice(sexes, text, "限定性别")


def _optional_age(text: str | None) -> int | None:
    if text is None:
        return None
    if not (text.isascii() and text.isdigit()) or int(text) > AGE_MAX:
        raise _CellError(f"年龄应为 0–{AGE_MAX} 的整数，实为 {text!r}")
    return int(text)


def _optional_ratio(text: str | None) -> Decimal | None:
    return None if text is None else parse_ratio(text)


def _optional_price(text: str | None) -> Decimal | None:
    if text is None:
        return None
    return parse_decimal(text, places=PRICE_PLACES, maximum=PRICE_MAX)


def _region(text: str | None) -> str:
    if text is None:
        raise _CellError("不能为空")
    reason = validate_region(text)
    if reason is not None:
        raise _CellError(reason)
    return text


# --- files ---


def _fail_file(path: Path, message: str) -> CatalogError:
    return CatalogError(path, (RowError(None, None, message),))


def _read_frame(path: Path) -> pl.DataFrame:
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        shown = suffix or "（无扩展名）"
        raise _fail_file(path, f"不支持的文件类型 {shown}，应为 .csv 或 .parquet")
    try:
        if suffix == ".csv":
            return pl.read_csv(path, infer_schema=False)
        return pl.read_parquet(path)
    except (OSError, pl.exceptions.PolarsError) as exc:
        need = "须为 UTF-8 编码、带表头、每行列数相同的 CSV" if suffix == ".csv" else "须为 Parquet"
        raise _fail_file(path, f"无法读取（{need}）：{exc}") from None


def _column_problem(dtype: pl.DataType) -> str | None:
    if dtype.is_float():
        return f"列类型为 {dtype}：金额与比例不得以浮点数存储，请用字符串或 Decimal"
    if dtype == pl.String or dtype.is_decimal() or dtype.is_integer() or dtype == pl.Null:
        return None
    return f"列类型 {dtype} 不受支持，请用字符串"


def _text_rows(path: Path, columns: tuple[str, ...], rows_max: int) -> Iterator[Cells]:
    """The rows of the file as text cells (None for empty), after the file-level checks."""
    frame = _read_frame(path)
    missing = [column for column in columns if column not in frame.columns]
    errors = [RowError(None, column, "缺少此列") for column in missing]
    errors += [
        RowError(None, column, problem)
        for column in columns
        if column not in missing and (problem := _column_problem(frame.schema[column])) is not None
    ]
    if errors:
        raise CatalogError(path, tuple(errors))
    if frame.height > rows_max:
        raise _fail_file(path, f"共 {frame.height} 条记录，超过上限 {rows_max}")
    frame = frame.select(pl.col(column).cast(pl.String) for column in columns)
    for cells in frame.iter_rows(named=True):
        yield {column: (value if value != "" else None) for column, value in cells.items()}


def _fee_item(row: _Row) -> FeeItem | None:
    code = row.take("hilist_code", _code, "")
    name = row.take("hilist_name", _name, "")
    level: ChargeLevel = row.take("chrg_itm_lv", _charge_level, "03")
    selfpay = row.take("selfpay_prop", _optional_ratio, None)
    cap = row.take("pric_uplmt_amt", _optional_price, None)
    rules = Restrictions(
        sex=row.take("lmt_sex", _optional_sex, None),
        age_min=row.take("lmt_age_min", _optional_age, None),
        age_max=row.take("lmt_age_max", _optional_age, None),
        min_hosp_lv=row.take("lmt_hosp_lv_min", _optional_hosp_lv, None),
        max_hosp_lv=row.take("lmt_hosp_lv_max", _optional_hosp_lv, None),
    )
    if rules.age_min is not None and rules.age_max is not None and rules.age_min > rules.age_max:
        row.fail("lmt_age_max", f"最高年龄 {rules.age_max} 小于最低年龄 {rules.age_min}")
    low, high = rules.min_hosp_lv, rules.max_hosp_lv
    if low is not None and high is not None and low > high:
        row.fail("lmt_hosp_lv_max", f"最高医院等级 {high} 低于最低医院等级 {low}")
    if row.failed:
        return None
    return FeeItem(code, name, level, selfpay, cap, rules)


#: Which `kind` values each code letter allows: H (医疗机构) or P (零售药店).
_KIND_BY_CODE: Final[Mapping[str, tuple[InstitutionKind, ...]]] = MappingProxyType(
    {"medical": ("hospital", "clinic"), "pharmacy": ("pharmacy",)}
)


def _institution(row: _Row) -> Institution | None:
    parsed: InstitutionCode | None = row.take("fixmedins_code", parse_institution, None)
    name = row.take("fixmedins_name", _name, "")
    level: HospLevel = row.take("hosp_lv", _hosp_lv, "1")
    kind: InstitutionKind = row.take("kind", _kind, "hospital")
    region = row.take("admdvs", _region, "")
    if parsed is not None and not row.failed and kind not in _KIND_BY_CODE[parsed.kind]:
        allowed = "、".join(_KIND_BY_CODE[parsed.kind])
        row.fail("kind", f"代码以 {parsed.code[0]} 开头，机构类型应为 {allowed}，实为 {kind}")
    if row.failed or parsed is None:
        return None
    return Institution(parsed.code, name, level, kind, region)


def _load(
    path: Path,
    columns: tuple[str, ...],
    build: Callable[[_Row], T | None],
    rows_max: int,
) -> tuple[T, ...]:
    """Build every row; the first column is the key, checked for duplicates on its raw text."""
    errors: list[RowError] = []
    built: list[T] = []
    first_row: dict[str, int] = {}
    for number, cells in enumerate(_text_rows(path, columns, rows_max), start=1):
        key = cells[columns[0]]
        row = _Row(number, cells, key, errors)
        value = build(row)
        if key is not None and key in first_row:
            row.fail(columns[0], f"编码重复，与第 {first_row[key]} 条记录相同")
        elif key is not None:
            first_row[key] = number
        if value is not None and not row.failed:
            built.append(value)
    if errors:
        raise CatalogError(path, tuple(errors))
    return tuple(built)


def load_fee_items(path: str | os.PathLike[str], *, rows_max: int = ROWS_MAX) -> Catalog:
    """Read a fee-item catalogue (.csv or .parquet); CatalogError lists every bad row."""
    return Catalog(_load(Path(path), FEE_COLUMNS, _fee_item, rows_max))


def load_institutions(
    path: str | os.PathLike[str], *, rows_max: int = ROWS_MAX
) -> InstitutionRegistry:
    """Read an institution registry (.csv or .parquet); CatalogError lists every bad row."""
    return InstitutionRegistry(_load(Path(path), INSTITUTION_COLUMNS, _institution, rows_max))
