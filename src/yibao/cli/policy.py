"""`yibao policy`: validate a policy file, or show a shipped policy."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from yibao.cli.errors import Commands
from yibao.cli.progress import console
from yibao.core import labels
from yibao.core.money import fmt, fmt_ratio
from yibao.policy.loader import PolicyError, load_policy, load_policy_file, shipped_ids
from yibao.policy.model import LEVELS, Benefit, Policy

app = typer.Typer(cls=Commands, help="待遇政策文件：校验与查看", no_args_is_help=True)


@app.command("check")
def check(path: Annotated[Path, typer.Argument(help="政策 TOML 文件")]) -> None:
    """校验政策文件：未知或缺少的键、超出范围的比例、负金额、分段顺序，报告文件、键与行号。"""
    try:
        policy = load_policy_file(path)
    except PolicyError as err:
        console.print(f"[red]✗ {err}[/]")
        raise typer.Exit(2) from None
    console.print(f"[green]✓[/] {path}：政策 {policy.id}（{policy.name}）校验通过")


def _benefit_rows(table: Table, scheme: str, name: str, benefit: Benefit | None) -> None:
    if benefit is None:
        table.add_row(scheme, name, "不保障", "", "", "")
        return
    table.add_row(
        scheme, name,
        " / ".join(fmt(benefit.deductible.of(lv)) for lv in LEVELS),
        " / ".join(fmt_ratio(benefit.ratio.of(lv)) for lv in LEVELS),
        fmt(benefit.annual_cap),
        fmt_ratio(benefit.retired_ratio_add) if scheme == "职工" else "",
    )


def _describe(policy: Policy) -> Table:
    table = Table(title=f"{policy.id} {policy.name}（乙类先行自付 {policy.class_b_selfpay}）")
    for column in ("险种", "待遇", "起付线 一/二/三级", "比例 一/二/三级", "年度限额", "退休加"):
        table.add_column(column)
    for scheme, label in ((policy.resident, "居民"), (policy.employee, "职工")):
        for kind, name in (("inpatient", "住院"), ("chronic", "门诊慢特病"),
                           ("outpatient", "普通门诊")):
            _benefit_rows(table, label, name, getattr(scheme, kind))
    return table


@app.command("show")
def show(
    policy_id: Annotated[str, typer.Argument(help="政策编号，如 511623-2024，或文件路径")],
) -> None:
    """显示政策的主要参数。"""
    try:
        policy = load_policy(policy_id)
    except PolicyError as err:
        console.print(f"[red]✗ {err}[/]")
        raise typer.Exit(2) from None
    console.print(_describe(policy))
    si = policy.serious_illness
    if si is not None:
        tiers = "，".join(f"{fmt(t.above)} 以上 {fmt_ratio(t.ratio)}" for t in si.tiers)
        cap = fmt(si.annual_cap)
        console.print(f"大病保险：起付线 {fmt(si.threshold)}，{tiers}，年度限额 {cap}")
    for group, aid in policy.assistance:
        console.print(f"医疗救助（{labels.name('assistance_group', group)}）：起付 "
                      f"{fmt(aid.threshold)}，比例 {fmt_ratio(aid.ratio)}，"
                      f"年度限额 {fmt(aid.annual_cap)}")
    console.print(f"来源：{policy.source}")


@app.command("list")
def list_policies() -> None:
    """列出内置政策。"""
    for policy_id in shipped_ids():
        console.print(policy_id)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="policy")
