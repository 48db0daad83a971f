"""`yibao user add`: create a bureau user; the generated password is printed once."""

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


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="user")
