"""`yibao year`: settle a simulated year, print the indicator table and write the report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from yibao.cli.errors import fail
from yibao.cli.progress import console
from yibao.core import labels
from yibao.indicators.render import show
from yibao.jobs.city_sim import is_city_data
from yibao.jobs.year import YearOutcome, run_year
from yibao.jobs.year_city import CityOutcome, run_city_year
from yibao.jobs.year_store import YearStoreError
from yibao.sim.profile import ProfileError

DATA_HELP = "yibao sim 生成的数据目录"
REPORT_HELP = "报告输出目录（indicators.json 与 index.html）"
DB_HELP = "结算库 URL（默认 $YIBAO_DATABASE_URL，否则报告目录旁的 var/year.db，每次重建）"
REPLAY_HELP = "抽样逐笔有状态重放的人数（单统筹区数据）"


def _table(outcome: YearOutcome) -> Table:
    table = Table(title=f"主要指标（{outcome.profile}，规模 {outcome.scale}）")
    for column in ("指标", "本年", "2025 年目标", "状态"):
        table.add_column(column, justify="right" if column == "本年" else "left",
                         overflow="fold", min_width=36 if column == "指标" else None)
    for row in outcome.rows:
        status = "—" if row.met is None else ("[green]达标[/]" if row.met else "[red]未达标[/]")
        table.add_row(row.label, show(row.value, row.unit), row.target_text, status)
    return table


def _calibration(outcome: YearOutcome) -> Table | None:
    rows = outcome.extra.get("calibration") or []
    if not rows:
        return None
    note = "" if outcome.scale >= 1 else "；规模小于 1 时抽样误差较大，容差放宽"
    table = Table(title=f"校准：模拟值（折算到规模 1.0）与 {outcome.profile} 目标",
                  caption=f"容差：人数 ±1%、金额 ±5%、比例 ±3 个百分点（规模 1.0）{note}")
    for column in ("指标", "目标", "模拟", "偏差", "容差", ""):
        table.add_column(column, justify="left" if column == "指标" else "right")
    for row in rows:
        points = row["kind"] == "points"
        error = f"{row['error'] * 100:+.1f} 点" if points else f"{row['error']:+.1%}"
        tolerance = f"±{row['tolerance'] * 100:.0f} 点" if points else f"±{row['tolerance']:.0%}"
        fmt = "{:.3f}" if points else "{:,.0f}"
        table.add_row(labels.name("calibration", row["indicator"]), fmt.format(row["target"]),
                      fmt.format(row["simulated"]), error, tolerance,
                      "[green]✓[/]" if row["within"] else "[red]✗[/]")
    return table


def year_command(
    data: Annotated[Path, typer.Option("--data", help=DATA_HELP)],
    report: Annotated[Path, typer.Option("--report", help=REPORT_HELP)] = Path("report"),
    db: Annotated[str | None, typer.Option("--db", help=DB_HELP)] = None,
    replay: Annotated[int, typer.Option("--replay", min=0, help=REPLAY_HELP)] = 200,
) -> None:
    """结算模拟地区的一整年，计算“十四五”主要指标，写出报告。"""
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("年度作业", total=None)

        def step(message: str) -> None:
            progress.update(task, description=message)
            console.log(message)

        try:
            if is_city_data(data):
                city = run_city_year(data, report, step, db=db)
            else:
                outcome = run_year(data, report, step, db=db, replay=replay)
        except (FileNotFoundError, YearStoreError, ProfileError) as err:
            fail(str(err))
    if is_city_data(data):
        _print_city(city)
        return
    console.print(_table(outcome))
    check = _calibration(outcome)
    if check is not None:
        console.print(check)
    _print_store(outcome.store)
    for note in outcome.notes:
        console.print(f"[yellow]{note}[/]")
    if outcome.budget_path is not None:
        console.print(f"下一年度基金预算已写入：{outcome.budget_path}（并入 indicators.json 的 "
                      "budget 与报告“下一年度基金预算”一节）")
    if outcome.projection_path is not None:
        console.print(f"基金中长期精算（默认情景，含 [U] 占位值）已写入：{outcome.projection_path}"
                      "（并入 indicators.json 的 projection 与报告“基金中长期精算”一节）")
    console.print(f"报告已写入：{outcome.html_path.resolve()}（数据：{outcome.json_path}）")


def _print_store(store: dict[str, Any]) -> None:
    ledger = ("[green]✓ 借贷平衡，账户余额与分录一致[/]" if store["ledger_ok"]
              else "[red]✗ 账务不平[/]")
    console.print(f"结算库：{store['database']}：写入结算 {store['settlements_written']} 笔、"
                  f"分录 {store['postings']} 条、年度累计 {store['accumulators']} 人；{ledger}")
    mismatches = store["replay_mismatches"]
    verdict = ("[green]✓ 与批量结算逐分一致[/]" if mismatches == 0
               else f"[red]✗ {mismatches} 处不一致[/]")
    console.print(f"抽样重放：{store['replayed_persons']} 人、{store['replayed_visits']} 笔就诊"
                  f"逐笔有状态结算，{verdict}")
    for line in store["replay_examples"]:
        console.print(f"  {line}")
    if "fund_balances" in store:
        console.print(_funds(store))
    for warning in store.get("fund_warnings", ()):
        console.print(f"[red]⚠ {warning['message']}[/]")


def _funds(store: dict[str, Any]) -> Table:
    """Each fund's opening and closing balance of the year (the ledger's, 元)."""
    table = Table(title="基金期初与年末余额（元）")
    for column in ("科目", "期初结余", "年末余额"):
        table.add_column(column, justify="left" if column == "科目" else "right")
    for row in store["fund_balances"]:
        before = row["opening"]
        table.add_row(row["name"], "" if before is None else f"{before:,.2f}",
                      f"{row['closing']:,.2f}")
    return table


def _print_city(outcome: CityOutcome) -> None:
    """The city's table with every region's beside it, the ledgers and the clearing."""
    table = Table(title=f"主要指标（{outcome.profile}，规模 {outcome.scale}；各统筹区与全市）")
    table.add_column("指标", overflow="fold", min_width=30)
    for region in outcome.regions.values():
        table.add_column(f"{region['name']}", justify="right")
    table.add_column("全市", justify="right")
    rows = {c: {row.label: row for row in r["rows"]} for c, r in outcome.regions.items()}
    for row in outcome.city["rows"]:
        cells = [rows[c].get(row.label) for c in outcome.regions]
        table.add_row(row.label, *(show(x.value, x.unit) if x else "—" for x in cells),
                      show(row.value, row.unit))
    console.print(table)
    for code, region in outcome.regions.items():
        ledger = "[green]✓ 借贷平衡[/]" if region["ledger"]["balanced"] else "[red]✗ 账务不平[/]"
        console.print(f"{code} {region['name']}：异地就医 {region['offsite_visits']:,} 笔"
                      f"（零星报销 {region['manual_claims']:,} 笔），账务 {ledger}")
        for warning in region["fund_warnings"]:
            console.print(f"  [red]⚠ {warning['message']}[/]")
    store = outcome.store
    ok = "[green]✓ 全库借贷平衡[/]" if store["ledger_ok"] else "[red]✗ 账务不平[/]"
    console.print(f"结算库：{store['database']}：备案 {store['filings']:,} 条、异地就医结算 "
                  f"{store['offsite_visits']:,} 笔；{ok}")
    done = outcome.clearing
    console.print(f"月度异地就医清算：{len(done['months'])} 个月，{done['note']}")
    console.print(f"报告已写入：{outcome.html_path.resolve()}（数据：{outcome.json_path}）")


def register(app: typer.Typer) -> None:
    app.command("year")(year_command)
