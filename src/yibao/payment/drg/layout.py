"""Input layouts of the grouper: the settlement list (Parquet) and the OpenDRG sample CSV.

Both become one frame in the settlement-list layout (docs/drg.md), which the column grouper reads
and `cases_from_frame` turns into `Case` values. A number that cannot be read becomes missing, so
the case is reported by the checks instead of stopping the whole file.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

import polars as pl

from yibao.payment.drg.model import Case

#: The settlement-list layout: one row per stay (医保结算清单 fields used by grouping).
SETTLEMENT_SCHEMA: Final[dict[str, pl.DataType]] = {
    "setl_id": pl.String(),  # settlement id (结算 ID); the output calls it `Index`
    "gender": pl.Int8(),  # 1 male, 2 female
    "age": pl.Int16(),  # years
    "age_days": pl.Int32(),  # age in days (needed when age is 0)
    "weight_g": pl.Int32(),  # birth weight of a newborn, grams
    "los_days": pl.Int32(),  # length of stay (住院天数)
    "dscg_way": pl.String(),  # discharge status (离院方式) 1–5, 9
    "principal_diagnosis": pl.String(),  # ICD-10 医保版
    "secondary_diagnoses": pl.List(pl.String()),
    "procedures": pl.List(pl.String()),  # ICD-9-CM-3 医保版, principal first
    "icu_hours": pl.Int32(),  # 重症监护时长
    "vent_hours": pl.Int32(),  # 有创呼吸机使用时长
}
REQUIRED: Final = ("setl_id", "gender", "age", "principal_diagnosis")
OPENDRG_COLUMNS: Final = ("Index", "gender", "age", "ageDay", "ICD10_DRGS", "ICD9_DRGS")
OPENDRG_RENAME: Final = {
    "Index": "setl_id",
    "ageDay": "age_days",
    "weight": "weight_g",
    "inHospitalTime": "los_days",
    "leavingType": "dscg_way",
}
CODE_SEPARATOR: Final = "|"


class DrgInputError(ValueError):
    """Input that is in neither layout; the message (zh-CN) names the missing columns."""


def to_settlement(frame: pl.DataFrame) -> pl.DataFrame:
    """Either layout → the settlement-list layout, columns in `SETTLEMENT_SCHEMA` order."""
    if "ICD10_DRGS" in frame.columns:
        return _from_opendrg(frame)
    if "Index" in frame.columns and "setl_id" not in frame.columns:
        frame = frame.rename({"Index": "setl_id"})
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise DrgInputError(
            f"输入既不是结算清单格式（缺少列 {missing}），也不是 OpenDRG 样例格式"
            f"（需要列 {list(OPENDRG_COLUMNS)}）"
        )
    return _conform(frame)


def _numeric(name: str, dtype: pl.DataType, frame: pl.DataFrame) -> pl.Expr:
    column = pl.col(name)
    if frame.schema[name] == pl.Utf8:
        column = column.str.strip_chars().replace("", None)
    return column.cast(dtype, strict=False).alias(name)


def _conform(frame: pl.DataFrame) -> pl.DataFrame:
    exprs = []
    for name, dtype in SETTLEMENT_SCHEMA.items():
        if name not in frame.columns:
            exprs.append(pl.lit(None, dtype=dtype).alias(name))
        elif dtype.is_integer():
            exprs.append(_numeric(name, dtype, frame))
        elif isinstance(dtype, pl.List):
            exprs.append(pl.col(name).cast(dtype).fill_null(pl.lit([], dtype=dtype)))
        else:
            exprs.append(pl.col(name).cast(pl.Utf8))
    return frame.select(exprs)


def _codes(name: str) -> pl.Expr:
    """A `|`-joined code string → its codes, blanks around and empty items dropped."""
    return (
        pl.col(name)
        .cast(pl.Utf8)
        .fill_null("")
        .str.split(CODE_SEPARATOR)
        .list.eval(pl.element().str.strip_chars())
        .list.eval(pl.element().filter(pl.element() != ""))
    )


def _from_opendrg(frame: pl.DataFrame) -> pl.DataFrame:
    missing = [c for c in OPENDRG_COLUMNS if c not in frame.columns]
    if missing:
        raise DrgInputError(f"OpenDRG 样例格式缺少列 {missing}")
    renamed = frame.rename({k: v for k, v in OPENDRG_RENAME.items() if k in frame.columns})
    split = renamed.with_columns(
        _codes("ICD10_DRGS").alias("_diagnoses"), _codes("ICD9_DRGS").alias("procedures")
    ).with_columns(
        pl.col("_diagnoses").list.first().alias("principal_diagnosis"),
        pl.col("_diagnoses").list.slice(1).alias("secondary_diagnoses"),
    )
    return _conform(split)


def _number(value: object) -> int | None:
    return None if value is None else int(str(value))


def cases_from_frame(frame: pl.DataFrame) -> list[Case]:
    """The rows of a settlement-layout frame as `Case` values (a null code becomes "")."""
    columns = ("setl_id", "gender", "age", "age_days", "weight_g")
    lists = ("principal_diagnosis", "secondary_diagnoses", "procedures")
    rows: Iterable[tuple[object, ...]] = frame.select(*columns, *lists).iter_rows()
    cases = []
    for index, gender, age, days, weight, principal, secondary, procedures in rows:
        diagnoses: tuple[str, ...] = ()
        if principal:
            diagnoses = (str(principal), *(c or "" for c in secondary or ()))  # type: ignore[attr-defined]
        cases.append(
            Case(
                index=str(index),
                gender=_number(gender),
                age=_number(age),
                age_days=_number(days),
                weight_g=_number(weight),
                diagnoses=diagnoses,
                procedures=tuple(c or "" for c in procedures or ()),  # type: ignore[attr-defined]
            )
        )
    return cases
