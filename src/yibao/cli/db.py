"""`yibao db`: create or migrate the database named by YIBAO_DATABASE_URL."""

from __future__ import annotations

import typer

from yibao.cli.errors import Commands
from yibao.cli.progress import console
from yibao.services import database

app = typer.Typer(cls=Commands, help="数据库：建库与迁移（YIBAO_DATABASE_URL，默认 var/yibao.db）",
                  no_args_is_help=True)


@app.command("upgrade")
def upgrade() -> None:
    """建立或升级数据库结构到最新版本（可重复执行）。"""
    report = database.upgrade_database()
    if report.before == report.after:
        console.print(f"数据库已是最新版本 {report.after}：{report.location}")
    else:
        console.print(f"[green]✓[/] 数据库已从 {report.before or '空库'} 升级到 {report.after}："
                      f"{report.location}")


@app.command("status")
def status() -> None:
    """显示数据库位置与结构版本。"""
    state = database.database_status()
    mark = "[green]最新[/]" if state.up_to_date else "[yellow]需要 yibao db upgrade[/]"
    console.print(f"{state.location}：版本 {state.current or '空库'}（最新 {state.head}），{mark}")
    if not state.up_to_date:
        raise typer.Exit(1)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="db")
