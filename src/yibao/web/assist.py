"""The console's 依申请救助 pages (docs/benefits.md "依申请救助与监测"): the queue of applications
with filters (state, year), paging and an Excel export; a handler records an application; an
application's page shows its figures, its decision form (handlers, while it waits) and its audit
trail from the write log. ID numbers are sent only in POST forms (CSRF-checked), never in a URL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Final
from urllib.parse import urlencode

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, RedirectResponse

from yibao.assist.model import STATE_NAMES, Application, AppState
from yibao.server.deps import StoreDep
from yibao.services.assist import (
    PSN_NO_MAX,
    WRITERS,
    AssistProblem,
    AssistRefused,
    application,
    applications,
    apply,
    decide,
    to_json,
)
from yibao.services.browse import EXPORT_ROWS_MAX
from yibao.web import export
from yibao.web.columns import Column, html_table
from yibao.web.html import esc, flash, hidden_fields, kv, link, page, pager, path, section, table
from yibao.web.session import FormDep, Viewer, ViewerDep, check_csrf

router = APIRouter(prefix="/console", include_in_schema=False)
TITLE: Final = "医疗救助申请（依申请救助）"
PAGE_ROWS: Final = 50
STATUS: Final = {AssistProblem.FORBIDDEN: 403, AssistProblem.OUT_OF_SCOPE: 403,
                 AssistProblem.NOT_FOUND: 404, AssistProblem.ALREADY_DECIDED: 409,
                 AssistProblem.DUPLICATE: 409}
STATES: Final = (("", "全部"), *((s.value, n) for s, n in STATE_NAMES.items()))


def _money(header: str, key: str) -> Column:
    return Column(header, lambda r: r[key], "money")


APPLICATIONS: Final = (
    Column("编号", lambda r: r["app_id"], href=lambda r: path("/console/assist",
                                                             str(r["app_id"]))),
    Column("参保人", lambda r: r["psn_no"]),
    Column("参保地", lambda r: r["region"]),
    Column("年度", lambda r: r["year"]),
    _money("家庭年收入（元）", "income"),
    Column("申请日期", lambda r: r["applied_on"]),
    Column("状态", lambda r: r["state_name"]),
    Column("审核日期", lambda r: r["decided_on"]),
    _money("救助金额（元）", "grant"),
    Column("原因", lambda r: r["reason_name"]),
)


def _filters(state: str, year: str) -> str:
    choices = "".join(f"<option value='{v}'{' selected' if v == state else ''}>{esc(n)}</option>"
                      for v, n in STATES)
    return ("<form method='get' action='/console/assist' class='filters'>"
            f"<select name='state' aria-label='状态'>{choices}</select>"
            f"<input name='year' value='{esc(year)}' placeholder='年度' maxlength='4' "
            "aria-label='年度' inputmode='numeric'> <button type='submit'>筛选</button></form>")


def _apply_form(who: Viewer, fields: dict[str, str]) -> str:
    if who.role not in WRITERS:
        return "<p class='note'>只有经办人员可以登记和审核医疗救助申请。</p>"
    return (
        "<form method='post' action='/console/assist' class='actions'><div>"
        + hidden_fields(who.csrf)
        + f"<label>参保人 <input name='psn_no' value='{esc(fields.get('psn_no', ''))}' "
          f"placeholder='身份证号' maxlength='{PSN_NO_MAX}' required></label>"
        + f"<label>家庭年收入（元） <input name='income' value='{esc(fields.get('income', ''))}'"
          " required></label>"
        + f"<label>申请日期 <input name='applied_on' type='date' "
          f"value='{esc(fields.get('applied_on', ''))}' required></label>"
        + "<button type='submit'>登记申请</button></div></form>")


def _year(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and len(text) == 4 else None


def _queue(who: Viewer, store: Any, state: str, year: str, number: int, *, message: str = "",
           error: str = "", fields: dict[str, str] | None = None, status: int = 200
           ) -> HTMLResponse:
    picked = state if state in {s.value for s in AppState} else ""
    found = applications(state=picked or None, year=_year(year), limit=PAGE_ROWS,
                         offset=(number - 1) * PAGE_ROWS, who=who.principal, store=store)
    body = flash(message, error)
    if isinstance(found, AssistRefused):
        body += section("医疗救助申请", f"<p class='error'>{esc(found.message)}</p>")
        return HTMLResponse(page(TITLE, body, who, who.csrf),
                            status_code=STATUS.get(found.reason, 422))
    params = {k: v for k, v in (("state", picked), ("year", year)) if v}
    pages = max(1, -(-found.total // PAGE_ROWS))
    rows = [to_json(a) for a in found.items]
    exported = link("/console/assist/export.xlsx" + (f"?{urlencode(params)}" if params else ""),
                    "导出 Excel（按当前筛选）")
    listing = (pager("/console/assist", params, min(number, pages), pages, found.total)
               + html_table(APPLICATIONS, rows) + f"<p>{exported}</p>") if rows else \
        "<p class='note'>没有符合条件的医疗救助申请。</p>"
    body += section(f"申请队列（共 {found.total:,} 件）", _filters(picked, year) + listing)
    body += section("登记医疗救助申请", _apply_form(who, fields or {}))
    return HTMLResponse(page(TITLE, body, who, who.csrf), status_code=status)


@router.get("/assist")
def assist_page(who: ViewerDep, store: StoreDep,
                state: Annotated[str, Query(max_length=10)] = "",
                year: Annotated[str, Query(max_length=4)] = "",
                page: Annotated[int, Query(ge=1, le=10**6)] = 1) -> HTMLResponse:
    return _queue(who, store, state, year, page)


@router.post("/assist")
def apply_action(who: ViewerDep, fields: FormDep, store: StoreDep) -> HTMLResponse:
    check_csrf(who, fields)
    done = apply(fields.get("psn_no", "").strip()[:PSN_NO_MAX + 1],
                 fields.get("income", "").strip()[:24],
                 fields.get("applied_on", "").strip()[:10],
                 actor=f"console:{who.username}", who=who.principal, store=store)
    if isinstance(done, AssistRefused):
        return _queue(who, store, "", "", 1, error=done.message, fields=fields,
                      status=STATUS.get(done.reason, 422))
    return _queue(who, store, "", "", 1,
                  message=f"已登记医疗救助申请 {done.app_id}（参保人 {done.psn_no}，待审核）")


@router.get("/assist/export.xlsx")
def export_applications(who: ViewerDep, store: StoreDep,
                        state: Annotated[str, Query(max_length=10)] = "",
                        year: Annotated[str, Query(max_length=4)] = "") -> Any:
    picked = state if state in {s.value for s in AppState} else ""
    found = applications(state=picked or None, year=_year(year), limit=1, who=who.principal,
                         store=store)
    if isinstance(found, AssistRefused):
        return _queue(who, store, picked, year, 1, error=found.message,
                      status=STATUS.get(found.reason, 422))
    refusal = export.too_large(found.total)
    if refusal is not None:
        return _queue(who, store, picked, year, 1, error=refusal, status=422)
    rows: list[dict[str, Any]] = []
    while len(rows) < min(found.total, EXPORT_ROWS_MAX):
        chunk = applications(state=picked or None, year=_year(year), limit=500,
                             offset=len(rows), who=who.principal, store=store)
        assert not isinstance(chunk, AssistRefused), "read just before"
        if not chunk.items:
            break
        rows += [to_json(a) for a in chunk.items]
    return export.xlsx_response("医疗救助申请.xlsx", [
        export.Sheet("医疗救助申请", APPLICATIONS, rows)])


def _figures(app: Application) -> str:
    shown = to_json(app)
    pairs: list[tuple[str, object]] = [
        ("参保人", app.psn_no), ("参保地", app.region), ("险种", app.scheme),
        ("年度", app.year), ("家庭年收入（元）", shown["income"]),
        ("申请日期", shown["applied_on"]), ("登记人", app.applied_by),
        ("状态", shown["state_name"])]
    if app.decided_on is not None:
        pairs += [("审核日期", shown["decided_on"]), ("审核人", app.decided_by or "")]
    if app.household_oop is not None:
        pairs += [("申请前家庭自付（元）", shown["household_oop"]),
                  ("收入标准（元）", shown["threshold"])]
    if app.grant is not None:
        pairs += [("B（元）", shown["b"]), ("起付 t（元）", shown["t"]),
                  ("救助金额（元）", shown["grant"]), ("基金交易", app.txn_id or "—")]
    if app.reason:
        pairs.append(("原因", shown["reason_name"]))
    if app.note:
        pairs.append(("说明", app.note))
    return kv(pairs)


def _decide_form(who: Viewer, app: Application) -> str:
    if app.state is not AppState.APPLIED:
        return "<p class='note'>该申请已审核，不能重复审核。</p>"
    if who.role not in WRITERS:
        return "<p class='note'>只有经办人员可以审核医疗救助申请。</p>"
    target = path("/console/assist", str(app.app_id), "decide")
    return (f"<form method='post' action='{target}' class='actions'><div>"
            + hidden_fields(who.csrf)
            + "<label>审核意见（不予救助时必填） <input name='reason' maxlength='500'></label>"
            "<button type='submit' name='decision' value='approve'>审核通过并核定</button> "
            "<button type='submit' name='decision' value='refuse'>不予救助</button>"
            "</div></form>")


def _trail(entries: Sequence[Any]) -> str:
    if not entries:
        return "<p class='note'>没有操作记录。</p>"
    return table(["时间（北京）", "操作人", "操作", "内容"],
                 [(esc(e.at), esc(e.actor), esc(e.action), esc(e.detail)) for e in entries])


def _detail(who: Viewer, store: Any, app_id: int, *, message: str = "", error: str = "",
            status: int = 200) -> HTMLResponse:
    found = application(app_id, who=who.principal, store=store)
    if isinstance(found, AssistRefused):
        body = flash("", found.message) + f"<p>{link('/console/assist', '返回申请队列')}</p>"
        return HTMLResponse(page(TITLE, body, who, who.csrf),
                            status_code=STATUS.get(found.reason, 422))
    app, trail = found
    body = (flash(message, error) + section(f"申请 {app.app_id}", _figures(app))
            + section("审核", _decide_form(who, app)) + section("操作记录", _trail(trail))
            + f"<p>{link('/console/assist', '返回申请队列')}</p>")
    return HTMLResponse(page(f"医疗救助申请 {app.app_id}", body, who, who.csrf),
                        status_code=status)


@router.get("/assist/{app_id}")
def application_page(app_id: int, who: ViewerDep, store: StoreDep,
                     done: Annotated[str, Query(max_length=8)] = "") -> HTMLResponse:
    return _detail(who, store, app_id, message="已审核" if done == "1" else "")


@router.post("/assist/{app_id}/decide")
def decide_action(app_id: int, who: ViewerDep, fields: FormDep, store: StoreDep) -> Any:
    check_csrf(who, fields)
    choice = fields.get("decision", "")
    if choice not in ("approve", "refuse"):
        return _detail(who, store, app_id, error="请选择审核通过或不予救助", status=422)
    done = decide(app_id, choice == "approve", fields.get("reason", "")[:600],
                  actor=f"console:{who.username}", who=who.principal, store=store)
    if isinstance(done, AssistRefused):
        return _detail(who, store, app_id, error=done.message,
                       status=STATUS.get(done.reason, 422))
    return RedirectResponse(path("/console/assist", str(app_id)) + "?done=1", status_code=303)
