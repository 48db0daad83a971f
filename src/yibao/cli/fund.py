"""`yibao fund`: account balances, the ledger check and the repair of overdrawn personal
accounts."""

from __future__ import annotations

import getpass
from typing import Annotated

import typer
from rich.table import Table

from yibao.cli.errors import Commands, fail
from yibao.cli.progress import console
from yibao.core import labels
from yibao.core.money import fmt, from_fen
from yibao.services.database import database_location
from yibao.services.fund import (
    RepairRefused,
    check_fund_ledger,
    fund_balances,
    repair_overdrafts,
)

app = typer.Typer(cls=Commands, help="基金账务：余额与对账", no_args_is_help=True)


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


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="fund")
