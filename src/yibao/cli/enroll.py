"""`yibao enroll`: import persons and enrollments, employers and institutions (CSV/Parquet)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from yibao.cli.errors import Commands, fail
from yibao.cli.progress import console
from yibao.enroll.rows import RowError
from yibao.services import enroll

app = typer.Typer(cls=Commands, help="参保登记：导入人员与参保、参保单位、定点医药机构",
                  no_args_is_help=True)
FILE = Annotated[Path, typer.Argument(help="CSV（UTF-8 或 GBK，首行为列名）或 Parquet 文件",
                                      exists=True, dir_okay=False)]
MAX_SHOWN = 50


def _errors(errors: tuple[RowError, ...]) -> None:
    if not errors:
        return
    console.print(f"[red]✗ {len(errors)} 行被拒绝（未写入）：[/]")
    for error in errors[:MAX_SHOWN]:
        console.print(f"  {error.describe()} [dim]（{error.reason.value}）[/]")
    if len(errors) > MAX_SHOWN:
        console.print(f"  …… 另有 {len(errors) - MAX_SHOWN} 行")
    raise typer.Exit(1)


def _file_error(err: enroll.ImportFileError) -> None:
    fail(err.message)


def _encoding(encoding: str) -> str:
    return "" if encoding == "UTF-8" else f"（按 {encoding} 编码读取）"


@app.command("import")
def import_people(path: FILE) -> None:
    """导入人员与参保：校验身份证号，拒绝同年度重复参保，计算待遇等待期，支持跨统筹区转移。"""
    try:
        report = enroll.import_enrollments(path)
    except enroll.ImportFileError as err:
        _file_error(err)
        return
    console.print(
        f"[green]✓[/] {path}{_encoding(report.encoding)}：读入 {report.rows} 行；"
        f"新增人员 {report.persons_added}，"
        f"更新人员 {report.persons_updated}；新增参保 {report.enrollments_added}"
        f"（其中转移接续 {report.transfers}），已存在未变 {report.unchanged}。"
        f"写入 {report.location}")
    _errors(report.errors)


def _simple(path: Path, what: str, run: Callable[[Path], enroll.RegistryReport]) -> None:
    try:
        report = run(path)
    except enroll.ImportFileError as err:
        _file_error(err)
        return
    console.print(f"[green]✓[/] {path}{_encoding(report.encoding)}：读入 {report.rows} 行，"
                  f"保存{what} {report.saved} 个。写入 {report.location}")
    _errors(report.errors)


@app.command("employers")
def import_employers(path: FILE) -> None:
    """导入参保单位（列：code, name, region）。"""
    _simple(path, "参保单位", enroll.import_employers)


@app.command("institutions")
def import_institutions(path: FILE) -> None:
    """导入定点医药机构（列：code, name, level, region），结算缺少 hosp_lv 时按此补全。"""
    _simple(path, "定点医药机构", enroll.import_institutions)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="enroll")
