"""The bureau API's cross-region clearing routes (异地就医清算; docs/offsite.md)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from yibao.api.schemas import Problem
from yibao.server.deps import PrincipalDep, StoreDep, refused
from yibao.services import clearing
from yibao.services.bureau import Refused

router = APIRouter(prefix="/api/v1", tags=["医保局 bureau API v1"])


class ClearingPairOut(BaseModel):
    """One pair's monthly clearing statement (清算单); money in yuan as two-decimal strings."""

    month: str
    #: local 本部署双方记账; export 就医地在外省，待对方部署导入; import 由外省清算文件导入
    source: str
    care_region: str
    insured_region: str
    settlements: int
    fund_amount: str
    reversed_amount: str
    prepayment: str
    prepayment_topup: str
    due: str


class PrepaymentOut(BaseModel):
    """A pair's prepayment (预付金) after its latest clearing."""

    care_region: str
    insured_region: str
    month: str
    prepayment: str


class ClearingOut(BaseModel):
    month: str | None
    pairs: list[ClearingPairOut]
    #: Each region's receipts (+) and payments (−) of the month; they add to 0.00.
    net: dict[str, str]
    prepayments: list[PrepaymentOut]


@router.get("/offsite/clearing", response_model=ClearingOut,
            responses={401: {"model": Problem}, 403: {"model": Problem},
                       422: {"model": Problem}})
def offsite_clearing(who: PrincipalDep, store: StoreDep,
                     month: Annotated[str | None, Query(
                         pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$",
                         description="清算月份 YYYY-MM；省略时为各月")] = None) -> dict[str, Any]:
    """异地就医月度清算单（管辖范围内就医地或参保地的清算对）、当月各统筹区净额与各清算对预付金余额。"""
    view = clearing.clearing_view(who, month, store=store)
    if isinstance(view, Refused):
        raise refused(view)
    return {"month": view.month, "pairs": view.pairs, "net": view.net,
            "prepayments": view.prepayments}
