"""`yibao drg demo-cases | weights | pay | evaluate`: DRG/DIP payment; options in, zh-CN out."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated

import typer

from yibao.cli.errors import fail
from yibao.cli.progress import console
from yibao.core.money import from_fen

CASES_HELP = "病例文件（已分组、已计费，Parquet 或 CSV，格式见 docs/payment.md）"
PAYMENT_HELP = "城市参数表目录（默认：环境变量 YIBAO_DRG_PAYMENT，否则随 yibao 附带的参数表）"
CITY_HELP = "按某城市公布的 RW、等级系数、高低倍率与单议病组计算，如 常州2022、吉林2022、苏州2023"
TIERS_HELP = "高低倍率：jilin（固定 0.35/2 倍）或 zhejiang（按基准点数分档）"
PREVIOUS_HELP = "上一年病例，用于比较权重稳定性"
KIND_TEXT = {"normal": "正常病例", "high": "高倍率", "low": "低倍率", "incomplete": "未完成住院",
             "per_diem": "床日病组", "special": "特病单议", "unscored": "无分值"}


def _errors() -> tuple[type[Exception], ...]:
    from yibao.payment.cases import PaymentInputError
    from yibao.payment.cities import CityTableError

    return (PaymentInputError, CityTableError)


def _yuan_to_fen(text: str) -> int:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise typer.BadParameter(f"不是金额：{text}") from None
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
        raise typer.BadParameter(f"金额应为非负、至多两位小数的元：{text}")
    return int(value * 100)


def demo_cases(
    out: Annotated[Path, typer.Option("--out", "-o", help="写出的病例文件（.parquet 或 .csv）")],
    cases: Annotated[int, typer.Option("--cases", help="病例数")] = 100_000,
    seed: Annotated[int, typer.Option("--seed", help="随机种子")] = 2024,
    hospitals: Annotated[int, typer.Option("--hospitals", help="医院数")] = 20,
    city: Annotated[str | None, typer.Option("--city", help=CITY_HELP)] = None,
    payment_dir: Annotated[Path | None, typer.Option("--payment-dir", help=PAYMENT_HELP)] = None,
) -> None:
    """生成一年的模拟病例（已分组、已计费），供付费与评价演示。"""
    from yibao.services import payment as service

    try:
        frame = service.demo_cases(out, cases, seed, hospitals, city, payment_dir)
    except _errors() as error:
        fail(str(error))
    fund = int(frame["fund_pay_fen"].sum())
    console.print(f"已生成 {frame.height:,} 例，写入 {out}；"
                  f"统筹基金支付合计 {from_fen(fund):,.2f} 元")


def weights(
    cases: Annotated[Path, typer.Option("--cases", "-i", help=CASES_HELP)],
    out: Annotated[Path, typer.Option("--out", "-o", help="权重表（.csv 或 .parquet）")],
    trim: Annotated[bool, typer.Option("--trim/--no-trim", help="按四分位距剔除异常值")] = True,
) -> None:
    """由一年病例计算各病组相对权重 RW（剔除异常值后）。"""
    from yibao.services import payment as service

    try:
        groups = service.weights_file(cases, out, trim)
    except _errors() as error:
        fail(str(error))
    console.print(f"已计算 {groups} 个病组的相对权重，写入 {out}")


def pay(
    cases: Annotated[Path, typer.Option("--cases", "-i", help=CASES_HELP)],
    budget: Annotated[str, typer.Option("--budget", help="DRG（或 DIP）统筹基金预算，元")],
    out: Annotated[Path, typer.Option("--out", "-o", help="输出目录")],
    method: Annotated[str, typer.Option("--method", help="drg（点数法）或 dip（分值）")] = "drg",
    city: Annotated[str | None, typer.Option("--city", help=CITY_HELP)] = None,
    payment_dir: Annotated[Path | None, typer.Option("--payment-dir", help=PAYMENT_HELP)] = None,
    tiers: Annotated[str | None, typer.Option("--tiers", help=TIERS_HELP)] = None,
    prepay: Annotated[str, typer.Option("--prepay", help="月度预结算比例")] = "0.85",
) -> None:
    """点数法（或 DIP 分值）付费：病例点数、点值、各医院年度应付与清算。"""
    from yibao.services import payment as service

    if method not in ("drg", "dip") or (tiers is not None and tiers not in service.TIERS):
        raise typer.BadParameter("--method 应为 drg 或 dip；--tiers 应为 jilin 或 zhejiang")
    try:
        report = service.pay_file(cases, out, _yuan_to_fen(budget), method=method, city=city,
                                  payment_dir=payment_dir, tiers=tiers,
                                  prepay_share=Decimal(prepay))
    except _errors() as error:
        fail(str(error))
    console.print(f"{report.method.upper()} 付费：{report.cases:,} 例，{report.hospitals} 家医院，"
                  f"预算 {report.budget_fen / 100:,.2f} 元，用时 {report.seconds:.2f} 秒")
    console.print(f"点值 {report.point_value_yuan} 元/点")
    for kind, count in report.by_kind:
        console.print(f"  {KIND_TEXT.get(kind, kind)}：{count:,} 例")
    console.print("写入 " + "、".join(str(p) for p in report.outputs))


def evaluate(
    cases: Annotated[Path, typer.Option("--cases", "-i", help=CASES_HELP)],
    out: Annotated[Path, typer.Option("--out", "-o", help="输出目录：report.json 与 report.html")],
    previous: Annotated[Path | None, typer.Option("--previous", help=PREVIOUS_HELP)] = None,
) -> None:
    """分组效能评价：RIV、CV、CMI、入组率、QY 率、权重稳定性、细分组区分度。"""
    from yibao.services import payment as service

    try:
        report = service.evaluate_file(cases, out, previous)
    except _errors() as error:
        fail(str(error))
    riv, rates = report["riv"], report["rates"]
    console.print(f"RIV 未剔除 {riv['untrimmed']:.4f}，剔除后 {riv['trimmed']:.4f}；"
                  f"入组率 {rates['grouping_rate']:.2%}；QY 率 {rates['qy_rate']:.2%}")
    console.print(f"CV ≥ 1 的病组 {report['groups_cv_at_least_1']} 个；细分组费用区分显著 "
                  f"{report['splits_separating']}/{len(report['splits'])}")
    if "stability" in report:
        s = report["stability"]
        console.print(f"权重稳定性：RW 平均相对变化 {s['mean_relative_change']:.2%}，"
                      f"秩相关 {s['spearman_rw']:.4f}")
    console.print(f"报告写入 {out / 'report.json'} 与 {out / 'report.html'}")


def register(app: typer.Typer) -> None:
    app.command("demo-cases")(demo_cases)
    app.command("weights")(weights)
    app.command("pay")(pay)
    app.command("evaluate")(evaluate)
