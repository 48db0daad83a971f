"""The bureau API's family-binding routes (家庭共济; docs/benefits.md, docs/api.md).

Persons are addressed by `psn_no` (the ID number) in a POST body or a query, never in a path.
Handlers (经办) bind and unbind where the holder's account is kept; the roles that read persons
read bindings. A refusal is a Problem: 422 for input or a binding rule (zh-CN message), 403 for
a role or a holder's account outside the scope, 404 for a person outside the scope (its
existence is not revealed)."""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field

from yibao.api.schemas import Page, Problem
from yibao.server.deps import PrincipalDep, StoreDep
from yibao.services.bureau import PAGE_SIZE_MAX
from yibao.services.family import Bound, FamilyProblem, FamilyRefused, bind, bindings_of, unbind

router = APIRouter(prefix="/api/v1", tags=["医保局 bureau API v1"])
STATUS: Final = {FamilyProblem.FORBIDDEN: 403, FamilyProblem.OUT_OF_SCOPE: 403,
                 FamilyProblem.NOT_FOUND: 404}
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem}, 403: {"model": Problem}, 404: {"model": Problem},
    422: {"model": Problem}}
PSN_NO: Final = r"^[0-9A-Za-z]{1,32}$"


class UnbindIn(BaseModel):
    """The two persons of a binding in force."""

    holder: str = Field(pattern=PSN_NO, description="账户持有人身份证号（职工医保参保人）")
    member: str = Field(pattern=PSN_NO, description="共济人员身份证号")


class BindIn(UnbindIn):
    """A binding: the holder, the member and the member's relation to the holder."""

    relation: str = Field(max_length=8, description="spouse 配偶、parent 父母、child 子女")


class BindingOut(BaseModel):
    holder: str
    member: str
    relation: str
    relation_name: str
    region: str = Field(description="账户持有人个人账户所在参保地")
    start: str
    end: str | None = Field(description="解除日（当日起不再有效）；null 为有效")
    in_force: bool
    bound_by: str
    unbound_by: str | None


def _answer(result: Bound | FamilyRefused) -> dict[str, Any]:
    if isinstance(result, FamilyRefused):
        raise HTTPException(STATUS.get(result.reason, 422),  # type: ignore[call-overload]
                            {"reason": result.reason, "message": result.message})
    return result.to_json()


@router.post("/family/bindings", response_model=BindingOut, status_code=201, responses=ERRORS)
def bind_member(body: BindIn, who: PrincipalDep, store: StoreDep) -> dict[str, Any]:
    """绑定家庭共济（经办）：账户持有人须有本年度有效的职工医保参保（个人账户），共济人员须有
    本年度有效参保；同一共济人员同一时间只能绑定一名账户持有人。"""
    return _answer(bind(body.holder, body.member, body.relation, actor=f"api:{who.username}",
                        who=who, store=store))


@router.post("/family/bindings/unbind", response_model=BindingOut, responses=ERRORS)
def unbind_member(body: UnbindIn, who: PrincipalDep, store: StoreDep) -> dict[str, Any]:
    """解除家庭共济绑定（经办）：自今天起不再有效。"""
    return _answer(unbind(body.holder, body.member, actor=f"api:{who.username}", who=who,
                          store=store))


@router.get("/family/bindings", response_model=Page[BindingOut], responses=ERRORS)
def list_bindings(who: PrincipalDep, store: StoreDep,
                  psn_no: Annotated[str, Query(pattern=PSN_NO, description="人员编号")],
                  limit: Annotated[int, Query(ge=1, le=PAGE_SIZE_MAX)] = 50,
                  offset: Annotated[int, Query(ge=0, le=10**9)] = 0) -> dict[str, Any]:
    """一名参保人作为账户持有人或共济人员的家庭共济绑定（含已解除），按开始日期排序。"""
    found = bindings_of(psn_no, who=who, store=store)
    if isinstance(found, FamilyRefused):
        _answer(found)
        raise AssertionError("unreachable")
    return {"total": len(found), "limit": limit, "offset": offset,
            "items": [b.to_json() for b in found[offset:offset + limit]], "note": ""}
