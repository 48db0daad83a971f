"""`yibao sim`: simulate a region-year and write Parquet tables (docs/sim.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from yibao.core import labels
from yibao.jobs.city_sim import run_city_sim
from yibao.services.sim import calibration_check, run_sim
from yibao.sim.abuse import AbuseError, load_rates
from yibao.sim.deployment import is_deployment
from yibao.sim.profile import ProfileError


def sim_command(
    out: Annotated[Path, typer.Option("--out", help="输出目录")],
    profile: Annotated[str, typer.Option("--profile", help="模拟配置")] = "linshui-2020",
    scale: Annotated[float, typer.Option("--scale", help="人口规模系数，1.0 为全量")] = 1.0,
    seed: Annotated[int, typer.Option("--seed", help="随机种子")] = 1,
    abuse: Annotated[str | None, typer.Option(
        "--abuse", help="注入违规：default 或比例配置文件")] = None,
    check: Annotated[bool, typer.Option("--check", help="生成后用批量结算校准核对")] = False,
) -> None:
    """生成模拟参保地区一年的数据（Parquet）。"""
    if not 0 < scale <= 10:
        raise typer.BadParameter("规模系数应在 (0, 10] 之间", param_hint="--scale")
    try:
        if is_deployment(profile):
            _city(profile, scale, seed, out, abuse, check)
            return
        rates = load_rates(abuse) if abuse else None
        summary = run_sim(profile, scale, seed, out, rates,
                          progress=lambda step: typer.echo(f"  完成：{step}", err=True))
    except (ProfileError, AbuseError) as exc:
        typer.echo(f"错误：{exc}", err=True)
        raise typer.Exit(2) from None
    for name, rows in summary.rows.items():
        typer.echo(f"{name:18s} {rows:>12,} 行")
    if check:
        _, rows_ = calibration_check(out)
        for row in rows_:
            label = labels.name("calibration", row["indicator"])
            typer.echo(f"{label:16s} 目标 {row['target']:>16,.3f}  模拟 "
                       f"{row['simulated']:>16,.3f}  偏差 {row['error']:+.3f}")


def _city(profile: str, scale: float, seed: int, out: Path, abuse: str | None,
          check: bool) -> None:
    """A deployment profile: every region together (docs/sim.md, "Several regions")."""
    if abuse or check:
        raise ProfileError(f"多统筹区模拟配置 {profile} 暂不支持 --abuse 与 --check；"
                           f"请对单个统筹区目录运行 yibao year")
    summary = run_city_sim(profile, scale, seed, out,
                           progress=lambda step: typer.echo(f"  完成：{step}", err=True))
    for code, rows in summary.regions.items():
        typer.echo(f"{code}  参保 {rows['persons']:>10,} 人  就诊 {rows['visits']:>12,} 笔  "
                   f"费用明细 {rows['fee_lines']:>12,} 行 → {out / code}")
    typer.echo(f"备案 {summary.filings:,} 条 → {out / 'filings.parquet'}；"
               f"定点机构 {summary.institutions:,} 家 → {out / 'institutions.parquet'}；"
               f"部署说明 → {out / 'deployment.toml'}")


def register(app: typer.Typer) -> None:
    app.command("sim")(sim_command)
