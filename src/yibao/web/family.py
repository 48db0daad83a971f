"""The console's family-binding page (家庭共济, handlers): look up a person's bindings, bind a
member to a holder's account, end a binding. Every request that names a person is a POST form
(CSRF-checked), so ID numbers never appear in a URL or an access log; the page is rendered in
the answer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from yibao.enroll.family import RELATION_NAMES
from yibao.server.deps import StoreDep
from yibao.services.family import (
    PSN_NO_MAX,
    WRITERS,
    Bound,
    FamilyProblem,
    FamilyRefused,
    bind,
    bindings_of,
    unbind,
)
from yibao.web.html import esc, flash, hidden_fields, page, section, table
from yibao.web.session import FormDep, Viewer, ViewerDep, check_csrf

router = APIRouter(prefix="/console", include_in_schema=False)
TITLE: Final = "家庭共济绑定"
#: A refusal's page status: a role or an account outside the scope 403, a person outside the
#: scope 404, else 422.
STATUS: Final = {FamilyProblem.FORBIDDEN: 403, FamilyProblem.OUT_OF_SCOPE: 403,
                 FamilyProblem.NOT_FOUND: 404}


def _person(name: str, value: str, label: str) -> str:
    return (f"<input name='{name}' value='{esc(value)}' placeholder='{label}（身份证号）' "
            f"maxlength='{PSN_NO_MAX}' aria-label='{label}' required>")


def _lookup(who: Viewer, psn_no: str) -> str:
    return section("查询参保人的家庭共济绑定", (
        "<form method='post' action='/console/family' class='filters'>"
        + hidden_fields(who.csrf, action="lookup") + _person("psn_no", psn_no, "参保人")
        + " <button type='submit'>查询</button></form>"))


def _rows(who: Viewer, psn_no: str, items: Sequence[Bound]) -> str:
    if not items:
        return "<p class='note'>该参保人没有家庭共济绑定（或不在您的管辖范围内）。</p>"
    rows = []
    for item in items:
        b = item.binding
        end = ""
        if who.role in WRITERS and b.in_force:
            end = ("<form method='post' action='/console/family' class='inline'>"
                   + hidden_fields(who.csrf, action="unbind", psn_no=psn_no, holder=b.holder,
                             member=b.member)
                   + "<button type='submit'>解除</button></form>")
        rows.append((esc(b.holder), esc(b.member), esc(b.relation.label), esc(item.region),
                     esc(b.start.isoformat()),
                     esc("有效" if b.end is None else f"{b.end.isoformat()} 解除"),
                     esc(b.bound_by + (f" / {b.unbound_by}" if b.unbound_by else "")), end))
    return table(["账户持有人", "共济人员", "关系", "参保地", "开始", "状态", "办理 / 解除",
                  "操作"], rows)


def _form(who: Viewer, psn_no: str, fields: dict[str, str]) -> str:
    if who.role not in WRITERS:
        return "<p class='note'>只有经办人员可以绑定或解除家庭共济。</p>"
    picked = fields.get("relation", "")
    options = "".join(f"<option value='{k.value}'{' selected' if k.value == picked else ''}>"
                      f"{esc(name)}</option>" for k, name in RELATION_NAMES.items())
    return (
        "<form method='post' action='/console/family' class='actions'><div>"
        + hidden_fields(who.csrf, action="bind", psn_no=psn_no)
        + "<label>账户持有人（职工医保） "
        + _person("holder", fields.get("holder", psn_no), "账户持有人") + "</label>"
        + "<label>共济人员 " + _person("member", fields.get("member", ""), "共济人员")
        + f"</label><label>关系 <select name='relation'>{options}</select></label>"
        "<button type='submit'>绑定</button></div></form>")


def _page(who: Viewer, psn_no: str, found: list[Bound] | FamilyRefused | None, *,
          message: str = "", error: str = "", fields: dict[str, str] | None = None,
          status: int = 200) -> HTMLResponse:
    body = flash(message, error) + _lookup(who, psn_no)
    if isinstance(found, FamilyRefused):
        body += section("家庭共济绑定", f"<p class='error'>{esc(found.message)}</p>")
    elif found is not None:
        body += section(f"参保人 {psn_no} 的家庭共济绑定", _rows(who, psn_no, found))
        body += section("绑定家庭共济", _form(who, psn_no, fields or {}))
    return HTMLResponse(page(TITLE, body, who, who.csrf), status_code=status)


@router.get("/family")
def family_page(who: ViewerDep) -> HTMLResponse:
    return _page(who, "", None)


@router.post("/family")
def family_action(who: ViewerDep, fields: FormDep, store: StoreDep) -> HTMLResponse:
    check_csrf(who, fields)
    psn_no = fields.get("psn_no", "").strip()[:PSN_NO_MAX]
    action = fields.get("action", "lookup")
    if not psn_no:
        return _page(who, "", None, error="请填写身份证号（人员编号）", status=422)
    actor = f"console:{who.username}"
    holder = fields.get("holder", "").strip()[:PSN_NO_MAX + 1]
    member = fields.get("member", "").strip()[:PSN_NO_MAX + 1]
    message, error, status, kept = "", "", 200, None
    done: Bound | FamilyRefused | None = None
    if action == "bind":
        done = bind(holder, member, fields.get("relation", "")[:16], actor=actor,
                    who=who.principal, store=store)
        verb = "已绑定"
    elif action == "unbind":
        done = unbind(holder, member, actor=actor, who=who.principal, store=store)
        verb = "已解除"
    elif action != "lookup":
        error, status = "未知的操作", 422
    if isinstance(done, FamilyRefused):
        error, status, kept = done.message, STATUS.get(done.reason, 422), fields
    elif done is not None:
        b = done.binding
        message = f"{verb}：账户持有人 {b.holder} ↔ 共济人员 {b.member}（{b.relation.label}）"
    found = bindings_of(psn_no, who=who.principal, store=store)
    if isinstance(found, FamilyRefused) and status == 200:
        status = STATUS.get(found.reason, 422)
    return _page(who, psn_no, found, message=message, error=error, fields=kept, status=status)
