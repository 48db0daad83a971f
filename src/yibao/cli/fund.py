"""`yibao fund`: account balances, the ledger check, the fund analysis and the repair of
overdrawn personal accounts."""

from __future__ import annotations

import getpass
import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Final

import typer
from rich.console import Console
from rich.table import Table

from yibao.cli.errors import Commands, fail
from yibao.cli.progress import console
from yibao.core import labels
from yibao.core.money import fmt, from_fen
from yibao.services.database import database_location
from yibao.services.fund import (
    RepairRefused,
    check_fund_ledger,
    fund_analysis,
    fund_balances,
    fund_names,
    repair_overdrafts,
)

#: The width of the analysis when it is not printed to a terminal (a file, a pipe).
PIPE_WIDTH: Final = 160
app = typer.Typer(cls=Commands, help="基金账务：余额、对账与基金运行分析", no_args_is_help=True)


@app.command("balance")
def balance(
    region: Annotated[str | None, typer.Option("--region", help="只看该统筹区")] = None,
    detail: Annotated[bool, typer.Option("--detail", help="按持有人（机构、个人、财政层级）分列")]
    = False,
) -> None:
    """各基金账户余额（基金与负债类按贷方余额，资产类按借方余额）。"""
    lines = fund_balances(region, detail=detail)
    table = Table("统筹区", "科目", "持有人", title=f"基金账户余额（元）— {database_location()}")
    for heading in ("借方合计", "贷方合计", "余额"):
        table.add_column(heading, justify="right")
    table.add_column("科目代码", style="dim")
    for line in lines:
        holder = f"{line.holders} 个" if line.holder == "*" else labels.name("holder", line.holder)
        table.add_row(line.region, line.name, holder,
                      fmt(from_fen(line.debit_fen)), fmt(from_fen(line.credit_fen)),
                      fmt(from_fen(line.balance_fen)), line.code.value)
    console.print(table if lines else "账上还没有任何记账。")


@app.command("check")
def check() -> None:
    """对账：每笔交易借贷相等，每个账户的余额等于其全部分录之和，个人账户等余额不为负。"""
    report = check_fund_ledger()
    console.print(f"{database_location()}：交易 {report.transactions} 笔，"
                  f"分录 {report.postings} 条，账户 {report.accounts} 个")
    for item in report.unbalanced:
        console.print(f"[red]✗ 交易 {item.txn_id} 借贷不平：借 {fmt(from_fen(item.debit_fen))}，"
                      f"贷 {fmt(from_fen(item.credit_fen))}[/]")
    for m in report.mismatches:
        console.print(f"[red]✗ 账户 {m.account} 余额与分录不符：余额表 借/贷 {m.stored}，"
                      f"分录合计 借/贷 {m.posted}（分）[/]")
    for b in report.sign_breaks:
        console.print(f"[red]✗ 账户 {b.account} 余额为负：{fmt(from_fen(b.balance_fen))} 元"
                      "（该科目余额不得小于零，如个人账户透支）[/]")
    if not report.ok:
        raise typer.Exit(1)
    console.print("[green]✓ 借贷平衡，账户余额与分录一致，无透支[/]")


@app.command("repair")
def repair(
    region: Annotated[str, typer.Option("--region", help="统筹区（6 位区划代码）")],
    commit: Annotated[bool, typer.Option("--commit", help="记账；不加时只列出将要更正的账户")]
    = False,
) -> None:
    """更正透支的个人账户（迁移 0005 之前并发结算可能造成）：每个余额为负的个人账户记一笔
    新的平衡交易，借记“应收个人账户透支款”、贷记该个人账户，使余额回到零，透支额留作应收款
    待追回；不修改任何已有分录（见 docs/ledger.md）。"""
    found = repair_overdrafts(region, actor=f"cli:{getpass.getuser()}", commit=commit)
    if isinstance(found, RepairRefused):
        fail(found.message)
    if not found:
        console.print(f"统筹区 {region} 没有透支的个人账户。")
        return
    table = Table("个人账户", "透支金额（元）", "更正交易", title=f"透支的个人账户 — {region}")
    for item in found:
        table.add_row(item.holder, fmt(from_fen(item.amount_fen)), item.txn_id)
    console.print(table)
    total = fmt(from_fen(sum(item.amount_fen for item in found)))
    if commit:
        console.print(f"[green]✓ 已记账更正 {len(found)} 个账户，共 {total} 元转入"
                      "应收个人账户透支款（overdraft_receivable），待向参保人或定点医药机构追回[/]")
    else:
        console.print(f"共 {len(found)} 个账户、{total} 元；未记账，确认后加 --commit 记账")


