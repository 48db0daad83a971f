"""`yibao user add`: create a bureau user; the generated password is printed once.
`yibao user disable` / `enable` / `unlock`: the operator manages users (an administrator does the
same in the console and the API)."""

from __future__ import annotations

import getpass
import secrets
from typing import Annotated

import typer

from yibao.cli.errors import Commands
from yibao.cli.progress import console
from yibao.services import accounts, database

app = typer.Typer(cls=Commands, help="医保局用户：角色与管辖区划", no_args_is_help=True)
ROLE_HELP = "角色：handler 经办、auditor 稽核、finance 基金财务、director 局领导、admin 管理员"


@app.command("add")
def add(role: Annotated[str, typer.Option(help=ROLE_HELP)],
        region: Annotated[str, typer.Option(help="管辖区划：县 511623、市 511600、省 510000")],
        username: Annotated[str | None, typer.Argument(help="用户名（省略时自动生成）")] = None,
        ) -> None:
    """新建用户并生成初始密码（只显示这一次，请妥善转交）。"""
    ready = database.upgrade_database()  # a fresh database gets its schema first
    console.print(f"数据库：{ready.location}")
    username = username or f"{role}-{region}-{secrets.token_hex(2)}"
    issued = accounts.add_user(username, role, region, actor=f"cli:{getpass.getuser()}")
    if isinstance(issued, accounts.AccountError):
        console.print(f"[red]✗ {issued.message}[/]")
        raise typer.Exit(1)
    console.print(f"[green]✓[/] 已新建用户 {username}（{accounts.ROLE_NAMES[role]}，"
                  f"管辖 {region}）。初始密码只显示这一次：")
    typer.echo(issued.secret)


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


def _finish(result: object, done: str) -> None:
    if isinstance(result, accounts.AccountError):
        console.print(f"[red]✗ {result.message}[/]")
        raise typer.Exit(1)
    console.print(f"[green]✓[/] {done}")


Name = Annotated[str, typer.Argument(help="用户名")]


@app.command("disable")
def disable(username: Name) -> None:
    """停用用户：不能再登录，已有会话立即失效。"""
    _finish(accounts.set_disabled(username, True, actor=_actor()), f"已停用用户 {username}")


@app.command("enable")
def enable(username: Name) -> None:
    """恢复已停用的用户。"""
    _finish(accounts.set_disabled(username, False, actor=_actor()), f"已恢复用户 {username}")


@app.command("unlock")
def unlock(username: Annotated[str | None, typer.Argument(help="用户名")] = None,
           address: Annotated[str | None, typer.Option(help="解锁一个登录地址（IP）")] = None,
           ) -> None:
    """解锁因登录失败次数过多而锁定的用户或地址（失败记录保留）。"""
    if (username is None) == (address is None):
        console.print("[red]✗ 请给出用户名或 --address 之一[/]")
        raise typer.Exit(2)
    if address is not None:
        cleared = accounts.unlock_address(address, actor=_actor())
        _finish(None, f"已解锁地址 {address}（清除 {cleared} 次失败记录）")
        return
    assert username is not None
    result = accounts.unlock(username, actor=_actor())
    _finish(result, f"已解锁用户 {username}（清除 {result} 次失败记录）")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="user")
