"""`yibao assist`: 依申请救助 and 防止因病致贫返贫 monitoring (SETTLEMENT.md §6; docs/benefits.md,
"依申请救助与监测") — record an application, decide it, list the queue, and write the year's
monitoring list for civil affairs.

The operator's command line acts for every region; what it writes is logged with
`cli:<login>` as the actor."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from yibao.assist.model import Application
from yibao.cli.errors import Commands, fail
from yibao.cli.progress import console
from yibao.core.money import fmt
from yibao.services.assist import (
    AssistRefused,
    applications,
    apply,
    decide,
    monitor,
    reason_name,
    to_json,
    write_monitor,
)
from yibao.services.database import database_location

app = typer.Typer(cls=Commands, help="依申请救助（因病致贫重病患者）与防止因病致贫返贫监测",
                  no_args_is_help=True)


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


def _describe(item: Application) -> str:
    shown = to_json(item)
    text = (f"申请 {item.app_id}：参保人 {item.psn_no}，参保地 {item.region}，{item.year} 年，"
            f"家庭年收入 {fmt(item.income)} 元，申请日 {item.applied_on}，{shown['state_name']}")
    if item.grant is not None:
        text += (f"；B = {shown['b']}，起付 t = {shown['t']}，救助金额 {shown['grant']} 元"
                 f"（医疗救助基金 610100，交易 {item.txn_id or '无（金额为零）'}）")
    if item.reason:
        text += f"；原因：{reason_name(item.reason)}"
        if item.note:
            text += f"（{item.note}）"
    return text


@app.command("apply")
def apply_command(
    psn_no: Annotated[str, typer.Option("--psn-no", help="参保人身份证号（人员编号）")],
    income: Annotated[str, typer.Option("--income", help="申报的家庭年收入（元）")],
    day: Annotated[str, typer.Option("--date", help="申请日期 YYYY-MM-DD")],
) -> None:
    """登记医疗救助申请（因病致贫重病患者，依申请救助），待审核。"""
    done = apply(psn_no.strip(), income, day, actor=_actor())
    if isinstance(done, AssistRefused):
        fail(done.message)
    console.print(f"[green]✓[/] 已登记 — {_describe(done)}", soft_wrap=True)
    console.print(f"写入 {database_location()} 的 assist_applications", soft_wrap=True)


@app.command("decide")
def decide_command(
    app_id: Annotated[int, typer.Argument(help="申请编号")],
    approve: Annotated[bool | None, typer.Option("--approve/--refuse",
                                                 help="审核通过（按 §6 规则核定救助）或不予救助")
                       ] = None,
    reason: Annotated[str, typer.Option("--reason", help="审核意见；不予救助时必填")] = "",
) -> None:
    """审核医疗救助申请：--approve 按规则核定并拨付（仅一次），--refuse 写明原因不予救助。"""
    if approve is None:
        fail("请指定 --approve（审核通过）或 --refuse（不予救助）")
    done = decide(app_id, approve, reason, actor=_actor())
    if isinstance(done, AssistRefused):
        fail(done.message)
    console.print(f"[green]✓[/] 已审核 — {_describe(done)}", soft_wrap=True)
    console.print(f"写入 {database_location()} 的 assist_applications"
                  + ("、fund_postings、accumulators、person_group_grants"
                     if done.grant is not None else ""), soft_wrap=True)


@app.command("list")
def list_command(
    state: Annotated[str | None, typer.Option(
        "--state", help="applied 待审核、granted 已救助、refused 未通过")] = None,
    year: Annotated[int | None, typer.Option("--year", help="年度")] = None,
    psn_no: Annotated[str | None, typer.Option("--psn-no", help="参保人身份证号")] = None,
    limit: Annotated[int, typer.Option("--limit", help="最多列出多少条")] = 50,
) -> None:
    """列出医疗救助申请（最新的在前）。"""
    found = applications(state=state, year=year, psn_no=psn_no, limit=limit)
    if isinstance(found, AssistRefused):
        fail(found.message)
    if not found.items:
        console.print(f"没有符合条件的医疗救助申请（{database_location()}）。")
        return
    table = Table(title=f"医疗救助申请 — 共 {found.total} 条 — {database_location()}")
    for heading, wrap in (("编号", False), ("参保人", False), ("申请日", False),
                          ("状态", False), ("救助金额", False), ("原因", True)):
        table.add_column(heading, no_wrap=not wrap)
    for item in found.items:
        shown = to_json(item)
        table.add_row(str(item.app_id), item.psn_no, shown["applied_on"], shown["state_name"],
                      shown["grant"] or "—", shown["reason_name"] or "—")
    console.print(table)


@app.command("monitor")
def monitor_command(
    year: Annotated[int, typer.Option("--year", help="监测年度")],
    out: Annotated[Path, typer.Option("--out", help="输出目录（写入 monitor.json 与 "
                                                      "monitor.xlsx）")],
) -> None:
    """防止因病致贫返贫动态监测：列出年度自付费用达到监测标准的人员和家庭，供移交民政部门。"""
    doc = monitor(year)
    if isinstance(doc, AssistRefused):
        fail(doc.message)
    try:
        json_path, xlsx_path = write_monitor(doc, out)
    except OSError as err:
        fail(f"无法写入输出目录 {out}：{err.strerror or err}")
    console.print(f"[green]✓[/] {year} 年监测：人员 {len(doc['persons'])} 人，"
                  f"家庭 {len(doc['households'])} 户（数据来自 {database_location()}）",
                  soft_wrap=True)
    console.print(f"写入 {json_path} 与 {xlsx_path}", soft_wrap=True)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="assist")
