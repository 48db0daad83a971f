"""The bureau's REST API, version 1: sessions and read-only lists, each in the reader's scope."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Final, TypeVar

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, Field

from yibao.api.schemas import (
    AuditCaseOut,
    BeijingTime,
    DrgResultOut,
    EnrollmentOut,
    FundAnalysisOut,
    FundBalanceOut,
    IndicatorsOut,
    LoginIn,
    Page,
    PersonDetailOut,
    PersonOut,
    Problem,
    SessionOut,
    SettlementDetailOut,
    SettlementOut,
    WriteLogOut,
)
from yibao.server.deps import (
    PrincipalDep,
    StoreDep,
    TokenDep,
    account_refused,
    client_address,
    refused,
)
from yibao.services import accounts, bureau, cases
from yibao.services.bureau import PAGE_SIZE_MAX, Refused

router = APIRouter(prefix="/api/v1", tags=["医保局 bureau API v1"])
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem}, 403: {"model": Problem}, 404: {"model": Problem}}
Limit = Annotated[int, Query(ge=1, le=PAGE_SIZE_MAX, description="每页条数")]
#: Offsets past this are refused (422): a larger one overflows a 64-bit database integer.
OFFSET_MAX = 10**9
Offset = Annotated[int, Query(ge=0, le=OFFSET_MAX, description="跳过条数")]
Region = Annotated[str | None, Query(pattern=r"^[0-9]{6}$",  # ASCII digits only
                                     description="行政区划代码（须在管辖范围内）")]
Year = Annotated[int | None, Query(ge=1990, le=2100)]


class AuditCaseItem(AuditCaseOut):
    """A case of the audit work queue (docs/console.md)."""

    year: int
    rule_id: str
    rule_name: str
    mdtrt_id: str
    setl_id: str
    fixmedins_code: str
    psn_no: str
    amount: str
    state: str
    state_name: str
    recovery_txn_id: str | None
    refund_txn_id: str | None
    created_at: BeijingTime

class CaseEventOut(BaseModel):
    at: datetime
    by: str
    from_state: str
    to_state: str
    note: str
    amount: str


class AuditCaseDetail(AuditCaseItem):
    """A case with its evidence, its trail (who, when) and the moves open to the reader."""

    evidence: dict[str, Any]
    trail: list[CaseEventOut]
    moves: list[str]


class CaseMoveIn(BaseModel):
    """A move of a case: 开始审核 under_review, 确认违规 confirmed (with the amount in yuan),
    排除 dismissed, 登记申诉 appealed."""

    to: str = Field(pattern="^(new|under_review|confirmed|dismissed|appealed)$")
    note: str = Field(default="", max_length=500)
    amount: str | None = Field(default=None, max_length=32,
                               description="确认违规的追回金额（元），省略时为涉及金额")


#: A refused move's HTTP status: bad input 422, a move the state or a racing reviewer forbids
#: 409, a move that needs another person (separation of duties) 403.
MOVE_STATUS: Final = {
    cases.MoveRefusal.INVALID: 422, cases.MoveRefusal.AMOUNT_NEEDED: 422,
    cases.MoveRefusal.AMOUNT_TOO_LARGE: 422, cases.MoveRefusal.NOT_ALLOWED: 409,
    cases.MoveRefusal.TRAIL_FULL: 409, cases.MoveRefusal.CONFLICT: 409,
    cases.MoveRefusal.SAME_PERSON: 403, cases.MoveRefusal.SECOND_REVIEW_NEEDED: 403}

V = TypeVar("V")


def _page(result: bureau.Page | Refused) -> dict[str, Any]:
    if isinstance(result, Refused):
        raise refused(result)
    return {"total": result.total, "limit": result.limit, "offset": result.offset,
            "items": result.items, "note": result.note}


def _one(result: V | Refused) -> V:
    """A service's typed view, or the HTTP error of its refusal."""
    if isinstance(result, Refused):
        raise refused(result)
    return result


