"""The bureau API's 门诊慢特病认定 routes (docs/benefits.md, docs/api.md).

Persons are addressed by `psn_no` (the ID number) in a POST body or a query, never in a path;
a certification by its `cert_id`. Handlers (经办) and administrators certify, refuse and revoke
where the person is insured; the roles that read persons read certifications. A refusal is a
Problem: 422 for input or a certification rule (the reason code and a zh-CN message), 403 for a
role or an insured region outside the scope, 404 for a person or certification outside the
scope (its existence is not revealed)."""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, HTTPException, Path, Query
from pydantic import BaseModel, Field

from yibao.api.schemas import Page, Problem, Text
from yibao.server.deps import PrincipalDep, StoreDep
from yibao.services.bureau import PAGE_SIZE_MAX
from yibao.services.opsp import (
    EXPIRING_MAX_DAYS,
    NOTE_MAX,
    Certified,
    CertPage,
    CertProblem,
    CertRefused,
    certify,
    find_certifications,
    parse_filter,
    parse_new_certification,
    refuse,
    revoke,
)

router = APIRouter(prefix="/api/v1", tags=["医保局 bureau API v1"])
STATUS: Final[dict[str, int]] = {CertProblem.FORBIDDEN: 403, CertProblem.OUT_OF_SCOPE: 403,
                 CertProblem.NOT_FOUND: 404}
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem}, 403: {"model": Problem}, 404: {"model": Problem},
    422: {"model": Problem}}
PSN_NO: Final = r"^[0-9A-Za-z]{1,32}$"
CODE: Final = r"^[0-9A-Za-z]{1,20}$"


class CertifyIn(BaseModel):
    """A certification: the person, the disease of the insured region's list, the diagnosis,
    the certifying institution and doctor, and the first valid day."""

    psn_no: str = Field(pattern=PSN_NO, description="人员编号（身份证号）")
    disease: str = Field(max_length=20,
                         description="病种编码（参保地政策 [opsp] 病种目录，如 M03900）")
    icd10: str = Field(max_length=20, description="诊断 ICD-10 编码（如 I10、E11.900）")
    institution: str = Field(max_length=32, description="认定机构（定点医药机构）编码")
    doctor: Text = Field(max_length=64, description="认定医师")
    valid_from: str = Field(default="", max_length=10,
                            description="认定生效日期 YYYY-MM-DD，空为今天（北京时间）")


class RefuseIn(CertifyIn):
    """An application refused after review, with why."""

    reason: Text = Field(max_length=NOTE_MAX, description="未通过认定的原因")


class CertificationOut(BaseModel):
    cert_id: str
    psn_no: str
    insured_region: str
    disease: str
    disease_name: str
    icd10: str
    institution: str
    doctor: str
    applied_on: str
    decided_on: str | None
    valid_from: str | None = Field(description="有效期开始；未通过的申请为 null")
    valid_until: str | None = Field(description="有效期最后一天；未通过的申请为 null")
    state: str = Field(description="certified 有效、expired 已到期、revoked 已撤销、"
                                   "refused 未通过、applied 已申请")
    state_name: str
    decided_by: str
    revoked_on: str | None = Field(description="撤销日（当日起不再有效）")
    note: str = Field(description="未通过认定的原因")


def _refused(result: CertRefused) -> HTTPException:
    return HTTPException(STATUS.get(result.reason, 422),
                         {"reason": result.reason, "message": result.message})


def _answer(result: Certified | CertRefused) -> dict[str, Any]:
    if isinstance(result, CertRefused):
        raise _refused(result)
    return result.to_json()


def _page(found: CertPage | CertRefused, limit: int, offset: int) -> dict[str, Any]:
    if isinstance(found, CertRefused):
        raise _refused(found)
    return {"total": found.total, "limit": limit, "offset": offset,
            "items": [c.to_json() for c in found.items], "note": ""}


