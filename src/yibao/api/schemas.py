"""Input and output schemas of the HTTP face (separate per direction; OpenAPI is built from
them). Money travels as decimal strings with two places; times in Beijing time (`+08:00`), a
settlement's `setl_time` as `YYYY-MM-DD HH:MM:SS` like the national interface."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from yibao.core.beijing import in_beijing

T = TypeVar("T")
#: An instant shown in Beijing time (the store keeps UTC).
BeijingTime = Annotated[dt.datetime, AfterValidator(in_beijing)]


class NationalRequest(BaseModel):
    """The national envelope (请求报文). `input` is the transaction's body (docs/interface.md)."""

    model_config = ConfigDict(extra="allow")

    infno: str = Field(examples=["2207"])
    msgid: str = Field(max_length=64, examples=["H51162300001202403091200000001"])
    mdtrtarea_admvs: str | None = Field(None, examples=["511623"])
    insuplc_admdvs: str | None = Field(None, examples=["511623"])
    fixmedins_code: str = Field(examples=["H51162300001"])
    opter: str | None = Field(None, examples=["0001"])
    inf_time: str | None = Field(None, examples=["2024-03-09 12:00:00"])
    input: dict[str, Any]


class NationalResponse(BaseModel):
    """The national answer (响应报文): `infcode` 0 success, -1 refused with `err_msg`;
    `err_code` (an extension) names the reason in snake_case."""

    infcode: int
    inf_refmsgid: str
    refmsg_time: str
    err_msg: str
    err_code: str
    output: dict[str, Any]


class Health(BaseModel):
    status: str


class Ready(BaseModel):
    status: str
    database: str
    revision: str | None
    head: str


class LoginIn(BaseModel):
    username: str = Field(max_length=64, pattern=r"^[^\x00-\x1f]*$")
    password: str = Field(max_length=256)


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
    """A settlement: the engine's document (SETTLEMENT.md §4) with `setldetail`, each row's
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
