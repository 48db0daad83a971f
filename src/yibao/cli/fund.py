"""`yibao fund`: account balances and the ledger check."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from yibao.cli.errors import Commands
from yibao.cli.progress import console
from yibao.core import labels
from yibao.core.money import fmt, from_fen
from yibao.services.database import database_location
from yibao.services.fund import check_fund_ledger, fund_balances

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


def register(root: typer.Typer) -> None:
    from yibao.cli import actuary as actuary_cli

    actuary_cli.add_commands(app)
    root.add_typer(app, name="fund")
