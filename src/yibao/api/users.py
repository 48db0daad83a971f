"""The bureau API's accounts routes: a user changes their own password; an administrator lists
the users in scope, disables or enables one and unlocks one locked by the login throttle."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from yibao.api.schemas import PasswordIn, Problem, UserOut
from yibao.server.deps import PrincipalDep, StoreDep, account_refused, client_address
from yibao.services import accounts

router = APIRouter(prefix="/api/v1", tags=["医保局 bureau API v1"])
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem} for code in (401, 403, 404, 422, 429)}


def _done(result: object) -> None:
    if isinstance(result, accounts.AccountError):
        raise account_refused(result)


@router.post("/session/password", status_code=204, responses=ERRORS)
def change_password(body: PasswordIn, who: PrincipalDep, store: StoreDep,
                    request: Request) -> None:
    """修改本人密码：须输入当前密码；新密码 12–256 个字符。修改后所有会话失效，请重新登录。"""
    _done(accounts.change_password(who, body.current, body.new,
                                   address=client_address(request), store=store))


@router.get("/users", response_model=list[UserOut], responses=ERRORS)
def users(who: PrincipalDep, store: StoreDep) -> list[accounts.UserView]:
    """管辖范围内的用户（是否停用、是否被锁定），仅系统管理员。"""
    found = accounts.list_users(who, store=store)
    if isinstance(found, accounts.AccountError):
        raise account_refused(found)
    return found


def _manage(action: str, username: str, who: accounts.Principal, store: Any) -> None:
    actor = who.username
    if action == "unlock":
        _done(accounts.unlock(username, actor=actor, by=who, store=store))
    else:
        _done(accounts.set_disabled(username, action == "disable", actor=actor, by=who,
                                    store=store))


@router.post("/users/{username}/disable", status_code=204, responses=ERRORS)
def disable(username: str, who: PrincipalDep, store: StoreDep) -> None:
    """停用用户：不能再登录，已有会话立即失效。仅系统管理员，限管辖范围内。"""
    _manage("disable", username, who, store)


@router.post("/users/{username}/enable", status_code=204, responses=ERRORS)
def enable(username: str, who: PrincipalDep, store: StoreDep) -> None:
    """恢复已停用的用户。"""
    _manage("enable", username, who, store)


@router.post("/users/{username}/unlock", status_code=204, responses=ERRORS)
def unlock(username: str, who: PrincipalDep, store: StoreDep) -> None:
    """解锁因登录失败次数过多而锁定的用户（失败记录保留）。"""
    _manage("unlock", username, who, store)
