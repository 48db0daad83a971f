"""The bureau API's cross-region filing routes (异地就医备案; docs/offsite.md, docs/api.md).

Persons are addressed by `psn_no` (the ID number) in a POST body or a query, never in a path.
Handlers (经办) file and revoke in their scope; the roles that read persons read filings. A
refusal is a Problem: 422 for input or a filing rule (zh-CN message), 403 for a role, 404 for a
person or filing outside the scope (its existence is not revealed)."""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, HTTPException, Path, Query
from pydantic import BaseModel, Field

from yibao.api.schemas import Page, Problem, Text
from yibao.server.deps import PrincipalDep, StoreDep
from yibao.services.bureau import PAGE_SIZE_MAX
from yibao.services.offsite import (
    Filed,
    FilingProblem,
    FilingRefused,
    file_offsite,
    filings_of,
    page_of,
    parse_new_filing,
    revoke_offsite,
)

router = APIRouter(prefix="/api/v1", tags=["医保局 bureau API v1"])
STATUS: Final = {FilingProblem.FORBIDDEN: 403, FilingProblem.OUT_OF_SCOPE: 403,
                 FilingProblem.NOT_FOUND: 404}
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem}, 403: {"model": Problem}, 404: {"model": Problem},
    422: {"model": Problem}}
PSN_NO: Final = r"^[0-9A-Za-z]{1,32}$"


class FilingIn(BaseModel):
    """A filing: the person, the type, the care area (province, city or county code), the start
    date and whether it is made on the person's promise (承诺制) or with materials."""

    psn_no: str = Field(pattern=PSN_NO, description="人员编号（身份证号）")
    filing_type: str = Field(max_length=32, description="备案类型代码，如 long_term_resident")
    care_area: str = Field(max_length=6, description="就医地行政区划代码（省、市或县级）")
    start: str = Field(max_length=10, description="开始日期 YYYY-MM-DD")
    promise: bool = Field(default=True, description="承诺制（免交材料）")
    materials: Text = Field(default="", max_length=2000, description="备案材料说明")


class FilingOut(BaseModel):
    filing_id: str
    psn_no: str
    insured_region: str
    filing_type: str
    type_name: str
    category: str
    category_name: str
    care_area: str
    area_level: str
    start: str
    end: str | None = Field(description="最后有效日；null 为长期有效（至撤销）")
    filed_on: str
    promise: bool
    materials: str
    revoked_on: str | None
    status: str = Field(description="pending 未生效、active 有效、expired 已到期、revoked 已撤销")
    status_name: str
    channel: str
    filed_by: str


def _answer(result: Filed | FilingRefused) -> dict[str, Any]:
    if isinstance(result, FilingRefused):
        raise HTTPException(STATUS.get(result.reason, 422),  # type: ignore[call-overload]
                            {"reason": result.reason, "message": result.message})
    return result.to_json()


@router.post("/offsite/filings", response_model=FilingOut, status_code=201, responses=ERRORS)
def file_filing(body: FilingIn, who: PrincipalDep, store: StoreDep) -> dict[str, Any]:
    """办理异地就医备案（经办）：参保人须在开始日期有有效参保，参保地须在管辖范围内；
    同类备案不能重叠；只有急诊抢救可以在政策规定天数内补办。"""
    new = parse_new_filing(body.filing_type, body.care_area, body.start, promise=body.promise,
                           materials=body.materials)
    if isinstance(new, FilingRefused):
        return _answer(new)
    return _answer(file_offsite(body.psn_no, new, actor=f"api:{who.username}", channel="api",
                                who=who, store=store))


@router.post("/offsite/filings/{filing_id}/revoke", response_model=FilingOut, responses=ERRORS)
def revoke_filing(filing_id: Annotated[str, Path(max_length=32)], who: PrincipalDep,
                  store: StoreDep) -> dict[str, Any]:
    """撤销异地就医备案（经办）：自今天起不再有效；长期居住备案须满政策规定天数。"""
    return _answer(revoke_offsite(filing_id, actor=f"api:{who.username}", who=who,
                                  store=store))


@router.get("/offsite/filings", response_model=Page[FilingOut], responses=ERRORS)
def list_filings(who: PrincipalDep, store: StoreDep,
                 psn_no: Annotated[str, Query(pattern=PSN_NO, description="人员编号")],
                 limit: Annotated[int, Query(ge=1, le=PAGE_SIZE_MAX)] = 50,
                 offset: Annotated[int, Query(ge=0, le=10**9)] = 0) -> dict[str, Any]:
    """一名参保人的异地就医备案（含已撤销、已到期），按开始日期排序。"""
    found = filings_of(psn_no, who=who, store=store)
    if isinstance(found, FilingRefused):
        _answer(found)
        raise AssertionError("unreachable")
    total, items = page_of(found, limit, offset)
    return {"total": total, "limit": limit, "offset": offset,
            "items": [f.to_json() for f in items], "note": ""}
