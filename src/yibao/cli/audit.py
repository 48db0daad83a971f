"""`yibao audit`: validate the rule base, run it over a year, evaluate against labels, and open
the audit cases of a stored region-year (`yibao audit open`)."""

from __future__ import annotations

import getpass
import json
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from yibao.cli.errors import Commands
from yibao.cli.progress import console
from yibao.services import cases, database
from yibao.services.audit import credit_year, draw_year, evaluate, simulate_reference
from yibao.sim.abuse import PATTERN_NAMES
from yibao.supervise.load import RuleFileError, load_rules

app = typer.Typer(cls=Commands, help="基金监管：规则、检测与评估", no_args_is_help=True)
RulesOpt = Annotated[Path | None, typer.Option("--rules", help="规则文件（默认内置规则库）")]


@app.command("rules")
def rules_command(rules: RulesOpt = None) -> None:
    """校验并列出规则库。"""
    try:
        base = load_rules(rules)
    except RuleFileError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    typer.echo(f"规则库 {base.name} 版本 {base.version}：{len(base.rules)} 条，"
               f"{len({r.kind for r in base.rules})} 种规则类型")
    for r in base.rules:
        typer.echo(f"{r.id:6s} {r.category} {r.kind:24s} {r.result} {r.name}")


def _print(report: dict) -> None:
    typer.echo("规则（按注入违规模式）：")
    for pattern, s in report["rules"].items():
        rec = "—" if s["recall"] is None else f"{s['recall']:.3f}"
        pre = "—" if s["precision"] is None else f"{s['precision']:.3f}"
        typer.echo(f"  {PATTERN_NAMES.get(pattern, pattern):12s} 召回 {rec}  精确 {pre}  "
                   f"（{s['cases_found']}/{s['cases']} 例，命中 {s['hits']}）")
    d = report["detectors"]
    u = d["unsupervised"]
    typer.echo(f"检测器（机构级，{d['providers']} 家，违规 {d['abusive']} 家）：AUC "
               f"{d['provider_auc']:.3f}  AUPRC {d['auprc']:.3f}  前 5% 精确 "
               f"{d['precision_at_capacity']:.3f}；无监督 AUC {u['provider_auc']:.3f}")


@app.command("evaluate")
def evaluate_command(
    data: Annotated[Path, typer.Option("--data", help="待评估年度数据目录（yibao sim 输出）")],
    out: Annotated[Path, typer.Option("--out", help="评估结果 JSON 文件")],
    train: Annotated[Path | None, typer.Option(
        "--train", help="拟合检测器的另一年度数据；缺省时以另一种子模拟一年")] = None,
    rules: RulesOpt = None,
) -> None:
    """以模拟数据的注入违规标签评估全部规则与检测器。"""
    try:
        if train is None:
            with tempfile.TemporaryDirectory() as tmp:
                report = evaluate(data, simulate_reference(data, Path(tmp) / "train"), rules)
        else:
            report = evaluate(data, train, rules)
    except RuleFileError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    _print(report)
    typer.echo(f"已写入 {out}")


DataOpt = Annotated[Path, typer.Option("--data", help="年度数据目录（yibao sim 输出）")]
SchemeOpt = Annotated[Path | None, typer.Option("--scheme", help="信用评价方案（默认示例方案）")]


@app.command("credit")
def credit_command(data: DataOpt, rules: RulesOpt = None, scheme: SchemeOpt = None) -> None:
    """机构信用评分与等级、医务人员记分（以违规类规则命中作为查实案件）。"""
    results, staff = credit_year(data, rules, scheme)
    counts: dict[str, int] = {}
    for r in results:
        counts[r.grade] = counts.get(r.grade, 0) + 1
    typer.echo("机构信用等级：" + "，".join(f"{g} 级 {n} 家" for g, n in sorted(counts.items())))
    for r in sorted(results, key=lambda x: x.score)[:10]:
        cuts = "，".join(f"{k} −{v}" for k, v in r.deductions)
        typer.echo(f"  {r.fixmedins_code} {r.score} 分 {r.grade} 级  {cuts}")
    stopped = [s for s in staff if s.suspended]
    typer.echo(f"医务人员记分：{len(staff)} 人有记分，{len(stopped)} 人达到上限暂停医保支付资格")


@app.command("draw")
def draw_command(
    data: DataOpt,
    seed: Annotated[int, typer.Option("--seed", help="随机种子（公开，可复现）")],
    rules: RulesOpt = None, scheme: SchemeOpt = None,
    register: Annotated[Path | None, typer.Option("--inspectors", help="检查人员库")] = None,
) -> None:
    """双随机抽查：按信用等级分层抽取机构并匹配回避后的检查人员，打印公开名单。"""
    for line in draw_year(data, seed, rules, scheme, register):
        typer.echo(line)


@app.command("open")
def open_command(
    region: Annotated[str, typer.Option("--region", help="统筹区划（6 位行政区划代码）")],
    year: Annotated[int, typer.Option("--year", help="结算年度")],
    rules: RulesOpt = None,
) -> None:
    """对库中某统筹区某年度的结算运行规则批量分析，为每条命中（规则-就诊）开立稽核案件；已开立的不重复开立。"""
    try:
        base = load_rules(rules)
    except RuleFileError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    status = database.database_status()
    console.print(f"数据库：{status.location}")
    if not status.up_to_date:
        typer.echo(f"数据库 {status.location} 的结构不是最新版本：请先运行 yibao db upgrade",
                   err=True)
        raise typer.Exit(2)
    done = cases.open_cases(region, year, actor=f"cli:{getpass.getuser()}", base=base,
                            progress=lambda message: console.print(message))
    if isinstance(done, cases.OpenRefused):
        typer.echo(done.message, err=True)
        raise typer.Exit(2)
    typer.echo(f"区划 {region} {year} 年度：规则命中 {done.hits} 条，新开立稽核案件 "
               f"{done.opened} 件，已开立 {done.existing} 件")
    if done.skipped:
        typer.echo(f"{done.skipped} 笔结算没有可读的费用明细（年度作业批量写入的结算，"
                   "其命中已由年度作业开立案件），未参与本次分析")
    if done.hits and not done.opened:
        typer.echo("没有新的案件：全部命中均已开立")
