"""`yibao drg`: DRG grouping (分组) and, later, payment. A face: options in, service, zh-CN out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from yibao.cli.errors import Commands, fail
from yibao.cli.progress import console

app = typer.Typer(cls=Commands, help="DRG 分组与支付", no_args_is_help=True)

RULES_HELP = "规则包目录（默认：环境变量 YIBAO_DRG_RULES，否则随 yibao 附带的 CHS-DRG 1.1 规则包）"
INPUT_HELP = "病案文件：OpenDRG 样例 CSV 或结算清单 Parquet（格式见 docs/drg.md）"
OUT_HELP = "结果文件，按扩展名写 CSV 或 Parquet：Index, mdc, adrg, drg, status, trace"
SCHEME_HELP = "方案文件（默认按规则包目录名取 src/yibao/payment/drg/schemes/<名>.toml）"
TRACE_HELP = "写出每例的分组过程（--no-trace 更快，只写未入组的原因）"
STATUS_TEXT = {"ok": "入组", "ungroupable": "无法入组（0000）", "invalid": "校验不通过"}


@app.callback()
def main() -> None:
    """DRG 分组与支付。"""


class _Bar:
    """A progress bar that appears only when the input has more than `threshold` cases."""

    def __init__(self, threshold: int) -> None:
        self.threshold = threshold
        self.progress: Progress | None = None
        self.task: TaskID | None = None

    def __call__(self, done: int, total: int) -> None:
        if self.progress is None and total > self.threshold:
            self.progress = Progress(
                TextColumn("分组"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
                transient=True,
            )
            self.progress.start()
            self.task = self.progress.add_task("分组", total=total)
        if self.progress is not None and self.task is not None:
            self.progress.update(self.task, completed=done)

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()


@app.command("group")
def group(
    input: Annotated[Path, typer.Option("--input", "-i", help=INPUT_HELP)],
    out: Annotated[Path, typer.Option("--out", "-o", help=OUT_HELP)],
    rules: Annotated[Path | None, typer.Option("--rules", help=RULES_HELP)] = None,
    scheme: Annotated[Path | None, typer.Option("--scheme", help=SCHEME_HELP)] = None,
    trace: Annotated[bool, typer.Option("--trace/--no-trace", help=TRACE_HELP)] = True,
) -> None:
    """按 CHS-DRG 规则包分组：MDC → ADRG → DRG（MCC/CC 细分），逐例写出结果。"""
    # Imported here so that `yibao --help` does not load polars, numpy and pyarrow.
    from yibao.payment.drg.layout import DrgInputError
    from yibao.services import drg as drg_service

    bar = _Bar(drg_service.CHUNK_ROWS)
    try:
        report = drg_service.group_file(
            input, out, rules_dir=rules, scheme_file=scheme, trace=trace, progress=bar
        )
    except (DrgInputError, drg_service.DrgServiceError) as error:
        fail(str(error))
    finally:
        bar.close()
    cache = "（已编译缓存）" if report.from_cache else "（已编译并写入缓存）"
    console.print(f"规则包 {report.scheme_id}：{report.rules_dir}{cache}")
    console.print(
        f"已分组 {report.cases:,} 例，用时 {report.seconds:.2f} 秒，结果写入 {report.output}"
    )
    for status, count in report.by_status:
        console.print(f"  {status:<12} {STATUS_TEXT[status]}：{count:,} 例")


# Payment commands (demo-cases, weights, pay, evaluate) live in their own module.
from yibao.cli.payment import register as _register_payment  # noqa: E402

_register_payment(app)
