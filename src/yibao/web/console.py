"""The console's routes under `/console` (left out of the OpenAPI schema): each reads its
input, calls the services and renders a page; a record outside the viewer's scope is a 403
page, a missing session the login page."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Final
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from yibao.core import labels
from yibao.server.deps import StoreDep, client_address
from yibao.services import accounts, browse, bureau, cases
from yibao.services.bureau import Refused
from yibao.services.dashboard import scope_figures
from yibao.services.settle_service import accumulators_of
from yibao.web import (
    account,
    assist,
    clearing,
    columns,
    dashboard,
    export,
    family,
    flows,
    offsite,
    opsp,
    people,
    queue,
    report,
)
from yibao.web.html import esc, link, page, pager, path, section
from yibao.web.session import (
    COOKIE,
    BadForm,
    FormDep,
    LoginNeeded,
    Viewer,
    ViewerDep,
    check_csrf,
)

router = APIRouter(prefix="/console", include_in_schema=False)
ID_NUMBER_LENGTH: Final = 18
LIST_SIZE: Final = 100
PAGE_ROWS: Final = 50
YEAR_DIGITS: Final = 4


def html(title: str, body: str, who: Viewer | None = None, status: int = 200) -> HTMLResponse:
    return HTMLResponse(page(title, body, who, who.csrf if who else ""), status_code=status)


def refused(result: Refused, who: Viewer) -> HTMLResponse:
    return html("无权查看", section("403", f"<p class='error'>{esc(result.message)}</p>"
                                    "<p>只能查看您管辖范围内、您的角色可见的记录。</p>"),
                who, 403)


def _login_page(error: str = "", status: int = 200, notice: str = "") -> HTMLResponse:
    flash = (f"<p class='error'>{esc(error)}</p>" if error else "") + (
        f"<p class='ok'>{esc(notice)}</p>" if notice else "")
    body = ("<section class='login'>" + flash + "<form method='post' action='/console/login'>"
            "<label>用户名 <input name='username' autocomplete='username' required></label>"
            "<label>密码 <input name='password' type='password' autocomplete='current-password'"
            " required></label><button type='submit'>登录</button></form></section>")
    return html("登录", body, status=status)


@router.get("/login")
def login_form(changed: Annotated[str, Query(max_length=1)] = "") -> HTMLResponse:
    return _login_page(notice="密码已修改，请用新密码登录" if changed else "")


@router.post("/login")
def login(fields: FormDep, store: StoreDep, request: Request) -> Any:
    opened = accounts.open_session(fields.get("username", "")[:64],
                                   fields.get("password", "")[:256],
                                   address=client_address(request), store=store)
    if isinstance(opened, accounts.AccountError):
        locked = opened.reason is accounts.AccountRefusal.LOCKED
        return _login_page(opened.message, 429 if locked else 401)
    answer = RedirectResponse("/console/", status_code=303)
    answer.set_cookie(COOKIE, opened.token, httponly=True, samesite="strict", path="/console",
                      max_age=int(accounts.SESSION_TTL.total_seconds()))
    return answer


@router.post("/logout")
def logout(who: ViewerDep, fields: FormDep, store: StoreDep) -> RedirectResponse:
    check_csrf(who, fields)
    accounts.close_session(who.token, who.principal, store=store)
    answer = RedirectResponse("/console/login", status_code=303)
    answer.delete_cookie(COOKIE, path="/console")
    return answer


@router.get("/")
def dashboard_page(who: ViewerDep, store: StoreDep) -> HTMLResponse:
    funds = bureau.list_fund_balances(who.principal, None, store=store)
    balances = None if isinstance(funds, Refused) else funds.items
    folder = report.report_dir()
    figures = scope_figures(who.principal, report.reports_in_scope(folder, who.principal.sees),
                            store=store)
    warnings = bureau.fund_warnings_in_scope(who.principal, store=store)
    body = dashboard.dashboard_body(figures, folder, balances, who.region, warnings)
    return html("运行概览", body, who)


@router.get("/drg")
def drg_page(who: ViewerDep, store: StoreDep) -> HTMLResponse:
    results = bureau.list_drg_results(who.principal, bureau.Query(50, 0), store=store)
    if isinstance(results, Refused):
        return refused(results, who)
    folder = report.report_dir()
    items = list(browse.with_institution_names(results.items, store=store))
    found = report.latest_report(folder, who.principal.sees)
    body = dashboard.drg_body(found, folder, who.principal.sees, items, who.region)
    return html("DRG 分析", body, who)


@router.get("/fund/projection")
def projection_page(who: ViewerDep) -> HTMLResponse:
    folder = report.report_dir()
    found = report.latest_report(folder, who.principal.sees, "projection.json")
    return html("基金精算", dashboard.projection_body(found, folder, who.region), who)


Text = Annotated[str, Query(max_length=64)]
Code = Annotated[str, Query(max_length=16)]


def _filter(q: str, insutype: str, psn_type: str, status: str, group: str, year: str
            ) -> browse.PersonFilter:
    """The search as typed; a choice that is not in its table, or a year that is not a
    year, is dropped (the form offers only valid ones)."""
    def known(value: str, table: Any) -> str | None:
        return value if value in table else None

    return browse.PersonFilter(
        q.strip(), known(insutype, labels.INSUTYPE), known(psn_type, labels.PSN_TYPE),
        known(status, labels.ENROLL_STATUS), known(group, labels.ASSISTANCE_GROUP),
        int(year) if year.isdigit() and len(year) == YEAR_DIGITS else None)


def _params(wanted: browse.PersonFilter) -> dict[str, str]:
    pairs = {"q": wanted.q, "insutype": wanted.insutype, "psn_type": wanted.psn_type,
             "status": wanted.status, "group": wanted.group, "year": wanted.year}
    return {k: str(v) for k, v in pairs.items() if v}


@router.get("/persons")
def persons_page(who: ViewerDep, store: StoreDep, q: Text = "", insutype: Code = "",
                 psn_type: Code = "", status: Code = "", group: Code = "", year: Code = "",
                 page: Annotated[int, Query(ge=1, le=10**6)] = 1) -> Any:
    wanted = _filter(q, insutype, psn_type, status, group, year)
    params = _params(wanted)
    if list(params) == ["q"] and len(wanted.q) == ID_NUMBER_LENGTH and wanted.q[:17].isdigit():
        return RedirectResponse(path("/console/persons", wanted.q.upper()), status_code=303)
    query = bureau.Query(PAGE_ROWS, (page - 1) * PAGE_ROWS)
    found = browse.find_persons(who.principal, wanted, query, store=store)
    if isinstance(found, Refused):
        return refused(found, who)
    pages = max(1, -(-found.total // PAGE_ROWS))
    export = link("/console/export/persons.xlsx?" + urlencode(params), "导出 Excel（按当前筛选）")
    listing = (pager("/console/persons", params, min(page, pages), pages, found.total)
               + people.person_rows(found.items) + f"<p>{export}</p>")
    return html("参保人查询", people.search_form(wanted)
                + section(f"查询结果（{found.total:,} 人）", listing), who)


@router.get("/persons/{id_number}")
def person_page(id_number: str, who: ViewerDep, store: StoreDep) -> HTMLResponse:
    person = bureau.get_person(who.principal, id_number, store=store)
    if isinstance(person, Refused):
        return refused(person, who)
    accs = [(e, accumulators_of(id_number, e["scheme"], e["year"], store=store))
            for e in person["enrollments"]]
    setl = bureau.list_settlements(
        who.principal, bureau.Query(LIST_SIZE, 0, {"id_number": id_number}), store=store)
    items = [] if isinstance(setl, Refused) else list(
        browse.with_institution_names(setl.items, store=store))
    return html(f"参保人 {person['name']}", people.person_body(person, accs, items), who)


@router.get("/settlements/{setl_id}")
def settlement_page(setl_id: str, who: ViewerDep, store: StoreDep) -> HTMLResponse:
    doc = bureau.get_settlement(who.principal, setl_id, store=store)
    if isinstance(doc, Refused):
        return refused(doc, who)
    name = browse.institution_names([doc["fixmedins_code"]], store=store)
    return html(f"结算 {setl_id}", people.settlement_body(doc, name.get(doc["fixmedins_code"])),
                who)


@router.get("/cases")
def cases_page(who: ViewerDep, store: StoreDep, state: Code = "",
               page: Annotated[int, Query(ge=1, le=10**6)] = 1) -> HTMLResponse:
    picked = state if state in queue.MOVE_NAMES else ""
    query = bureau.Query(PAGE_ROWS, (page - 1) * PAGE_ROWS, {"state": picked or None})
    found = cases.list_cases(who.principal, query, store=store)
    if isinstance(found, Refused):
        return refused(found, who)
    items = list(browse.with_institution_names(found.items, store=store))
    pages = max(1, -(-found.total // PAGE_ROWS))
    params = {"state": picked} if picked else {}
    paging = pager("/console/cases", params, min(page, pages), pages, found.total)
    return html("稽核工作队列", queue.cases_body(items, found.total, picked, found.note, paging),
                who)


@router.get("/cases/{case_id}")
def case_page(case_id: str, who: ViewerDep, store: StoreDep,
              done: Annotated[str, Query(max_length=16)] = "") -> HTMLResponse:
    case = cases.get_case(who.principal, case_id, store=store)
    if isinstance(case, Refused):
        return refused(case, who)
    message = f"已{queue.MOVE_NAMES[done]}" if done in queue.MOVE_NAMES else ""
    named = next(browse.with_institution_names([case], store=store))
    return html(f"稽核案件 {case_id}", queue.case_body(named, who.csrf, message), who)


@router.post("/cases/{case_id}/move")
def move_page(case_id: str, who: ViewerDep, fields: FormDep, store: StoreDep) -> Any:
    check_csrf(who, fields)
    to = fields.get("to", "")
    outcome = cases.move_case(who.principal, case_id, to, note=fields.get("note", "")[:500],
                              amount=fields.get("amount"), store=store)
    if isinstance(outcome, Refused):
        return refused(outcome, who)
    if isinstance(outcome, cases.MoveRefused):
        case = cases.get_case(who.principal, case_id, store=store)
        assert not isinstance(case, Refused), "a case just moved is readable"
        named = next(browse.with_institution_names([case], store=store))
        return html(f"稽核案件 {case_id}", queue.case_body(named, who.csrf, error=outcome.message),
                    who, 409)
    return RedirectResponse(path("/console/cases", case_id) + f"?done={to}", status_code=303)


def _export(found: browse.Export | Refused, who: Viewer, store: Any, title: str,
            cols: Sequence[columns.Column], named: bool = True) -> Any:
    """The list as an `.xlsx` download, or a page saying why not (scope, or too many rows)."""
    if isinstance(found, Refused):
        return refused(found, who)
    message = export.too_large(found.total)
    if message is not None:
        return html("无法导出", section("导出", f"<p class='error'>{esc(message)}</p>"), who, 400)
    rows = browse.with_institution_names(found.rows, store=store) if named else found.rows
    return export.xlsx_response(f"{title}.xlsx", [export.Sheet(title, cols, rows)])


@router.get("/export/persons.xlsx")
def export_persons(who: ViewerDep, store: StoreDep, q: Text = "", insutype: Code = "",
                   psn_type: Code = "", status: Code = "", group: Code = "",
                   year: Code = "") -> Any:
    wanted = _filter(q, insutype, psn_type, status, group, year)
    found = browse.export_persons(who.principal, wanted, store=store)
    return _export(found, who, store, "参保人", columns.PERSONS, named=False)


@router.get("/export/settlements.xlsx")
def export_settlements(who: ViewerDep, store: StoreDep,
                       psn_no: Annotated[str, Query(max_length=18)] = "", year: Code = "",
                       med_type: Code = "", fixmedins_code: Code = "") -> Any:
    """A person's settlements (`psn_no`), or those of the scope narrowed by year, 医疗类别 and
    institution."""
    filters = {"id_number": psn_no or None, "fixmedins_code": fixmedins_code or None,
               "med_type": med_type if med_type in labels.MED_TYPE else None,
               "year": int(year) if year.isdigit() and len(year) == YEAR_DIGITS else None}
    found = browse.export_settlements(who.principal, filters, store=store)
    return _export(found, who, store, "结算", columns.SETTLEMENTS)


@router.get("/export/cases.xlsx")
def export_cases(who: ViewerDep, store: StoreDep, state: Code = "") -> Any:
    picked = state if state in queue.MOVE_NAMES else None
    found = browse.export_pages(
        who.principal, lambda w, query: cases.list_cases(w, query, store=store),
        {"state": picked})
    return _export(found, who, store, "稽核案件", columns.CASES)


@router.get("/export/dashboard.xlsx")
def export_dashboard(who: ViewerDep, store: StoreDep) -> Any:
    funds = bureau.list_fund_balances(who.principal, None, store=store)
    figures = scope_figures(
        who.principal, report.reports_in_scope(report.report_dir(), who.principal.sees),
        store=store)
    sheets = [export.Sheet("基金收支（按月）", columns.MONTHLY, dashboard.monthly_rows(figures))]
    if not isinstance(funds, Refused):
        sheets.append(export.Sheet("基金账本", columns.BALANCES,
                                   dashboard.ledger_rows(funds.items)))
    return export.xlsx_response("运行概览.xlsx", sheets)


@router.get("/export/drg.xlsx")
def export_drg(who: ViewerDep, store: StoreDep) -> Any:
    found = browse.export_pages(
        who.principal, lambda w, query: bureau.list_drg_results(w, query, store=store), {})
    if isinstance(found, Refused) or export.too_large(found.total):
        return _export(found, who, store, "DRG 分组结果", columns.DRG_RESULTS)
    report_found = report.latest_report(report.report_dir(), who.principal.sees)
    hospitals = dashboard.hospitals_in_scope(report_found, who.principal.sees)
    return export.xlsx_response("DRG 分析.xlsx", [
        export.Sheet("各医院 CMI", columns.HOSPITALS, hospitals),
        export.Sheet("结算清单分组结果", columns.DRG_RESULTS,
                     browse.with_institution_names(found.rows, store=store))])


def mount(app: FastAPI) -> None:
    """Add the console to the application: its routes and its answers to a missing session
    or a bad form."""
    app.include_router(router)
    app.include_router(account.router)
    for room in (offsite, clearing, flows, family, opsp, assist):
        app.include_router(room.router)

    async def to_login(_request: Request, _error: Exception) -> RedirectResponse:
        return RedirectResponse("/console/login", status_code=303)

    async def bad_form(_request: Request, _error: Exception) -> HTMLResponse:
        return html("请求无效", section("400", "<p class='error'>表单已过期或无效，请刷新后重试。"
                                        "</p>"), status=400)

    app.add_exception_handler(LoginNeeded, to_login)
    app.add_exception_handler(BadForm, bad_form)
