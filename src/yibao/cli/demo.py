"""`yibao demo`: settle the shipped example visits and explain every yuan in the terminal."""

from __future__ import annotations

from typing import Any

import typer
from rich.panel import Panel
from rich.table import Table

from yibao.cli.progress import console
from yibao.core import labels
from yibao.services.examples import settle_examples


def _explain(result: dict[str, Any]) -> Table:
    table = Table(show_header=True, header_style="bold", expand=True)
    table.add_column("基金", no_wrap=True)
    table.add_column("计算基数", justify="right")
    table.add_column("支付", justify="right", style="green")
    table.add_column("依据", overflow="fold")
    for row in result["setldetail"]:
        table.add_row(labels.name("fund_pay_type", row["fund_pay_type"]),
                      row["inscp_scp_amt"], row["fund_payamt"], row["setl_proc_info"])
    return table


def _summary(result: dict[str, Any]) -> str:
    return (
        f"总费用 {result['medfee_sumamt']} = 全自费 {result['fulamt_ownpay_amt']}"
        f" + 超限价 {result['overlmt_selfpay']} + 乙类先行自付 {result['preselfpay_amt']}"
        f" + 政策范围内 {result['inscp_scp_amt']}（起付线 {result['act_pay_dedc']}）\n"
        f"基金支付 {result['fund_pay_sumamt']}，个人负担 {result['psn_part_amt']}"
        f" = 个人账户 {result['acct_pay']} + 现金 {result['psn_cash_pay']}"
    )


def demo_command() -> None:
    """结算随附的示例就诊，逐项说明每一元钱由谁支付、依据什么。"""
    examples = settle_examples()
    for example in examples:
        body = Table.grid(expand=True)
        body.add_row(_summary(example.result))
        body.add_row(_explain(example.result))
        console.print(Panel(body, title=f"[bold]{example.title}[/]",
                            subtitle=str(example.path.name), title_align="left"))
    console.print(f"已结算 {len(examples)} 个示例；请求文件在 {examples[0].path.parent}。"
                  f"自行结算：yibao settle --input {examples[0].path}")


def register(app: typer.Typer) -> None:
    app.command("demo")(demo_command)
