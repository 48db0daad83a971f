"""`yibao fund budget` and `yibao fund project`: next year's budget and the actuarial projection
(registered into the `fund` group by `cli/fund.py`)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from yibao.cli.progress import console
from yibao.core import labels
from yibao.core.money import from_fen
from yibao.services import actuary as service

FUND_NAMES = service.FUND_NAMES
SCENARIO_HELP = "情景文件（TOML），只写要改的键"
THRESHOLDS_HELP = "可支付月数水平的阈值文件（默认 fund/thresholds.toml）"
REPORT_HELP = "在该目录写 HTML 报告（含图）"
DATA_HELP = "基年的模拟数据目录（yibao sim 的输出）"
POLICY_HELP = "预算年度的政策文件（默认内置）"
LEVEL_STYLE = {"insufficient": "red", "low": "yellow", "excess": "yellow"}


def _yuan(fen: int) -> str:
    return f"{from_fen(fen):,}"


def _n(value: Decimal) -> str:
    return f"{value:,.0f}"


def _level(level: str) -> str:
    if not level:
        return "—"
    style = LEVEL_STYLE.get(level)
    name = labels.name("fund_level", level)
    return f"[{style}]{name}[/]" if style else name


def _budget(region: str, year: int, data: Path, policy: Path | None, scenario: Path | None,
            json_file: Path | None) -> None:
    b = service.fund_budget(region, year, data, policy, scenario)
    console.print(f"[bold]{region} {year} 年医保基金收支预算[/]（基年 {year - 1} 年数据：{data}）")
    t = Table("人群", "年龄组", f"{year - 1} 年参保", f"{year} 年预计", "变化",
              title="一、参保人数（按年龄组老龄化：死亡、长一岁、退休、新参保、出生）")
    for line in b.insured:
        upper = b.bands[line.band + 1] - 1 if line.band + 1 < len(b.bands) else None
        low = b.bands[line.band]
        ages = f"{low}–{upper} 岁" if upper is not None else f"{low} 岁以上"
        t.add_row(labels.name("psn_type", line.group), ages, _n(line.now), _n(line.next),
                  _n(line.next - line.now))
    console.print(t)
    f = b.flows
    console.print(f"  预计死亡 {_n(f.deaths)} 人，出生 {_n(f.births)} 人，"
                  f"净迁移 {_n(f.migration)} 人，"
                  f"退休 {_n(f.retirements)} 人，新参加职工医保 {_n(f.entrants)} 人")
    t = Table("险种·待遇·等级", "就诊人次", "预计人次", "次均费用（元）", "预计次均",
              title="二、就诊与费用（医疗总费用口径）")
    t.columns[0].no_wrap = True
    for e in b.expenditure:
        t.add_row(labels.budget_line(e.scheme, e.benefit, e.level), f"{e.visits_now:,}",
                  _n(e.visits_next),
                  f"{e.cost_per_visit_now:,.2f}", f"{e.cost_per_visit_next:,.2f}")
    console.print(t)
    t = Table("险种·待遇·等级", "基金支付（元）", "年龄结构", "就诊率", "费用", "预算（元）",
              title="三、基金支出 = 本年支付 × 年龄结构因子 × 就诊率趋势 × 费用趋势")
    t.columns[0].no_wrap = True
    for e in b.expenditure:
        t.add_row(labels.budget_line(e.scheme, e.benefit, e.level), _yuan(sum(e.now_fen.values())),
                  f"{e.age_factor}", f"{e.utilisation_trend}", f"{e.cost_trend}",
                  _yuan(sum(e.next_fen.values())))
    console.print(t)
    t = Table("基金", "项目", "依据", f"{year - 1} 年", f"{year} 年预算",
              title="四、基金收入：参保人数 × 缴费标准（预算年度政策）")
    for i in b.income:
        t.add_row(FUND_NAMES[i.fund], i.item, i.basis, _yuan(i.now_fen), _yuan(i.next_fen))
    console.print(t)
    t = Table("基金", "收入（元）", "支出（元）", "当期结余（元）", title=f"五、{year} 年预算汇总")
    for fund, (income, spent) in b.totals.items():
        t.add_row(FUND_NAMES[fund], _yuan(income), _yuan(spent), _yuan(income - spent))
    console.print(t)
    console.print(f"六、区域总额预算（DRG 付费部分）：[bold]{_yuan(b.drg_budget_fen)}[/] 元"
                  f"（本地 {60} 天以内住院的统筹基金支付 × 各行因子；"
                  f"用于 yibao drg pay --budget {from_fen(b.drg_budget_fen)}）")
    console.print("注：大额、公务员补助与医疗救助的筹资不在本预算的收入中（见 issue 13 第 1 项）。")
    if json_file:
        service.write_json(json_file, service.budget_data(b))
        console.print(f"已写入 {json_file}")


def _project(region: str, start: int, years: int, data: Path, scenario: Path | None,
             thresholds: Path | None, json_file: Path | None, report: Path | None) -> None:
    p = service.fund_projection(region, start, years, data, scenario, thresholds)
    console.print(f"[bold]{region} 医保基金中长期精算[/]：基年 {start}，预测 {years} 年，"
                  f"情景 {p.scenario}")
    t = Table("年度", "城乡居民", "在职职工", "退休职工", "死亡", "出生", "退休",
              title="参保人数（1 月 1 日）")
    for row in p.population:
        t.add_row(str(row.year), _n(row.residents), _n(row.in_service), _n(row.retired),
                  _n(row.flows.deaths), _n(row.flows.births), _n(row.flows.retirements))
    console.print(t)
    for fund, exhausted in p.exhausted:
        t = Table("年度", "收入（元）", "支出（元）", "期末累计结余（元）", "可支付月数", "水平",
                  title=FUND_NAMES[fund])
        for r in p.of(fund):
            t.add_row(str(r.year), _yuan(r.income_fen), _yuan(r.expenditure_fen),
                      _yuan(r.closing_fen), service.months_text(r.months), _level(r.level))
        console.print(t)
        console.print(f"  [red]{exhausted} 年累计结余转负（基金耗尽）[/]" if exhausted
                      else "  预测期内累计结余未转负")
    if json_file:
        service.write_json(json_file, service.projection_data(p))
        console.print(f"已写入 {json_file}")
    if report:
        console.print(f"已写入 {service.write_projection_report(p, report)}")


def add_commands(app: typer.Typer) -> None:
    """Add `budget` and `project` to the `fund` group."""

    @app.command("budget")
    def budget(
        region: Annotated[str, typer.Option("--region", help="统筹区代码，如 511623")],
        year: Annotated[int, typer.Option("--year", help="预算年度（基年数据的下一年）")],
        data: Annotated[Path, typer.Option("--data", help=DATA_HELP)],
        policy: Annotated[Path | None, typer.Option("--policy", help=POLICY_HELP)] = None,
        scenario: Annotated[Path | None, typer.Option("--scenario", help=SCENARIO_HELP)] = None,
        json_file: Annotated[Path | None, typer.Option("--json", help="把预算写成 JSON")] = None,
    ) -> None:
        """下一年度基金收支预算：人口结构、就诊率与次均费用趋势、缴费政策，逐项列出因子。"""
        _budget(region, year, data, policy, scenario, json_file)

    @app.command("project")
    def project(
        region: Annotated[str, typer.Option("--region", help="统筹区代码，如 511623")],
        start: Annotated[int, typer.Option("--from", help="基年（数据所属年度）")],
        data: Annotated[Path, typer.Option("--data", help=DATA_HELP)],
        years: Annotated[int, typer.Option("--years", help="预测年数")] = service.DEFAULT_YEARS,
        scenario: Annotated[Path | None, typer.Option("--scenario", help=SCENARIO_HELP)] = None,
        json_file: Annotated[Path | None, typer.Option("--json", help="把预测写成 JSON")] = None,
        thresholds: Annotated[Path | None, typer.Option("--thresholds", help=THRESHOLDS_HELP)]
        = None,
        report: Annotated[Path | None, typer.Option("--report", help=REPORT_HELP)] = None,
    ) -> None:
        """中长期精算：按单岁年龄与性别的队列预测，各基金逐年收支、累计结余、可支付月数。"""
        _project(region, start, years, data, scenario, thresholds, json_file, report)
