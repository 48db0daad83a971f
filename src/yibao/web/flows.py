"""The console's cross-region flow page (异地就医流向与直接结算率): the two rates of each region
in scope against the plans' 70%, the heat map and table of flows from each insured region to
each care region (the year report's section, `indicators.sections.offsite_sections`), and the
matrix as an Excel workbook."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Final

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from yibao.core.idnum import region_name
from yibao.indicators.offsite import REACH_NAMES, Reach
from yibao.indicators.sections import offsite_sections
from yibao.server.deps import StoreDep
from yibao.services import flows
from yibao.services.bureau import Refused
from yibao.web import export
from yibao.web.columns import Column, Row
from yibao.web.html import esc, link, page, section
from yibao.web.session import Viewer, ViewerDep

router = APIRouter(prefix="/console", include_in_schema=False)
Year = Annotated[int | None, Query(ge=1990, le=2100)]
CLEARING: Final = "/console/offsite/clearing"


def _money(key: str, header: str) -> Column:
    return Column(header, lambda r: Decimal(str(r[key])), "money")


def _count(key: str, header: str) -> Column:
    return Column(header, lambda r: r[key], "count")


#: The flow matrix's columns in the Excel export (the page shows the same table).
FLOW_COLUMNS: Final = (
    Column("参保地", lambda r: r["insured_region"]), Column("就医地", lambda r: r["care_region"]),
    Column("类别", lambda r: REACH_NAMES[Reach(r["reach"])]),
    _count("settlements", "结算人次"), _count("direct", "直接结算"), _count("manual", "零星报销"),
    _count("inpatient", "住院人次"), _money("medfee", "医疗费用（元）"),
    _money("fund", "基金支付（元）"), _money("acct", "个人账户支付（元）"))


def _rate(part: Row, key: str) -> Decimal | None:
    return None if part[key] is None else Decimal(str(part[key]))


RATE_COLUMNS: Final = (
    Column("参保地", lambda r: r["region"]),
    Column("住院医疗费用跨省直接结算率", lambda r: _rate(r, "cross_province_direct_rate"),
           "decimal"),
    _count("cross_province_direct_stays", "跨省直接结算住院人次"),
    _count("cross_province_stays", "跨省住院人次"),
    Column("住院医疗费用省内异地直接结算率", lambda r: _rate(r, "in_province_direct_rate"),
           "decimal"),
    _count("in_province_direct_stays", "省内异地直接结算住院人次"),
    _count("in_province_stays", "省内异地住院人次"))


def _html(title: str, body: str, who: Viewer, status: int = 200) -> HTMLResponse:
    return HTMLResponse(page(title, body, who, who.csrf), status_code=status)


def _refused(result: Refused, who: Viewer) -> HTMLResponse:
    return _html("无权查看", section("403", f"<p class='error'>{esc(result.message)}</p>"), who,
                 403)


def flows_body(found: flows.OffsiteFlows) -> str:
    year = found.year
    head = (f"<form class='filters' method='get'><label>年度 <input name='year' type='number' "
            f"min='1990' max='2100' value='{year}'></label><button type='submit'>查看</button>"
            "</form><p>" + link(f"/console/offsite/flows.xlsx?year={year}",
                                "导出 Excel（流向矩阵与直接结算率）")
            + "　" + link(CLEARING, "异地就医清算：预付金余额与按月清算") + "</p>"
            f"<p class='note'>管辖范围 {esc(found.scope)}，{year} 年结算（已冲销的不计）。</p>")
    codes = {r for f in found.document.get("offsite_flows", [])
             for r in (f["insured_region"], f["care_region"])}
    names = {code: name for code in codes if (name := region_name(code))}
    return head + "".join(section(title, body) for title, body in offsite_sections(
        found.document, names))


@router.get("/offsite/flows")
def flows_page(who: ViewerDep, store: StoreDep, year: Year = None) -> HTMLResponse:
    found = flows.offsite_flows(who.principal, year, store=store)
    if isinstance(found, Refused):
        return _refused(found, who)
    return _html("异地就医流向与直接结算率", flows_body(found), who)


@router.get("/offsite/flows.xlsx")
def flows_export(who: ViewerDep, store: StoreDep, year: Year = None) -> Any:
    found = flows.offsite_flows(who.principal, year, store=store)
    if isinstance(found, Refused):
        return _refused(found, who)
    doc = found.document
    rates = [{"region": code, **part} for code, part in doc["regions"].items()]
    if len(rates) != 1:
        rates.append({"region": "合计", **{k: v for k, v in doc.items()
                                         if k not in ("regions", "offsite_flows")}})
    return export.xlsx_response(f"异地就医流向-{found.year}.xlsx", [
        export.Sheet("流向矩阵", FLOW_COLUMNS, doc["offsite_flows"]),
        export.Sheet("直接结算率", RATE_COLUMNS, rates)])
