"""`yibao institution add`: register an institution's signing secret for the national
interface; the secret is printed once."""

from __future__ import annotations

import getpass
from typing import Annotated

import typer

from yibao.cli.errors import Commands
from yibao.cli.progress import console
from yibao.services import accounts, database

app = typer.Typer(cls=Commands, help="定点医药机构接口密钥", no_args_is_help=True)


@app.command("add")
def add(code: Annotated[str, typer.Argument(help="定点医药机构代码，如 H51162300001")],
        rotate: Annotated[bool, typer.Option(help="更换已有密钥（旧密钥立即失效）")] = False
        ) -> None:
    """为机构生成接口签名密钥（只显示这一次，请安全地交给机构）。"""
    ready = database.upgrade_database()  # a fresh database gets its schema first
    console.print(f"数据库：{ready.location}")
    issued = accounts.add_institution_secret(code, actor=f"cli:{getpass.getuser()}",
                                             rotate=rotate)
    if isinstance(issued, accounts.AccountError):
        console.print(f"[red]✗ {issued.message}[/]")
        raise typer.Exit(1)
    console.print(f"[green]✓[/] 机构 {code} 的接口密钥（只显示这一次）：")
    typer.echo(issued.secret)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="institution")
