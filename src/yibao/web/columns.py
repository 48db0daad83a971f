"""The columns of every list the console shows, defined once for the page and its Excel
export: a zh-CN header, how to read the value from a row, and its kind (money is a decimal
with two places, exact; times are already Beijing time text)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final, Literal

from yibao.core import labels
from yibao.core.beijing import beijing_text
from yibao.payment.budget import METHODS
from yibao.web.html import esc, link, path, table

Row = Mapping[str, Any]
Kind = Literal["text", "money", "count", "decimal"]


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    value: Callable[[Row], Any]
    kind: Kind = "text"
    href: Callable[[Row], str] | None = None
    html: Callable[[Row], str] | None = None


def text_of(column: Column, row: Row) -> str:
    """The value as a page shows it ("—" for nothing)."""
    value = column.value(row)
    if value is None or value == "":
        return "—"
    if column.kind == "count":
        return f"{int(value):,}"
    return str(value)


def cell(column: Column, row: Row) -> str:
    if column.html is not None:
        return column.html(row)
    text = text_of(column, row)
    return link(column.href(row), text) if column.href is not None else esc(text)


def html_table(columns: Sequence[Column], rows: Iterable[Row]) -> str:
    numeric = [i for i, c in enumerate(columns) if c.kind != "text"]
    return table([esc(c.header) for c in columns],
                 ([cell(c, r) for c in columns] for r in rows), numeric)


def institution(row: Row) -> str:
    return labels.with_code(row.get("fixmedins_name"), row["fixmedins_code"])


def _money(name: str) -> Column:
    headers = {"medfee_sumamt": "总费用", "fund_pay_sumamt": "基金支付", "acct_pay": "个人账户",
               "psn_cash_pay": "个人现金", "amount": "涉及金额"}
    return Column(f"{headers[name]}（元）", lambda r: Decimal(str(r[name])), "money")


PERSONS: Final = (
    Column("身份证号", lambda r: r["id_number"],
           href=lambda r: path("/console/persons", r["id_number"])),
    Column("姓名", lambda r: r["name"]),
    Column("性别", lambda r: labels.name("sex", r["sex"])),
    Column("出生日期", lambda r: r["birth_date"]),
    Column("户籍区划", lambda r: r["region"]),
    Column("险种", lambda r: labels.name("insutype", r.get("insutype"))),
    Column("人员类别", lambda r: labels.name("psn_type", r.get("psn_type"))),
    Column("参保状态", lambda r: labels.name("enroll_status", r.get("status"))),
    Column("参保年度", lambda r: r.get("year")),
    Column("救助类别", lambda r: labels.names("assistance_group", r["groups"])),
)

SETTLEMENTS: Final = (
    Column("结算ID", lambda r: r["setl_id"],
           href=lambda r: path("/console/settlements", r["setl_id"])),
    Column("就诊ID", lambda r: r["mdtrt_id"]),
    Column("定点医药机构", institution),
    Column("险种", lambda r: labels.name("insutype", r["insutype"])),
    Column("医疗类别", lambda r: labels.name("med_type", r["med_type"])),
    Column("结算时间", lambda r: r["setl_time"]),
    _money("medfee_sumamt"), _money("fund_pay_sumamt"), _money("acct_pay"),
    _money("psn_cash_pay"),
    Column("冲销号", lambda r: r["reversal_id"]),
)


def _state(row: Row) -> str:
    return f"<span class='state {esc(row['state'])}'>{esc(row['state_name'])}</span>"


CASES: Final = (
    Column("案件", lambda r: r["case_id"], href=lambda r: path("/console/cases", r["case_id"])),
    Column("规则", lambda r: r["rule_name"]),
    Column("定点医药机构", institution),
    Column("就诊", lambda r: r["mdtrt_id"]),
    _money("amount"),
    Column("状态", lambda r: r["state_name"], html=_state),
    Column("生成时间", lambda r: beijing_text(r["created_at"])),
)

DRG_RESULTS: Final = (
    Column("结算ID", lambda r: r["setl_id"],
           href=lambda r: path("/console/settlements", r["setl_id"])),
    Column("定点医药机构", institution),
    Column("MDC", lambda r: r["mdc"]),
    Column("ADRG", lambda r: r["adrg"]),
    Column("DRG", lambda r: r["drg"]),
    Column("分组状态", lambda r: labels.name("drg_status", r["status"])),
    Column("付费方式", lambda r: METHODS.get(r["payment_method"] or "", "待清算")),
    Column("写入时间", lambda r: beijing_text(r["created_at"])),
)

HOSPITALS: Final = (
    Column("定点医药机构", lambda r: labels.with_code(r.get("name"), str(r["hospital"]))),
    Column("病例", lambda r: r["cases"], "count"),
    Column("CMI", lambda r: Decimal(str(r["cmi"])), "decimal"),
    Column("点数", lambda r: Decimal(str(r["points"])), "decimal"),
    Column("金额（元）", lambda r: Decimal(str(r["amount"])).quantize(Decimal("0.01")), "money"),
)

MONTHLY: Final = (
    Column("月份", lambda r: r["month"]),
    Column("收入（元）", lambda r: r["income"], "money"),
    Column("支出（元）", lambda r: r["expenditure"], "money"),
    Column("累计结余（元）", lambda r: r["balance"], "money"),
)

BALANCES: Final = (
    Column("统筹区", lambda r: r["region"]),
    Column("科目", lambda r: r["name"]),
    Column("借方（元）", lambda r: Decimal(r["debit"]), "money"),
    Column("贷方（元）", lambda r: Decimal(r["credit"]), "money"),
    Column("余额（元）", lambda r: Decimal(r["balance"]), "money"),
)