@router.post("/session", response_model=SessionOut,
             responses={**ERRORS, 429: {"model": Problem}})
def login(body: LoginIn, store: StoreDep, request: Request) -> dict[str, Any]:
    """登录：用户名与密码换取会话令牌（Bearer），会话到期后需重新登录。失败次数过多时
    暂时锁定（429），由系统管理员解锁。"""
    opened = accounts.open_session(body.username, body.password,
                                   address=client_address(request), store=store)
    if isinstance(opened, accounts.AccountError):
        raise account_refused(opened)
    who = opened.principal
    return {"token": opened.token, "expires_at": opened.expires_at, "username": who.username,
            "role": who.role, "region": who.region}


@router.delete("/session", status_code=204, responses=ERRORS)
def logout(who: PrincipalDep, token: TokenDep, store: StoreDep) -> None:
    """退出登录：令牌立即失效。"""
    accounts.close_session(token, who, store=store)


@router.get("/persons", response_model=Page[PersonOut], responses=ERRORS)
def persons(who: PrincipalDep, store: StoreDep, region: Region = None,
            name: Annotated[str | None, Query(max_length=64)] = None, limit: Limit = 50,
            offset: Offset = 0) -> dict[str, Any]:
    """参保人员列表（按户籍区划限于管辖范围）。"""
    query = bureau.Query(limit, offset, {"region": region, "name": name})
    return _page(bureau.list_persons(who, query, store=store))


@router.get("/persons/{id_number}", response_model=PersonDetailOut, responses=ERRORS)
def person(id_number: str, who: PrincipalDep, store: StoreDep) -> Mapping[str, Any]:
    """一名参保人及其管辖范围内的参保记录。"""
    return _one(bureau.get_person(who, id_number, store=store))


