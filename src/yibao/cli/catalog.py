"""`yibao catalog import FILE`: load the fee-item catalogue (医保目录, CSV or Parquet,
docs/catalog.md) into the database, where the national interface's rule checks (3101/3102)
read it. Every wrong row is reported and nothing is written; importing again is harmless."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from yibao.cli.progress import console
from yibao.services import catalog, database

app = typer.Typer(help="医保目录", no_args_is_help=True)


@app.command("import")
def import_(file: Annotated[Path, typer.Argument(help="医保目录文件（CSV 或 Parquet，见 "
                                                      "docs/catalog.md）")]) -> None:
    """导入医保目录：逐行校验，有错误时列出全部错误且不写入；重复导入不改变已有数据。"""
    from yibao.catalog.load import CatalogError

    ready = database.upgrade_database()  # a fresh database gets its schema first
    console.print(f"数据库：{ready.location}")
    try:
        done = catalog.import_catalog(file)
    except CatalogError as err:
        console.print(f"[red]✗ 医保目录未导入[/]\n{err.message}", highlight=False)
        raise typer.Exit(2) from None
    except OSError as err:
        console.print(f"[red]✗ 无法读取目录文件 {file}：{err.strerror}[/]", highlight=False)
        raise typer.Exit(2) from None
    console.print(f"[green]✓[/] 医保目录已导入：新增 {done.added} 项，更新 {done.changed} 项，"
                  f"未变 {done.unchanged} 项")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="catalog")
