"""`yibao policy`: validate a policy file, show a shipped policy, and policy what-if (测算):
`whatif` compares a simulated year under two policies, `solve` finds one key's value for a
fund's target current ratio."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from yibao.cli.errors import Commands, fail
from yibao.cli.progress import console
from yibao.core import labels
from yibao.core.money import DecimalError, fmt, fmt_ratio, parse_decimal
from yibao.fund.accounts import CHART
from yibao.policy.benefits import MaternityScheme, Opsp
from yibao.policy.keys import PolicyKeyError
from yibao.policy.loader import PolicyError, load_policy, load_policy_file, shipped_ids
from yibao.policy.model import LEVELS, Benefit, Policy
from yibao.services.whatif import WhatIf, WhatIfError, solve, whatif

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
    for line in _extension_lines(policy):
        console.print(line)
    console.print(f"来源：{policy.source}")


def _levels(benefit: Benefit) -> str:
    return (f"起付 {' / '.join(fmt(benefit.deductible.of(lv)) for lv in LEVELS)}，比例 "
            f"{' / '.join(fmt_ratio(benefit.ratio.of(lv)) for lv in LEVELS)}，"
            f"年度限额 {fmt(benefit.annual_cap)}")


def _opsp_lines(opsp: Opsp) -> list[str]:
    lines = [f"门诊慢特病：长期处方标记 > {opsp.long_rx_days} 天"]
    for key, group in opsp.groups:
        cap = "与住院共用统筹基金年度限额" if group.shared_cap else "每病种单独限额"
        lines += [f"  {group.name}（{key}，{cap}）{label}：{_levels(benefit)}"
                  for label, benefit in (("居民", group.resident), ("职工", group.employee))
                  if benefit is not None]
    lines += [f"  病种 {d.code} {d.name}：分组 {d.group}，ICD-10 {'、'.join(d.icd10)}，"
              f"认定有效期 {d.cert_months} 个月" for d in opsp.diseases]
    return lines


def _maternity_line(label: str, scheme: MaternityScheme) -> str:
    parts = [f"产前检查 比例 {fmt_ratio(scheme.prenatal.ratio)} 年度限额 "
             f"{fmt(scheme.prenatal.cap)}"] if scheme.prenatal else []
    parts += [f"类别 {k} 比例 {fmt_ratio(v.ratio)} 限额 {fmt(v.cap)}" for k, v in scheme.delivery]
    parts += [f"多胎每胎加 {fmt(scheme.extra_fetus)}"] if scheme.extra_fetus else []
    days = "、".join(f"{k}:{d}" for k, d in scheme.allowance_days)
    parts += [f"生育津贴天数 {days}（多胎每胎加 {scheme.extra_fetus_days} 天）"] if days else []
    return f"生育（{label}）：{'；'.join(parts) or '不保障'}"


def _extension_lines(policy: Policy) -> list[str]:
    """The benefits-extension sections (SETTLEMENT.md §5), one line each; none when absent."""
    lines = [] if policy.family_sharing else ["职工个人账户家庭共济：不允许"]
    lines += _opsp_lines(policy.opsp) if policy.opsp is not None else []
    if policy.maternity is not None:
        lines += [_maternity_line(label, scheme) for label, scheme in (
            ("职工", policy.maternity.employee), ("居民", policy.maternity.resident))
            if scheme is not None]
    lines += [f"惠民保 {p.id} {p.name}：起付 {fmt(p.deductible)}，目录内 {fmt_ratio(p.in_ratio)}，"
              f"目录外 {fmt_ratio(p.out_ratio)}，年度限额 {fmt(p.annual_cap)}，"
              f"医疗类别 {'、'.join(p.med_types)}" for p in policy.cmi_products]
    if (apply := policy.assistance_apply) is not None:
        lines.append(f"依申请救助：纳入 {labels.name('assistance_group', apply.group)}，近 "
                     f"{apply.months} 个月自付 ≥ 家庭收入 × {fmt_ratio(apply.income_share)}")
    if (mon := policy.monitoring) is not None:
        lines.append(f"因病致贫返贫监测：农村居民人均可支配收入 {fmt(mon.rural_income)}，"
                     f"救助对象 × {fmt_ratio(mon.share_low_income)}，"
                     f"一般人员 × {fmt_ratio(mon.share_general)}，"
                     f"家庭每人 × {fmt_ratio(mon.household_share)}")
    return lines


@app.command("list")
def list_policies() -> None:
    """列出内置政策。"""
    for policy_id in shipped_ids():
        console.print(policy_id)


# ---------- what-if (测算) ----------

DATA_HELP = "yibao sim 生成的数据目录"
FUND_NAMES = {code.value: spec.name for code, spec in CHART.items()}
WAN_FEN = Decimal(1_000_000)
SCHEME_SHORT = {"310": "职工", "390": "居民"}


@contextmanager
def _steps(title: str) -> Iterator[Callable[[str], None]]:
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(title, total=None)

        def step(message: str) -> None:
            progress.update(task, description=message)

        yield step


def _decimal(text: str, option: str, places: int) -> Decimal:
    try:
        return parse_decimal(text, places=places)
    except DecimalError as err:
        fail(f"{option} 取值有误：{err.message}")


def _wan(fen: int) -> str:
    """Fen as 万元 with two places, for the console (the JSON has every cent)."""
    return fmt(Decimal(fen) / WAN_FEN)


def _fund_table(result: WhatIf) -> Table:
    table = Table(title=f"各基金收支（万元）：原政策 {Path(result.base.policy.source).name}，"
                        f"新政策 {Path(result.new.policy.source).name}",
                  caption=f"统筹基金支出含 DRG 年终清算；两种政策下 DRG 区域预算相同，均为 "
                          f"{_wan(result.drg_budget_fen)} 万元"
                          "（原政策下本地 DRG 病例的统筹基金支付）")
    table.add_column("基金", no_wrap=True)
    for column in ("收入", "原支出", "新支出", "原收支率", "新收支率"):
        table.add_column(column, justify="right", no_wrap=True)
    for fund, before in result.base.funds.items():
        after = result.new.funds[fund]
        table.add_row(FUND_NAMES.get(fund, fund), _wan(before.income_fen),
                      _wan(before.expenditure_fen), _wan(after.expenditure_fen),
                      before.document()["current_ratio"] or "—",
                      after.document()["current_ratio"] or "—")
    return table


SCHEME_ROWS = (("medfee", "医疗总费用"), ("inscp", "政策范围内费用"),
               ("fund_pay", "基金支付"), ("pool_pay", "统筹基金支付"),
               ("assistance_pay", "医疗救助支出"), ("self_pay", "个人负担"),
               ("inscp_ratio", "政策范围内支付比例"),
               ("inpatient_inscp_ratio", "住院政策范围内支付比例"),
               ("catastrophic_persons", "灾难性支出人数"),
               ("catastrophic_share", "灾难性支出人数占比"))


def _scheme_table(result: WhatIf) -> Table:
    share = result.capacity_share
    table = Table(title="按险种比较（金额：万元）", caption=(
        f"灾难性卫生支出：家庭全年个人负担超过家庭支付能力的 {share:%}；支付能力按家庭成员年收入"
        f"合计（在职职工按缴费基数×12，其他人按人均 {fmt(result.income_per_capita)} 元，"
        "[U] 占位值）"))
    table.add_column("指标", no_wrap=True)
    for scheme in result.base.schemes:
        name = SCHEME_SHORT.get(scheme, scheme)
        table.add_column(f"{name}·原", justify="right", no_wrap=True)
        table.add_column(f"{name}·新", justify="right", no_wrap=True)
    for key, label in SCHEME_ROWS:
        row = [label]
        for scheme, before in result.base.schemes.items():
            after = result.new.schemes[scheme]
            for side in (before, after):
                fen = side.money_fen.get(key)
                row.append(_wan(fen) if fen is not None else str(side.document()[key] or "—"))
        table.add_row(*row)
    return table


def _write_json(path: Path, document: dict[str, object]) -> None:
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    temporary.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n",
                         encoding="utf-8")
    temporary.replace(path)


@app.command("whatif")
def whatif_command(
    data: Annotated[Path, typer.Option("--data", help=DATA_HELP)],
    policy: Annotated[Path, typer.Option("--policy", help="新政策 TOML 文件")],
    base: Annotated[Path | None, typer.Option(
        "--base", help="原政策 TOML 文件（默认：模拟配置所用的政策）")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="结果写入该 JSON 文件")] = None,
    capacity_share: Annotated[str, typer.Option(
        "--capacity-share", help="个人负担超过家庭支付能力的该比例即为灾难性卫生支出")] = "0.40",
    income: Annotated[str, typer.Option(
        "--income-per-capita",
        help="无缴费基数者的人均年收入（元），[U] 占位值：约为大病保险起付线的两倍")] = "25000",
) -> None:
    """政策测算：按新政策用批量引擎重算模拟年度，与原政策逐基金、逐险种比较。"""
    share = _decimal(capacity_share, "--capacity-share", 4)
    per_capita = _decimal(income, "--income-per-capita", 2)
    with _steps("政策测算") as step:
        try:
            result = whatif(data, policy, base, capacity_share=share,
                            income_per_capita=per_capita, progress=step)
        except (WhatIfError, PolicyError) as err:
            fail(str(err))
    console.print(_fund_table(result))
    console.print(_scheme_table(result))
    if json_out is not None:
        _write_json(json_out, result.document())
        console.print(f"结果已写入：{json_out}")


@app.command("solve")
def solve_command(
    data: Annotated[Path, typer.Option("--data", help=DATA_HELP)],
    base: Annotated[Path, typer.Option("--base", help="原政策 TOML 文件")],
    key: Annotated[str, typer.Option(
        "--key", help="要求解的政策键，如 resident.inpatient.ratio.2")],
    fund: Annotated[str, typer.Option("--fund", help="基金科目代码，如 resident_pool")],
    target: Annotated[str, typer.Option("--target-ratio", help="目标收支率（支出 ÷ 收入）")],
    out: Annotated[Path, typer.Option("--out", help="写出的新政策文件")],
) -> None:
    """求解：找出使某基金收支率达到目标的一个政策参数取值（批量引擎二分），写出新政策文件。"""
    goal = _decimal(target, "--target-ratio", 4)
    with _steps("政策求解") as step:
        try:
            solved = solve(data, base, key, fund, goal, out, progress=step)
        except (WhatIfError, PolicyKeyError, PolicyError) as err:
            fail(str(err))
    console.print(f"[green]✓[/] {solved.describe()}")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="policy")
