"""The bureau API's cross-region flows and direct-settlement rates (异地就医流向与直接结算率)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from yibao.api.schemas import Problem
from yibao.core.money import fmt
from yibao.indicators.offsite import TARGET
from yibao.server.deps import PrincipalDep, StoreDep, refused
from yibao.services import flows
from yibao.services.bureau import Refused

router = APIRouter(prefix="/api/v1", tags=["医保局 bureau API v1"])
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem}, 403: {"model": Problem}, 422: {"model": Problem}}


class RatesOut(BaseModel):
    """The two rates (exact fractions, six places; null when there was no such stay) and their
    parts (inpatient stays)."""

    cross_province_direct_rate: str | None = Field(description="住院医疗费用跨省直接结算率")
    in_province_direct_rate: str | None = Field(description="住院医疗费用省内异地直接结算率")
    cross_province_stays: int
    cross_province_direct_stays: int
    in_province_stays: int
    in_province_direct_stays: int


class RegionRatesOut(RatesOut):
    region: str


class FlowOut(BaseModel):
    """All settlements of one insured region's people in one other care region (元)."""

    insured_region: str
    care_region: str
    reach: str = Field(description="in_province 省内异地 / cross_province 跨省")
    settlements: int
    direct: int
    manual: int
    inpatient: int
    medfee: str
    fund: str
    acct: str


class OffsiteFlowsOut(RatesOut):
    year: int
    scope: str
    target: str = Field(description="两项直接结算率的 2025 年目标（70% 以上）")
    regions: list[RegionRatesOut]
    flows: list[FlowOut]


def _rates(part: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (None if v is None else str(v)) if k.endswith("_rate") else v
            for k, v in part.items()}


def shaped(found: flows.OffsiteFlows) -> dict[str, Any]:
    doc = found.document
    return {"year": found.year, "scope": found.scope, "target": str(TARGET),
            **_rates({k: v for k, v in doc.items() if k not in ("regions", "offsite_flows")}),
            "regions": [{"region": code, **_rates(part)} for code, part in doc["regions"].items()],
            "flows": [{**f, **{k: fmt(Decimal(f[k])) for k in ("medfee", "fund", "acct")}}
                      for f in doc["offsite_flows"]]}


@router.get("/offsite/flows", response_model=OffsiteFlowsOut, responses=ERRORS)
def offsite_flows(who: PrincipalDep, store: StoreDep,
                  year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
                  region: Annotated[str | None, Query(
                      pattern=r"^[0-9]{6}$", description="统筹区（须在管辖范围内）")] = None
                  ) -> dict[str, Any]:
    """异地就医流向与直接结算率：管辖范围内各参保地的住院医疗费用跨省直接结算率与
    省内异地直接结算率（直接结算 ÷ 直接结算 + 零星报销，仅住院），及参保地 → 就医地的
    流向矩阵（人次、费用、基金支付）。省略 year 时为范围内有结算的最近年度。"""
    found = flows.offsite_flows(who, year, region, store=store)
    if isinstance(found, Refused):
        raise refused(found)
    return shaped(found)
