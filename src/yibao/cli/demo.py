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


def _benefits(result: dict[str, Any]) -> list[str]:
    """The lines of the benefits beyond the basic bill that this result uses."""
    lines = []
    if result["opsp_uncovered_amt"] != "0.00":
        uncovered = result["opsp_uncovered_amt"]
        lines.append(f"门诊慢特病：非认定病种（或未认定）费用 {uncovered} 全部自付")
    if result["long_rx"]:
        flagged = "、".join(result["long_rx"])
        lines.append(f"长期处方标记（超过政策规定天数）：明细 {flagged}，供审核，不影响金额")
    if result["cmi_pay"] != "0.00":
        lines.append(f"惠民保在各项基金之后支付 {result['cmi_pay']}（不属于医保基金）")
    if result["acct_mulaid_balc"] is not None:
        lines.append(f"家庭共济：绑定亲属的个人账户支付 {result['acct_mulaid_pay']}，"
                     f"余额 {result['acct_mulaid_balc']}")
    if result["matn_alwn_amt"] != "0.00":
        lines.append(f"生育津贴 {result['matn_alwn_days']} 天，{result['matn_alwn_amt']} 元，"
                     "由生育保险另行支付给本人，不计入本次结算")
    return lines


def _summary(result: dict[str, Any]) -> str:
    cmi = f" + 惠民保 {result['cmi_pay']}" if result["cmi_pay"] != "0.00" else ""
    family = (f" + 共济账户 {result['acct_mulaid_pay']}"
              if result["acct_mulaid_balc"] is not None else "")
    return "\n".join([
        f"总费用 {result['medfee_sumamt']} = 全自费 {result['fulamt_ownpay_amt']}"
        f" + 超限价 {result['overlmt_selfpay']} + 乙类先行自付 {result['preselfpay_amt']}"
        f" + 政策范围内 {result['inscp_scp_amt']}（起付线 {result['act_pay_dedc']}）",
        f"基金支付 {result['fund_pay_sumamt']}{cmi}，个人负担 {result['psn_part_amt']}"
        f" = 个人账户 {result['acct_pay']}{family} + 现金 {result['psn_cash_pay']}",
        *_benefits(result)])


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
