"""The console's account pages: a user changes their own password (`/console/account`); an
administrator sees the users in scope and disables, enables or unlocks one (`/console/users`)."""

from __future__ import annotations

from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from yibao.server.deps import StoreDep, client_address
from yibao.services import accounts
from yibao.web.html import esc, flash, page, path, section, table
from yibao.web.session import COOKIE, FormDep, ViewerDep, check_csrf

router = APIRouter(prefix="/console", include_in_schema=False)
ACTIONS: Final = {"disable": "停用", "enable": "恢复", "unlock": "解锁"}


def _html(title: str, body: str, who: Any, status: int = 200) -> HTMLResponse:
    return HTMLResponse(page(title, body, who, who.csrf), status_code=status)


def _password_form(csrf: str) -> str:
    def field(name: str, label: str, autocomplete: str) -> str:
        return (f"<label>{label} <input name='{name}' type='password' required "
                f"autocomplete='{autocomplete}' maxlength='{accounts.PASSWORD_MAX}'></label>")

    return ("<form method='post' action='/console/account'>"
            f"<input type='hidden' name='csrf' value='{esc(csrf)}'>"
            + field("current", "当前密码", "current-password")
            + field("new", f"新密码（至少 {accounts.PASSWORD_MIN} 个字符）", "new-password")
            + field("again", "再次输入新密码", "new-password")
            + "<button type='submit'>修改密码</button></form>")


def _account_body(who: Any, error: str = "") -> str:
    admin = ("<p><a href='/console/users'>用户管理（停用、解锁）</a></p>"
             if who.role == "admin" else "")
    note = "<p class='note'>修改后所有会话失效，请用新密码重新登录。</p>"
    return flash("", error) + section("修改密码", _password_form(who.csrf) + note) + admin


@router.get("/account")
def account_page(who: ViewerDep) -> HTMLResponse:
    return _html("我的账户", _account_body(who), who)


@router.post("/account")
def change_password(who: ViewerDep, fields: FormDep, store: StoreDep,
                    request: Request) -> Any:
    check_csrf(who, fields)
    new = fields.get("new", "")[:accounts.PASSWORD_MAX + 1]
    if new != fields.get("again", "")[:accounts.PASSWORD_MAX + 1]:
        return _html("我的账户", _account_body(who, "两次输入的新密码不一致"), who, 422)
    refused = accounts.change_password(who.principal, fields.get("current", "")[:256], new,
                                       address=client_address(request), store=store)
    if refused is not None:
        status = 429 if refused.reason is accounts.AccountRefusal.LOCKED else 422
        return _html("我的账户", _account_body(who, refused.message), who, status)
    answer = RedirectResponse("/console/login?changed=1", status_code=303)
    answer.delete_cookie(COOKIE, path="/console")
    return answer


def _user_row(user: accounts.UserView, csrf: str) -> tuple[str, ...]:
    def button(action: str) -> str:
        return (f"<form method='post' action='{path('/console/users', user.username, action)}'"
                f" class='inline'><input type='hidden' name='csrf' value='{esc(csrf)}'>"
                f"<button type='submit'>{ACTIONS[action]}</button></form>")

    state = "已停用" if user.disabled else ("已锁定" if user.locked else "正常")
    actions = button("enable" if user.disabled else "disable") + (
        button("unlock") if user.locked else "")
    return (esc(user.username), esc(user.role_name), esc(user.region), esc(state), actions)


def _users_page(who: Any, store: Any, message: str = "", error: str = "",
                status: int = 200) -> HTMLResponse:
    found = accounts.list_users(who.principal, store=store)
    if isinstance(found, accounts.AccountError):
        return _html("无权查看", section("403", f"<p class='error'>{esc(found.message)}</p>"),
                     who, 403)
    rows = [_user_row(u, who.csrf) for u in found]
    body = flash(message, error) + section(
        f"用户（共 {len(found)} 人）", table(["用户名", "角色", "管辖区划", "状态", "操作"], rows))
    return _html("用户管理", body, who, status)


@router.get("/users")
def users_page(who: ViewerDep, store: StoreDep) -> HTMLResponse:
    return _users_page(who, store)


@router.post("/users/{username}/{action}")
def manage_user(username: str, action: str, who: ViewerDep, fields: FormDep,
                store: StoreDep) -> HTMLResponse:
    check_csrf(who, fields)
    if action not in ACTIONS:
        return _users_page(who, store, error="无此操作", status=404)
    if action == "unlock":
        done: object = accounts.unlock(username, actor=who.username, by=who.principal,
                                       store=store)
    else:
        done = accounts.set_disabled(username, action == "disable", actor=who.username,
                                     by=who.principal, store=store)
    if isinstance(done, accounts.AccountError):
        status = {accounts.AccountRefusal.FORBIDDEN: 403,
                  accounts.AccountRefusal.NOT_FOUND: 404}.get(done.reason, 422)
        return _users_page(who, store, error=done.message, status=status)
    return _users_page(who, store, message=f"已{ACTIONS[action]}用户 {username}")
