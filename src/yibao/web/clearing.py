"""The console's clearing pages (异地就医清算与预付金): the monthly statements of the pairs in the
viewer's scope, the month's net by region and each pair's prepayment, and their Excel export."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Final
from urllib.parse import urlencode

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from yibao.core.idnum import region_name
from yibao.server.deps import StoreDep
from yibao.services import clearing
from yibao.services.bureau import Refused
from yibao.web import export
from yibao.web.columns import Column, html_table
from yibao.web.html import esc, link, page, section
from yibao.web.session import ViewerDep

router = APIRouter(prefix="/console", include_in_schema=False)
SOURCES: Final = {"local": "本部署双方记账", "export": "待外省部署导入",
                  "import": "外省清算文件导入"}
Month = Annotated[str, Query(max_length=7)]


def named(code: str) -> str:
    """A region as staff read it: its name from the national table and its code."""
    name = region_name(code)
    return f"{name}（{code}）" if name else code


def _money(header: str, key: str) -> Column:
    return Column(f"{header}（元）", lambda r: Decimal(r[key]), "money")


STATEMENTS: Final = (
    Column("月份", lambda r: r["month"]),
    Column("就医地", lambda r: named(r["care_region"])),
    Column("参保地", lambda r: named(r["insured_region"])),
    Column("结算笔数", lambda r: r["settlements"], "count"),
    _money("基金金额", "fund_amount"),
    _money("冲销金额", "reversed_amount"),
    _money("预付金", "prepayment"),
    _money("预付金调整", "prepayment_topup"),
    _money("应付金额", "due"),
    Column("就医地记账", lambda r: SOURCES.get(r["source"], r["source"])),
)
NET: Final = (Column("统筹区", lambda r: named(r["region"])), _money("净额（收入为正）", "amount"))
PREPAYMENTS: Final = (
    Column("就医地", lambda r: named(r["care_region"])),
    Column("参保地", lambda r: named(r["insured_region"])),
    Column("最近清算月份", lambda r: r["month"]),
    _money("预付金余额", "prepayment"),
)


def _view(who: Any, month: str, store: Any) -> clearing.ClearingView | Refused:
    return clearing.clearing_view(who.principal, month or None, store=store)


def _refused(result: Refused, who: Any) -> HTMLResponse:
    return HTMLResponse(page("无权查看", section("403", f"<p class='error'>{esc(result.message)}"
                                                 "</p>"), who, who.csrf), status_code=403)


@router.get("/offsite/clearing")
def clearing_page(who: ViewerDep, store: StoreDep, month: Month = "") -> HTMLResponse:
    view = _view(who, month, store)
    if isinstance(view, Refused):
        return _refused(view, who)
    form = ("<form method='get' action='/console/offsite/clearing'><label>清算月份 "
            f"<input name='month' value='{esc(month)}' placeholder='YYYY-MM'></label>"
            "<button type='submit'>查看</button></form>")
    xlsx = link("/console/offsite/clearing.xlsx" + (f"?{urlencode({'month': month})}"
                                                    if month else ""), "导出 Excel")
    note = ("<p class='note'>先预付后清算：参保地在就医地保有预付金"
            "（上年月均异地基金支付 × 政策倍数），每月清算当月基金与个人账户支付（冲销净额），"
            "并将预付金补足或退还至核定额；"
            "应付金额 = 基金金额 − 冲销金额 + 预付金调整。</p>")
    statements = (html_table(STATEMENTS, view.pairs) if view.pairs
                  else "<p>没有已清算的清算对（运行 yibao offsite clear --month YYYY-MM）。</p>")
    body = section(f"异地就医清算单{'（' + esc(month) + '）' if month else '（各月）'}",
                   form + note + statements + f"<p>{xlsx}</p>")
    if view.net:
        body += section("当月各统筹区净额（合计为 0.00）",
                        html_table(NET, [{"region": r, "amount": a}
                                         for r, a in view.net.items()]))
    body += section("各清算对预付金余额", html_table(PREPAYMENTS, view.prepayments)
                    if view.prepayments else "<p>尚无预付金。</p>")
    return HTMLResponse(page("异地就医清算", body, who, who.csrf))


@router.get("/offsite/clearing.xlsx")
def clearing_export(who: ViewerDep, store: StoreDep, month: Month = "") -> Any:
    view = _view(who, month, store)
    if isinstance(view, Refused):
        return _refused(view, who)
    return export.xlsx_response("异地就医清算.xlsx", [
        export.Sheet("清算单", STATEMENTS, view.pairs),
        export.Sheet("净额", NET, [{"region": r, "amount": a} for r, a in view.net.items()]),
        export.Sheet("预付金", PREPAYMENTS, view.prepayments)])
