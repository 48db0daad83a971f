"""The bureau API's 依申请救助 routes and the monitoring list (SETTLEMENT.md §6;
docs/benefits.md "依申请救助与监测", docs/api.md).

Handlers (经办) record and decide applications in their scope; the roles that read persons read
the queue, an application with its audit trail, and the monitoring list. Persons are named in a
POST body or a query, never in a path. A refusal is a Problem: 422 for input, 403 for a role or
a region outside the scope, 404 for an application or person outside the scope, 409 for an
application already decided or a second one in the year."""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field

from yibao.api.schemas import Page, Problem
from yibao.assist.model import Application
from yibao.server.deps import PrincipalDep, StoreDep
from yibao.services.assist import (
    AssistProblem,
    AssistRefused,
    application,
    applications,
    apply,
    decide,
    monitor,
    to_json,
)
from yibao.services.bureau import PAGE_SIZE_MAX

router = APIRouter(prefix="/api/v1", tags=["医保局 bureau API v1"])
STATUS: Final = {AssistProblem.FORBIDDEN: 403, AssistProblem.OUT_OF_SCOPE: 403,
                 AssistProblem.NOT_FOUND: 404, AssistProblem.ALREADY_DECIDED: 409,
                 AssistProblem.DUPLICATE: 409}
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem}, 403: {"model": Problem}, 404: {"model": Problem},
    409: {"model": Problem}, 422: {"model": Problem}}
PSN_NO: Final = r"^[0-9A-Za-z]{1,32}$"


class ApplyIn(BaseModel):
    """An application: the person, the household's declared annual income, the day."""

    psn_no: str = Field(pattern=PSN_NO, description="参保人身份证号（人员编号）")
    income: str = Field(max_length=20, description="申报的家庭年收入（元），十进制字符串")
    applied_on: str = Field(max_length=10, description="申请日期 YYYY-MM-DD")


class DecideIn(BaseModel):
    decision: Literal["approve", "refuse"] = Field(
        description="approve 审核通过（按规则核定救助）；refuse 不予救助")
    reason: str = Field("", max_length=500, description="审核意见；不予救助时必填")


class ApplicationOut(BaseModel):
    app_id: int
    psn_no: str
    scheme: str
    region: str
    year: int
    income: str
    applied_on: str
    applied_by: str
    state: str = Field(description="applied 待审核、granted 已救助、refused 未通过")
    state_name: str
    reason: str = Field(description="未通过的原因：no_policy、already_assisted、"
                                    "below_threshold，或 handler（经办审核未通过）")
    reason_name: str
    note: str
    decided_on: str | None
    decided_by: str | None
    household_oop: str | None = Field(description="申请日前 months 个月的家庭自付（元）")
    threshold: str | None = Field(description="家庭年收入 × income_share（元）")
    b: str | None
    t: str | None
    grant: str | None = Field(description="救助金额（元），医疗救助基金 610100 支付")
    txn_id: str | None


class TrailOut(BaseModel):
    at: str = Field(description="北京时间")
    actor: str
    action: str
    detail: str


class ApplicationDetail(ApplicationOut):
    trail: list[TrailOut] = Field(description="操作记录（写入日志），最早的在前")


class MonitorPerson(BaseModel):
    psn_no: str
    household_id: str | None
    groups: list[str]
    oop: str
    threshold: str


class MonitorHousehold(BaseModel):
    household_id: str
    members: int
    oop: str
    threshold: str


class MonitorOut(BaseModel):
    year: int
    persons: list[MonitorPerson]
    households: list[MonitorHousehold]


def _problem(result: AssistRefused) -> HTTPException:
    return HTTPException(STATUS.get(result.reason, 422),  # type: ignore[call-overload]
                         {"reason": result.reason, "message": result.message})


def _answer(result: Application | AssistRefused) -> dict[str, Any]:
    if isinstance(result, AssistRefused):
        raise _problem(result)
    return to_json(result)


@router.post("/assist/applications", response_model=ApplicationOut, status_code=201,
             responses=ERRORS)
def apply_for(body: ApplyIn, who: PrincipalDep, store: StoreDep) -> dict[str, Any]:
    """登记医疗救助申请（依申请救助，经办）：参保人须在申请日有效参保；同一参保人同一年度只能有一件
    待审核或已救助的申请。"""
    return _answer(apply(body.psn_no, body.income, body.applied_on,
                         actor=f"api:{who.username}", who=who, store=store))


@router.post("/assist/applications/{app_id}/decide", response_model=ApplicationOut,
             responses=ERRORS)
def decide_application(app_id: int, body: DecideIn, who: PrincipalDep, store: StoreDep
                       ) -> dict[str, Any]:
    """审核医疗救助申请（经办），只审核一次：通过时按规则核定（no_policy、already_assisted、
    below_threshold 依次判断），核定的救助金额由医疗救助基金支付并计入年度累计。"""
    return _answer(decide(app_id, body.decision == "approve", body.reason,
                          actor=f"api:{who.username}", who=who, store=store))


@router.get("/assist/applications", response_model=Page[ApplicationOut], responses=ERRORS)
def list_applications(
    who: PrincipalDep, store: StoreDep,
    state: Annotated[str | None, Query(max_length=10, description="applied、granted、refused")
                     ] = None,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    psn_no: Annotated[str | None, Query(pattern=PSN_NO, description="人员编号")] = None,
    limit: Annotated[int, Query(ge=1, le=PAGE_SIZE_MAX)] = 50,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> dict[str, Any]:
    """医疗救助申请队列（最新的在前），在您的管辖范围内。"""
    found = applications(state=state, year=year, psn_no=psn_no, limit=limit, offset=offset,
                         who=who, store=store)
    if isinstance(found, AssistRefused):
        raise _problem(found)
    return {"total": found.total, "limit": limit, "offset": offset,
            "items": [to_json(a) for a in found.items], "note": ""}


@router.get("/assist/applications/{app_id}", response_model=ApplicationDetail,
            responses=ERRORS)
def get_application(app_id: int, who: PrincipalDep, store: StoreDep) -> dict[str, Any]:
    """一件医疗救助申请及其操作记录。"""
    found = application(app_id, who=who, store=store)
    if isinstance(found, AssistRefused):
        raise _problem(found)
    app, trail = found
    return {**to_json(app), "trail": [{"at": e.at, "actor": e.actor, "action": e.action,
                                       "detail": e.detail} for e in trail]}


@router.get("/assist/monitor", response_model=MonitorOut, responses=ERRORS)
def monitoring_list(who: PrincipalDep, store: StoreDep,
                    year: Annotated[int, Query(ge=2000, le=2100, description="监测年度")]
                    ) -> dict[str, Any]:
    """防止因病致贫返贫动态监测名单：年度自付费用达到监测标准的人员和家庭（管辖范围内）。"""
    found = monitor(year, who=who, store=store)
    if isinstance(found, AssistRefused):
        raise _problem(found)
    return found