@router.get("/enrollments", response_model=Page[EnrollmentOut], responses=ERRORS)
def enrollments(who: PrincipalDep, store: StoreDep, region: Region = None, year: Year = None,
                scheme: Annotated[str | None, Query(pattern="^(310|390)$")] = None,
                status: Annotated[str | None, Query(
                    pattern="^(active|lapsed|transferred)$")] = None,
                id_number: Annotated[str | None, Query(max_length=18)] = None,
                limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:
    """参保登记列表。"""
    filters = {"region": region, "year": year, "scheme": scheme, "status": status,
               "id_number": id_number}
    return _page(bureau.list_enrollments(who, bureau.Query(limit, offset, filters),
                                         store=store))


@router.get("/settlements", response_model=Page[SettlementOut], responses=ERRORS)
def settlements(who: PrincipalDep, store: StoreDep, region: Region = None, year: Year = None,
                fixmedins_code: Annotated[str | None, Query(max_length=12)] = None,
                psn_no: Annotated[str | None, Query(max_length=18)] = None,
                med_type: Annotated[str | None, Query(pattern="^(11|14|21)$")] = None,
                limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:
    """结算列表（按参保地区划），含冲销号。"""
    filters = {"region": region, "year": year, "fixmedins_code": fixmedins_code,
               "id_number": psn_no, "med_type": med_type}
    return _page(bureau.list_settlements(who, bureau.Query(limit, offset, filters),
                                         store=store))


@router.get("/settlements/{setl_id}", response_model=SettlementDetailOut, responses=ERRORS)
def settlement(setl_id: str, who: PrincipalDep, store: StoreDep) -> Mapping[str, Any]:
    """一笔结算及其基金支付明细与计算过程（setl_proc_info）。"""
    return _one(bureau.get_settlement(who, setl_id, store=store))


@router.get("/funds/balances", response_model=Page[FundBalanceOut], responses=ERRORS)
def fund_balances(who: PrincipalDep, store: StoreDep, region: Region = None) -> dict[str, Any]:
    """基金账户余额（各持有人合计）。"""
    return _page(bureau.list_fund_balances(who, region, store=store))


@router.get("/fund/analysis", response_model=FundAnalysisOut,
            responses={**ERRORS, 422: {"model": Problem}})
def fund_analysis(who: PrincipalDep, store: StoreDep,
                  region: Annotated[str, Query(pattern=r"^[0-9]{6}$",
                                               description="统筹区编码（须在管辖范围内）")],
                  year: Annotated[int, Query(ge=1990, le=2100)]) -> Mapping[str, Any]:
    """基金运行分析：各基金逐月收支与结余、当期收支率、累计结余可支付月数及其等级、风险预警。"""
    return _one(bureau.fund_analysis_of(who, region, year, store=store))


@router.get("/audit/cases", response_model=Page[AuditCaseItem], responses=ERRORS)
def audit_cases(who: PrincipalDep, store: StoreDep, region: Region = None,
                state: Annotated[str | None, Query(
                    pattern="^(new|under_review|confirmed|dismissed|appealed)$")] = None,
                limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:
    """稽核案件（稽核工作队列，由 yibao audit 批量分析的规则命中生成），可按状态筛选。"""
    query = bureau.Query(limit, offset, {"region": region, "state": state})
    return _page(cases.list_cases(who, query, store=store))


@router.get("/audit/cases/{case_id}", response_model=AuditCaseDetail, responses=ERRORS)
def audit_case(case_id: str, who: PrincipalDep, store: StoreDep) -> Mapping[str, Any]:
    """一个稽核案件：证据、处理记录（谁、何时）与当前可做的操作。"""
    return _one(cases.get_case(who, case_id, store=store))


@router.post("/audit/cases/{case_id}/moves", response_model=AuditCaseDetail,
             responses={**ERRORS, 409: {"model": Problem}, 422: {"model": Problem}})
def move_audit_case(case_id: str, body: CaseMoveIn, who: PrincipalDep, store: StoreDep
                    ) -> Mapping[str, Any]:
    """办理稽核案件：开始审核、确认违规（追回）、排除、登记申诉。开始审核的人不能独自确认；
    追回金额超过命中金额须另一名稽核人员复审批准；系统管理员不办理案件。"""
    moved = cases.move_case(who, case_id, body.to, note=body.note, amount=body.amount,
                            store=store)
    if isinstance(moved, cases.MoveRefused):
        raise HTTPException(MOVE_STATUS[moved.reason],
                            {"reason": moved.reason.value, "message": moved.message})
    return _one(moved)


@router.get("/drg/results", response_model=Page[DrgResultOut], responses=ERRORS)
def drg_results(who: PrincipalDep, store: StoreDep, region: Region = None, year: Year = None,
                drg: Annotated[str | None, Query(max_length=8)] = None,
                status: Annotated[str | None, Query(max_length=16)] = None,
                limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:
    """结算清单的 DRG 分组结果（4101A 上传时分组），含分组过程。"""
    filters = {"region": region, "year": year, "drg": drg, "status": status}
    return _page(bureau.list_drg_results(who, bureau.Query(limit, offset, filters),
                                         store=store))


@router.get("/indicators", response_model=IndicatorsOut, responses=ERRORS)
def indicators(who: PrincipalDep, store: StoreDep,
               year: Annotated[int, Query(ge=1990, le=2100)], region: Region = None
               ) -> Mapping[str, Any]:
    """结算指标：按医疗类别的人次与金额、住院政策范围内基金支付比例、DRG 覆盖率。"""
    return _one(bureau.indicators(who, year, region, store=store))


@router.get("/write-log", response_model=Page[WriteLogOut], responses=ERRORS)
def write_log(who: PrincipalDep, store: StoreDep, limit: Limit = 50,
              offset: Offset = 0) -> dict[str, Any]:
    """操作日志（谁在何时写了什么），仅系统管理员。"""
    return _page(bureau.write_log_page(who, bureau.Query(limit, offset), store=store))
