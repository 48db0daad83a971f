"""The console's routes under `/console` (left out of the OpenAPI schema): each reads its
input, calls the services and renders a page; a record outside the viewer's scope is a 403
page, a missing session the login page."""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from yibao.server.deps import StoreDep, client_address
from yibao.services import accounts, bureau, cases
from yibao.services.bureau import Refused
from yibao.services.settle_service import accumulators_of
from yibao.web import account, dashboard, people, queue, report
from yibao.web.html import esc, page, path, section
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
    body = dashboard.dashboard_body(report.latest_report(folder), folder, balances)
    return html("运行概览", body, who)


@router.get("/drg")
def drg_page(who: ViewerDep, store: StoreDep) -> HTMLResponse:
    results = bureau.list_drg_results(who.principal, bureau.Query(50, 0), store=store)
    if isinstance(results, Refused):
        return refused(results, who)
    folder = report.report_dir()
    body = dashboard.drg_body(report.latest_report(folder), folder, who.principal.sees,
                              results.items)
    return html("DRG 分析", body, who)


@router.get("/persons")
def persons_page(who: ViewerDep, store: StoreDep,
                 q: Annotated[str, Query(max_length=64)] = "") -> Any:
    q = q.strip()
    if len(q) == ID_NUMBER_LENGTH and q[:17].isdigit():
        return RedirectResponse(path("/console/persons", q.upper()), status_code=303)
    body = people.search_form(q)
    if q:
        found = bureau.list_persons(who.principal, bureau.Query(LIST_SIZE, 0, {"name": q}),
                                    store=store)
        if isinstance(found, Refused):
            return refused(found, who)
        body += section(f"查询结果（{found.total}）", people.person_rows(found.items))
    return html("参保人查询", body, who)


@router.get("/persons/{id_number}")
def person_page(id_number: str, who: ViewerDep, store: StoreDep) -> HTMLResponse:
    person = bureau.get_person(who.principal, id_number, store=store)
    if isinstance(person, Refused):
        return refused(person, who)
    accs = [(e, accumulators_of(id_number, e["scheme"], e["year"], store=store))
            for e in person["enrollments"]]
    setl = bureau.list_settlements(
        who.principal, bureau.Query(LIST_SIZE, 0, {"id_number": id_number}), store=store)
    items = [] if isinstance(setl, Refused) else setl.items
    return html(f"参保人 {person['name']}", people.person_body(person, accs, items), who)


@router.get("/settlements/{setl_id}")
def settlement_page(setl_id: str, who: ViewerDep, store: StoreDep) -> HTMLResponse:
    doc = bureau.get_settlement(who.principal, setl_id, store=store)
    if isinstance(doc, Refused):
        return refused(doc, who)
    return html(f"结算 {setl_id}", people.settlement_body(doc), who)


@router.get("/cases")
def cases_page(who: ViewerDep, store: StoreDep,
               state: Annotated[str, Query(max_length=16)] = "") -> HTMLResponse:
    picked = state if state in queue.MOVE_NAMES else ""
    query = bureau.Query(LIST_SIZE, 0, {"state": picked or None})
    found = cases.list_cases(who.principal, query, store=store)
    if isinstance(found, Refused):
        return refused(found, who)
    return html("稽核工作队列", queue.cases_body(found.items, found.total, picked, found.note),
                who)


@router.get("/cases/{case_id}")
def case_page(case_id: str, who: ViewerDep, store: StoreDep,
              done: Annotated[str, Query(max_length=16)] = "") -> HTMLResponse:
    case = cases.get_case(who.principal, case_id, store=store)
    if isinstance(case, Refused):
        return refused(case, who)
    message = f"已{queue.MOVE_NAMES[done]}" if done in queue.MOVE_NAMES else ""
    return html(f"稽核案件 {case_id}", queue.case_body(case, who.csrf, message), who)


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
        return html(f"稽核案件 {case_id}", queue.case_body(case, who.csrf, error=outcome.message),
                    who, 409)
    return RedirectResponse(path("/console/cases", case_id) + f"?done={to}", status_code=303)


def mount(app: FastAPI) -> None:
    """Add the console to the application: its routes and its answers to a missing session
    or a bad form."""
    app.include_router(router)
    app.include_router(account.router)

    async def to_login(_request: Request, _error: Exception) -> RedirectResponse:
        return RedirectResponse("/console/login", status_code=303)

    async def bad_form(_request: Request, _error: Exception) -> HTMLResponse:
        return html("请求无效", section("400", "<p class='error'>表单已过期或无效，请刷新后重试。"
                                        "</p>"), status=400)

    app.add_exception_handler(LoginNeeded, to_login)
    app.add_exception_handler(BadForm, bad_form)