def _level(code: str | None) -> str:
    return labels.name("fund_level", code) if code else "—"


def _yuan(text: str) -> str:
    """A money string of the analysis (two decimals) with thousands separators, for reading."""
    return f"{Decimal(text):,}"


def _months_table(name: str, fund: dict[str, Any]) -> Table:
    table = Table("月份", title=f"{name}：逐月收支（元）", title_justify="left")
    for heading in ("收入", "支出", "期末结余"):
        table.add_column(heading, justify="right")
    for m in fund["months"]:
        table.add_row(m["month"], _yuan(m["income"]), _yuan(m["expenditure"]),
                      _yuan(m["balance"]))
    return table


def _year_table(year: int, names: dict[str, str], funds: dict[str, Any]) -> Table:
    table = Table("基金", title=f"{year} 年基金运行情况（元）", title_justify="left")
    for heading in ("期初结余", "收入", "支出", "期末结余", "当期收支率", "可支付月数"):
        table.add_column(heading, justify="right")
    table.add_column("等级")
    table.add_column("科目代码", style="dim")
    for code, fund in funds.items():
        y = fund["year"]
        table.add_row(names[code], *(_yuan(y[k]) for k in (
                          "balance_open", "income", "expenditure", "balance_close")),
                      y["current_ratio"] or "—", y["months_payable"] or "—",
                      _level(y["level"]), code)
    return table


@app.command("analyze")
def analyze(
    region: Annotated[str, typer.Option("--region", help="统筹区编码（6 位）")],
    year: Annotated[int, typer.Option("--year", help="年度")],
    json_file: Annotated[Path | None, typer.Option("--json", help="同时写出的 JSON 文件")] = None,
    thresholds: Annotated[Path | None, typer.Option(
        "--thresholds", help="预警阈值文件（TOML；默认用随程序提供的阈值）")] = None,
) -> None:
    """基金运行分析：各基金逐月收入、支出与结余，年度收支率、累计结余可支付月数及风险预警。"""
    analysis = fund_analysis(region, year, thresholds=thresholds)
    doc = analysis.to_json()
    out = Console(highlight=False, width=None if sys.stdout.isatty() else PIPE_WIDTH)
    names = fund_names()
    through = "" if analysis.through == 12 else f"（截至 {analysis.through} 月）"
    out.print(f"{database_location()}：统筹区 {region} {year} 年{through}")
    for code, fund in doc["funds"].items():
        if any(m["income"] != "0.00" or m["expenditure"] != "0.00" for m in fund["months"]):
            out.print(_months_table(names[code], fund))
        else:
            out.print(f"{names[code]}：本年无收支")
    out.print(_year_table(year, names, doc["funds"]))
    if doc["warnings"]:
        out.print(f"[bold]风险预警 {len(doc['warnings'])} 条[/]")
        for w in doc["warnings"]:
            colour = "red" if w["level"] in ("insufficient", "deficit") else "yellow"
            out.print(f"[{colour}]⚠ {_level(w['level'])}[/] {w['message']}", soft_wrap=True)
    else:
        out.print("[green]✓ 各基金运行指标均在合理区间，无风险预警[/]")
    if json_file is not None:
        try:
            json_file.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n",
                                 encoding="utf-8")
        except OSError as err:
            fail(f"无法写出 JSON 文件 {json_file}：{err.strerror or err}")
        console.print(f"已写出 {json_file}")


def register(root: typer.Typer) -> None:
    from yibao.cli import actuary as actuary_cli

    actuary_cli.add_commands(app)
    root.add_typer(app, name="fund")
