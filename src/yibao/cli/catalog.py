"""`yibao catalog import FILE [--region R]`: load the fee-item catalogue (医保目录, CSV or Parquet,
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
                                                      "docs/catalog.md）")],
            region: Annotated[str, typer.Option(
                "--region", help="统筹区划代码：导入为该统筹区的目录（异地就医按就医地目录结算）；"
                                 "不给出时为全部统筹区共用的目录")] = "") -> None:
    """导入医保目录：逐行校验，有错误时列出全部错误且不写入；重复导入不改变已有数据。"""
    from yibao.catalog.load import CatalogError
    from yibao.core.codes import validate_region

    if region and (problem := validate_region(region)) is not None:
        console.print(f"[red]✗ --region：{problem}[/]", highlight=False)
        raise typer.Exit(2)

    ready = database.upgrade_database()  # a fresh database gets its schema first
    console.print(f"数据库：{ready.location}")
    try:
        done = catalog.import_catalog(file, region=region)
    except CatalogError as err:
        console.print(f"[red]✗ 医保目录未导入[/]\n{err.message}", highlight=False)
        raise typer.Exit(2) from None
    except OSError as err:
        console.print(f"[red]✗ 无法读取目录文件 {file}：{err.strerror}[/]", highlight=False)
        raise typer.Exit(2) from None
    which = f"统筹区 {done.region} 的目录" if done.region else "全部统筹区共用的目录"
    console.print(f"[green]✓[/] 医保目录已导入（{which}）：新增 {done.added} 项，"
                  f"更新 {done.changed} 项，未变 {done.unchanged} 项")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="catalog")
