"""`yibao offsite`: monthly clearing, export and import (清算; docs/offsite.md, "Clearing")."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from yibao.cli.errors import fail
from yibao.cli.fund import PIPE_WIDTH
from yibao.cli.progress import console
from yibao.services.clearing import (
    Cleared,
    Refused,
    clear_month,
    export_month,
    import_file,
)
from yibao.services.database import database_location

SOURCE_NAMES = {"local": "本部署", "export": "待对方导入", "import": "已导入"}


def _table(title: str, result: Cleared) -> Table:
    doc = result.to_json()
    table = Table("就医地", "参保地", "笔数", title=title)
    for heading in ("基金金额", "冲销金额", "预付金", "预付金调整", "应付金额"):
        table.add_column(heading, justify="right")
    table.add_column("就医地记账")
    for (source, _), pair in zip(result.pairs, doc["pairs"], strict=True):
        table.add_row(pair["care_region"], pair["insured_region"], str(pair["settlements"]),
                      pair["fund_amount"], pair["reversed_amount"], pair["prepayment"],
                      pair["prepayment_topup"], pair["due"], SOURCE_NAMES[source])
    return table


def _net_line(result: Cleared) -> str:
    net = result.to_json()["net"]
    return "净额（收入为正、支出为负）：" + "，".join(f"{r} {v}" for r, v in net.items())


def clear(
    month: Annotated[str, typer.Option("--month", help="清算月份 YYYY-MM（北京时间）")],
    json_file: Annotated[Path | None, typer.Option("--json", help="同时写出的 JSON 文件")] = None,
) -> None:
    """按月清算异地就医（先预付后清算）：每一就医地—参保地清算对的笔数、基金金额、冲销、预付金与应付金额，
    记入双方账务；同一月份同一清算对只记一次。"""
    result = clear_month(month)
    if isinstance(result, Refused):
        fail(result.message)
    posted = len(result.posted)
    console.print(f"{database_location()}：{month} 异地就医清算，本次记账 {posted} 个清算对"
                  + ("" if posted or not result.pairs else "（该月已清算，未重复记账）"),
                  soft_wrap=True)
    if result.pairs:
        out = Console(highlight=False, width=None if sys.stdout.isatty() else PIPE_WIDTH)
        out.print(_table(f"{month} 异地就医清算单（元）", result))
        out.print(_net_line(result), soft_wrap=True)
    else:
        console.print("该月没有需要清算的异地就医直接结算。")
    if json_file is not None:
        try:
            json_file.write_text(json.dumps(result.to_json(), ensure_ascii=False, indent=2)
                                 + "\n", encoding="utf-8")
        except OSError as err:
            fail(f"无法写出 JSON 文件 {json_file}：{err.strerror or err}")
        console.print(f"已写出 {json_file}", soft_wrap=True)


def export(
    month: Annotated[str, typer.Option("--month", help="清算月份 YYYY-MM")],
    out: Annotated[Path, typer.Option("--out", help="写出的跨省清算文件（JSON）")],
) -> None:
    """写出本部署该月的跨省异地就医清算文件（供就医地所在部署 yibao offsite import 导入）。"""
    result = export_month(month, out)
    if isinstance(result, Refused):
        fail(result.message)
    console.print(f"{database_location()}：{month} 跨省清算对 {len(result.pairs)} 个，"
                  f"发送方 {result.sender or '无'}，校验和 sha256 {result.checksum[:16]}…",
                  soft_wrap=True)
    console.print(f"已写出 {result.path}", soft_wrap=True)


def import_(
    file: Annotated[Path, typer.Argument(help="对方部署导出的跨省清算文件")],
) -> None:
    """导入另一部署的跨省清算文件，记入本部署就医地的账务（每月每个清算对只记一次；文件有误或被改动则拒绝）。"""
    result = import_file(file)
    if isinstance(result, Refused):
        fail(result.message)
    console.print(f"{database_location()}：导入 {file}（{result.month}，发送方 {result.sender}），"
                  f"记账 {len(result.posted)} 个清算对"
                  + (f"，已导入过 {len(result.skipped)} 个未重复记账" if result.skipped else ""),
                  soft_wrap=True)
    for st in result.posted:
        doc = st.to_json()
        console.print(f"  {st.care_region}←{st.insured_region}：{st.settlements} 笔，"
                      f"基金金额 {doc['fund_amount']}，冲销 {doc['reversed_amount']}，"
                      f"应收 {doc['due']}")


def add_commands(app: typer.Typer) -> None:
    """Add this part's commands to the `yibao offsite` group."""
    app.command("clear")(clear)
    app.command("export")(export)
    app.command("import")(import_)
