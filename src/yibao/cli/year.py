"""`yibao year`: settle a simulated year, print the indicator table and write the report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from yibao.cli.progress import console
from yibao.indicators.render import show
from yibao.services.year import YearOutcome, run_year

DATA_HELP = "yibao sim 生成的数据目录"
REPORT_HELP = "报告输出目录（indicators.json 与 index.html）"


def _table(outcome: YearOutcome) -> Table:
    table = Table(title=f"主要指标（{outcome.profile}，规模 {outcome.scale}）")
    for column in ("指标", "本年", "2025 年目标", "状态"):
        table.add_column(column, justify="right" if column == "本年" else "left",
                         overflow="fold", min_width=36 if column == "指标" else None)
    for row in outcome.rows:
        status = "—" if row.met is None else ("[green]达标[/]" if row.met else "[red]未达标[/]")
        table.add_row(row.label, show(row.value, row.unit), row.target_text, status)
    return table


def year_command(
    data: Annotated[Path, typer.Option("--data", help=DATA_HELP)],
    report: Annotated[Path, typer.Option("--report", help=REPORT_HELP)] = Path("report"),
) -> None:
    """结算模拟地区的一整年，计算“十四五”主要指标，写出报告。"""
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("年度作业", total=None)

        def step(message: str) -> None:
            progress.update(task, description=message)
            console.log(message)

        try:
            outcome = run_year(data, report, step)
        except FileNotFoundError as err:
            console.print(f"[red]✗ {err}[/]")
            raise typer.Exit(2) from None
    console.print(_table(outcome))
    console.print(f"报告已写入：{outcome.html_path.resolve()}（数据：{outcome.json_path}）")


def register(app: typer.Typer) -> None:
    app.command("year")(year_command)