@router.post("/opsp/certifications", response_model=CertificationOut, status_code=201,
             responses=ERRORS)
def certify_person(body: CertifyIn, who: PrincipalDep, store: StoreDep) -> dict[str, Any]:
    """认定门诊慢特病（经办、管理员）：参保人须在生效日有有效参保，病种须在参保地病种目录中，
    诊断须属于该病种的 ICD-10 范围；同一病种同一时间只能有一个有效认定。有效期为病种的认定月数。"""
    new = parse_new_certification(body.disease, body.icd10, body.institution, body.doctor,
                                  body.valid_from)
    if isinstance(new, CertRefused):
        return _answer(new)
    return _answer(certify(body.psn_no, new, actor=f"api:{who.username}", who=who,
                           store=store))


@router.post("/opsp/certifications/refuse", response_model=CertificationOut, status_code=201,
             responses=ERRORS)
def refuse_application(body: RefuseIn, who: PrincipalDep, store: StoreDep) -> dict[str, Any]:
    """记录未通过的认定申请（经办、管理员），写明原因；参保人可以再次申请。"""
    new = parse_new_certification(body.disease, body.icd10, body.institution, body.doctor,
                                  body.valid_from)
    if isinstance(new, CertRefused):
        return _answer(new)
    return _answer(refuse(body.psn_no, new, body.reason, actor=f"api:{who.username}", who=who,
                          store=store))


@router.post("/opsp/certifications/{cert_id}/revoke", response_model=CertificationOut,
             responses=ERRORS)
def revoke_certification(cert_id: Annotated[str, Path(max_length=32)], who: PrincipalDep,
                         store: StoreDep) -> dict[str, Any]:
    """撤销门诊慢特病认定（经办、管理员）：自今天起不再有效；只有有效的认定可以撤销。"""
    return _answer(revoke(cert_id, actor=f"api:{who.username}", who=who, store=store))


Limit = Annotated[int, Query(ge=1, le=PAGE_SIZE_MAX)]
Offset = Annotated[int, Query(ge=0, le=10**9)]


@router.get("/opsp/certifications", response_model=Page[CertificationOut], responses=ERRORS)
def list_certifications(
        who: PrincipalDep, store: StoreDep,
        psn_no: Annotated[str, Query(pattern=r"^[0-9A-Za-z]{0,32}$",
                                     description="人员编号")] = "",
        disease: Annotated[str, Query(pattern=r"^[0-9A-Za-z]{0,20}$",
                                      description="病种编码")] = "",
        state: Annotated[str, Query(max_length=10, description="certified、expired、revoked、"
                                                               "refused、applied")] = "",
        limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:
    """管辖范围内（参保地）的门诊慢特病认定，可按参保人、病种、状态筛选，最新认定在前；
    指定的参保人不在管辖范围内时为 404。"""
    wanted = parse_filter(psn_no, disease, state)
    if isinstance(wanted, CertRefused):
        raise _refused(wanted)
    return _page(find_certifications(wanted, limit=limit, offset=offset, who=who, store=store),
                 limit, offset)


@router.get("/opsp/certifications/expiring", response_model=Page[CertificationOut],
            responses=ERRORS)
def expiring_certifications(
        who: PrincipalDep, store: StoreDep,
        days: Annotated[int, Query(ge=0, le=EXPIRING_MAX_DAYS,
                                   description="天数：有效期最后一天在今天至今天 + N 天内")] = 30,
        disease: Annotated[str, Query(pattern=r"^[0-9A-Za-z]{0,20}$",
                                      description="病种编码")] = "",
        limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:
    """复审到期提醒：管辖范围内有效期即将届满的认定（今天至今天 + days 天内到期），最早到期在前。"""
    wanted = parse_filter(disease=disease, expiring=days)
    if isinstance(wanted, CertRefused):
        raise _refused(wanted)
    return _page(find_certifications(wanted, limit=limit, offset=offset, who=who, store=store),
                 limit, offset)
