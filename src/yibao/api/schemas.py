"""Input and output schemas of the HTTP face (separate per direction; OpenAPI is built from
them). Money travels as decimal strings with two places; times in Beijing time (`+08:00`), a
settlement's `setl_time` as `YYYY-MM-DD HH:MM:SS` like the national interface."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, Field

from yibao.core.beijing import in_beijing

T = TypeVar("T")
#: An instant shown in Beijing time (the store keeps UTC).
BeijingTime = Annotated[dt.datetime, AfterValidator(in_beijing)]


class Health(BaseModel):
    status: str


class Ready(BaseModel):
    status: str
    database: str
    revision: str | None
    head: str


def _encodable(value: str) -> str:
    """Refuse a lone UTF-16 surrogate (`\\ud800` in JSON, or undecodable bytes read with
    `surrogatepass`): no UTF-8 column, hash or log can take it."""
    try:
        value.encode()
    except UnicodeEncodeError:
        raise ValueError("含有无法编码的字符（孤立的 UTF-16 代理项）") from None
    return value


#: Text of a request body: valid Unicode (no lone surrogate).
Text = Annotated[str, AfterValidator(_encodable)]


class LoginIn(BaseModel):
    username: Text = Field(max_length=64, pattern=r"^[^\x00-\x1f]*$")
    password: Text = Field(max_length=256)


class PasswordIn(BaseModel):
    current: str = Field(max_length=256)
    new: str = Field(max_length=256)


class UserOut(BaseModel):
    username: str
    role: str
    role_name: str
    region: str
    disabled: bool
    locked: bool


class SessionOut(BaseModel):
    token: str
    expires_at: BeijingTime
    username: str
    role: str
    region: str


class Problem(BaseModel):
    reason: str
    message: str


class Page(BaseModel, Generic[T]):
    total: int
    limit: int
    offset: int
    items: list[T]
    note: str = ""


class PersonOut(BaseModel):
    id_number: str
    name: str
    birth_date: dt.date
    sex: str
    region: str
    household_id: str | None
    groups: list[str]
    civil_servant: bool


class PersonEnrollmentOut(BaseModel):
    scheme: str
    region: str
    year: int
    status: str
    psn_type: str
    start_date: dt.date
    benefit_start: dt.date


class PersonDetailOut(PersonOut):
    enrollments: list[PersonEnrollmentOut]


class EnrollmentOut(BaseModel):
    id_number: str
    scheme: str
    region: str
    year: int
    status: str
    psn_type: str
    start_date: dt.date
    benefit_start: dt.date
    waiting_months: int
    employer_code: str | None
    wage_base: str | None


class SettlementOut(BaseModel):
    setl_id: str
    mdtrt_id: str
    fixmedins_code: str
    psn_no: str
    insutype: str
    region: str
    year: int
    med_type: str
    commit_seq: int
    medfee_sumamt: str
    fund_pay_sumamt: str
    acct_pay: str
    psn_cash_pay: str
    created_at: BeijingTime
    setl_time: str = Field(examples=["2024-03-09 12:00:00"])
    reversal_id: str | None


class SettlementDetailOut(BaseModel):
    """A settlement: the engine's document (docs/settlement.md §4) with `setldetail`, each row's
    `setl_proc_info` the trace of the rule that paid it, and the accumulators before it."""

    setl_id: str
    fixmedins_code: str
    mdtrt_id: str
    region: str
    year: int
    commit_seq: int
    reversal_id: str | None
    setl_time: str = Field(examples=["2024-03-09 12:00:00"])
    result: dict[str, Any]
    ytd_before: dict[str, Any]


class FundBalanceOut(BaseModel):
    region: str
    code: str
    holder: str
    debit: str
    credit: str
    balance: str


class FundMonthOut(BaseModel):
    month: str = Field(examples=["2020-01"])
    income: str
    expenditure: str
    balance: str


class FundYearOut(BaseModel):
    income: str
    expenditure: str
    balance_open: str
    balance_close: str
    current_ratio: str | None = Field(description="当期收支率 = 支出 ÷ 收入，4 位小数")
    months_payable: str | None = Field(description="累计结余可支付月数，4 位小数")
    level: str | None = Field(description="insufficient / low / reasonable / high / excess")


class FundFiguresOut(BaseModel):
    months: list[FundMonthOut]
    year: FundYearOut


class FundWarningOut(BaseModel):
    fund: str
    indicator: str = Field(description="months_payable / current_ratio / growth")
    value: str | None
    level: str
    message: str


class FundAnalysisOut(BaseModel):
    """基金运行分析 (docs/fund-analysis.md): funds keyed by ledger account code, money with two
    decimals, ratios and months with four."""

    region: str
    year: int
    funds: dict[str, FundFiguresOut]
    warnings: list[FundWarningOut]


class AuditCaseOut(BaseModel):
    case_id: str
    region: str


class DrgResultOut(BaseModel):
    setl_id: str
    mdtrt_id: str
    fixmedins_code: str
    region: str
    year: int
    mdc: str
    adrg: str
    drg: str
    status: str
    trace: list[str]
    created_at: BeijingTime


class MedTypeTotals(BaseModel):
    med_type: str
    settlements: int
    medfee_sumamt: str
    inscp_scp_amt: str
    hifp_pay: str
    fund_pay_sumamt: str


class IndicatorsOut(BaseModel):
    year: int
    scope: str
    by_med_type: list[MedTypeTotals]
    inpatient_policy_ratio: str | None
    drg_grouped_share: str | None


class WriteLogOut(BaseModel):
    at: BeijingTime
    actor: str
    action: str
    target: str
    detail: dict[str, Any]
    region: str | None = None
