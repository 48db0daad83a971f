"""`yibao contribute --year Y`: post a year's contributions to the fund ledger."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from yibao.cli.progress import console
from yibao.core import labels
from yibao.core.money import fmt
from yibao.services.contribute import post_contributions

LABELS = {
    "individual": "个人缴费", "assistance": "医疗救助资助参保", "subsidy_central": "中央财政补助",
    "subsidy_provincial": "省级财政补助", "subsidy_local": "市县财政补助",
    "serious_illness": "划转大病保险", "employer_to_pool": "单位缴费→统筹基金",
    "employer_to_account": "单位缴费→个人账户", "employee_to_pool": "个人缴费→统筹基金",
    "employee_to_account": "职工个人缴费→个人账户", "retiree_credit": "退休人员个人账户划入",
}


def contribute(
    year: Annotated[int, typer.Option("--year", help="缴费年度", min=2000, max=2100)],
    region: Annotated[str | None, typer.Option("--region", help="只处理该统筹区")] = None,
) -> None:
    """按政策 contributions 节计算并记账：居民缴费与财政补助、资助参保、职工缴费与个人账户。"""
    report = post_contributions(year, region=region)
    scope = f"统筹区 {region}" if region else "全部统筹区"
    schemes = "，".join(f"{labels.name('insutype', k)} {v} 人"
                       for k, v in sorted(report.by_scheme.items())) or "无"
    console.print(
        f"[green]✓[/] {year} 年度缴费（{scope}）：有效参保 {report.enrollments}，本次记账 "
        f"{report.posted}（{schemes}），此前已记账 {report.already_posted}。写入 {report.location}")
    if report.totals:
        table = Table("项目", title=f"{year} 年度本次记账金额")
        table.add_column("金额（元）", justify="right")
        for name, amount in report.totals.items():
            if amount:
                table.add_row(LABELS.get(name, name), fmt(amount))
        console.print(table)
    if report.without_policy:
        console.print(f"[yellow]! 以下统筹区没有 {year} 年度的缴费政策（contributions 节），"
                      f"未记账：{'、'.join(report.without_policy)}[/]")


def register(root: typer.Typer) -> None:
    root.command("contribute")(contribute)
