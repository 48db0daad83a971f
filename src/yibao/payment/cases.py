"""The input of payment: a year of grouped, costed cases (已分组、已计费的住院病例), one a row.

`conform_cases` checks a frame against `CASE_SCHEMA`, adds the optional columns with their
defaults and returns it in schema order; a missing required column or a broken conservation
(`medfee_sumamt = fund_pay_fen + other_pay_fen`) is a `PaymentInputError` naming the column or
the first bad row. Money is integer fen. See docs/payment.md.
"""

from __future__ import annotations

from typing import Final

import polars as pl

#: Required columns: a grouped, costed inpatient stay.
REQUIRED_SCHEMA: Final[dict[str, pl.DataType]] = {
    "setl_id": pl.String(),  # settlement id (结算 ID)
    "hospital": pl.String(),  # medical institution code (定点医疗机构编码)
    "level": pl.String(),  # hospital level (医院等级): "3", "2", "1" or a local code
    "drg": pl.String(),  # DRG code, "0000" when ungroupable (无法入组)
    "medfee_sumamt": pl.Int64(),  # total cost of the stay (医疗费用总额), fen
    "fund_pay_fen": pl.Int64(),  # pooled fund paid at discharge (统筹基金支付), fen
    "other_pay_fen": pl.Int64(),  # the patient's and other funds' parts (个人及其他基金), fen
    "los_days": pl.Int32(),  # length of stay (住院天数)
    "dscg_date": pl.Date(),  # discharge date (出院日期)
    "psn_no": pl.String(),  # person id (人员编号)
}
#: Optional columns and their defaults when absent.
OPTIONAL_SCHEMA: Final[dict[str, tuple[pl.DataType, object]]] = {
    "mdc": (pl.String(), ""),
    "adrg": (pl.String(), ""),
    "incomplete": (pl.Boolean(), False),  # 未完成住院 (transfer, death, left against advice)
    "special_review": (pl.Boolean(), False),  # approved for 特病单议
    "review_points_e4": (pl.Int64(), None),  # points set by the review panel, 0.0001 point
    "readmit_justified": (pl.Boolean(), False),  # a planned or justified readmission
    "principal_diagnosis": (pl.String(), ""),  # ICD-10 医保版, for DIP
    "principal_procedure": (pl.String(), ""),  # ICD-9-CM-3 医保版, for DIP; "" when none
    "procedure_type": (pl.String(), ""),  # DIP treatment type, see dip.TREATMENT_TYPES
}
CASE_SCHEMA: Final = {
    **REQUIRED_SCHEMA,
    **{name: dtype for name, (dtype, _) in OPTIONAL_SCHEMA.items()},
}
UNGROUPABLE: Final = "0000"
#: No single stay costs more than this (10 million yuan); guards the int64 products.
COST_FEN_MAX: Final = 1_000_000_000
LOS_DAYS_MAX: Final = 10_000


class PaymentInputError(ValueError):
    """Cases or parameters payment cannot use; the message (zh-CN) names the column or row."""


def conform_cases(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame in `CASE_SCHEMA` order with optional columns filled; checked, never repaired."""
    missing = [c for c in REQUIRED_SCHEMA if c not in frame.columns]
    if missing:
        raise PaymentInputError(f"病例表缺少列：{missing}（格式见 docs/payment.md）")
    exprs = []
    for name, dtype in REQUIRED_SCHEMA.items():
        exprs.append(pl.col(name).cast(dtype, strict=True))
    for name, (dtype, default) in OPTIONAL_SCHEMA.items():
        if name in frame.columns:
            column = pl.col(name).cast(dtype, strict=True)
            exprs.append(column if default is None else column.fill_null(default))
        else:
            exprs.append(pl.lit(default, dtype=dtype).alias(name))
    try:
        out = frame.select(exprs)
    except pl.exceptions.PolarsError as error:
        raise PaymentInputError(f"病例表列类型不符：{error}") from None
    _check(out)
    return out


def _first_bad(frame: pl.DataFrame, bad: pl.Expr, message: str) -> None:
    rows = frame.filter(bad)
    if rows.height:
        raise PaymentInputError(f"{message}：结算 ID {rows['setl_id'][0]}（共 {rows.height} 例）")


def _check(frame: pl.DataFrame) -> None:
    for name in REQUIRED_SCHEMA:
        _first_bad(frame, pl.col(name).is_null(), f"列 {name} 有空值")
    cost = pl.col("medfee_sumamt")
    _first_bad(frame, (cost < 0) | (cost > COST_FEN_MAX), "医疗费用总额超出 0–1000 万元")
    _first_bad(frame, (pl.col("fund_pay_fen") < 0) | (pl.col("other_pay_fen") < 0), "支付金额为负")
    _first_bad(
        frame,
        pl.col("fund_pay_fen") + pl.col("other_pay_fen") != cost,
        "统筹基金支付 + 个人及其他基金支付 ≠ 医疗费用总额",
    )
    los = pl.col("los_days")
    _first_bad(frame, (los < 0) | (los > LOS_DAYS_MAX), "住院天数超出 0–10000")
    _first_bad(frame, pl.col("setl_id").is_duplicated(), "结算 ID 重复")
