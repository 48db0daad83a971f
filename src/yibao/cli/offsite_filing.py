"""`yibao offsite`: filing and revocation (备案、撤销) and a person's filings.

The operator's command line acts for every region (no user scope); what it writes is logged
with `cli:<login>` as the actor (docs/offsite.md)."""

from __future__ import annotations

import getpass
from typing import Annotated

import typer
from rich.table import Table

from yibao.cli.errors import fail
from yibao.cli.progress import console
from yibao.services.database import database_location
from yibao.services.offsite import (
    AREA_LEVEL_NAMES,
    Filed,
    FilingRefused,
    file_offsite,
    filings_of,
    parse_new_filing,
    revoke_offsite,
)

TYPES_HELP = ("备案类型：resettled_retiree 异地安置退休人员、"
              "long_term_resident 异地长期居住人员、resident_worker 常驻异地工作人员、"
              "referral 异地转诊人员、emergency 异地急诊抢救人员、"
              "other_temporary 其他临时外出就医人员（也可写中文名称）")


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


def _end(filed: Filed) -> str:
    return filed.filing.end.isoformat() if filed.filing.end is not None else "长期有效"


def _describe(filed: Filed) -> str:
    f = filed.filing
    level = AREA_LEVEL_NAMES[filed.to_json()["area_level"]]
    how = "承诺制" if f.promise else f"材料：{f.materials}"
    return (f"备案 {f.filing_id}：{f.filing_type.label}（{filed.to_json()['category_name']}），"
            f"参保人 {f.id_number}，参保地 {f.insured_region}，就医地 {f.care_area}（{level}级），"
            f"{f.start.isoformat()} 至 {_end(filed)}，{how}")


def file_command(
    psn_no: Annotated[str, typer.Option("--psn-no", help="参保人身份证号（人员编号）")],
    filing_type: Annotated[str, typer.Option("--type", help=TYPES_HELP)],
    area: Annotated[str, typer.Option("--area", help="就医地 6 位行政区划代码（省、市或县级）")],
    start: Annotated[str, typer.Option("--start", help="开始日期 YYYY-MM-DD；"
                                       "急诊抢救可补办，最早为就医当天")],
    promise: Annotated[bool, typer.Option("--promise/--no-promise",
                                          help="承诺制（告知承诺，免交材料）；不选时须提交材料")]
    = True,
    materials: Annotated[str, typer.Option("--materials", help="备案材料说明")] = "",
) -> None:
    """办理异地就医备案：写入备案并打印其编号、类型、就医地与有效期。"""
    new = parse_new_filing(filing_type, area, start, promise=promise, materials=materials)
    if isinstance(new, FilingRefused):
        fail(new.message)
    filed = file_offsite(psn_no, new, actor=_actor(), channel="cli")
    if isinstance(filed, FilingRefused):
        fail(filed.message)
    console.print(f"[green]✓[/] 已备案 — {_describe(filed)}", soft_wrap=True)
    console.print(f"写入 {database_location()} 的 offsite_filings", soft_wrap=True)


def revoke_command(
    filing_id: Annotated[str, typer.Argument(help="备案编号（F 开头）")],
) -> None:
    """撤销异地就医备案（自今天起不再有效）。"""
    done = revoke_offsite(filing_id, actor=_actor())
    if isinstance(done, FilingRefused):
        fail(done.message)
    assert done.filing.revoked_on is not None
    console.print(f"[green]✓[/] 已撤销备案 {filing_id}，自 {done.filing.revoked_on.isoformat()} "
                  f"起不再有效 — {_describe(done)}", soft_wrap=True)
    console.print(f"写入 {database_location()} 的 offsite_filings", soft_wrap=True)


def list_command(
    psn_no: Annotated[str, typer.Option("--psn-no", help="参保人身份证号（人员编号）")],
) -> None:
    """列出一名参保人的全部异地就医备案（含已撤销、已到期）。"""
    found = filings_of(psn_no)
    if isinstance(found, FilingRefused):
        fail(found.message)
    if not found:
        console.print(f"参保人 {psn_no} 没有异地就医备案（{database_location()}）。")
        return
    table = Table(title=f"参保人 {psn_no} 的异地就医备案 — {database_location()}")
    table.add_column("备案编号", no_wrap=True, min_width=21)
    for heading in ("类型", "参保地", "就医地", "开始", "结束", "状态", "办理"):
        table.add_column(heading)
    for item in found:
        f, doc = item.filing, item.to_json()
        state = doc["status_name"] + (f"（{f.revoked_on.isoformat()}）" if f.revoked_on else "")
        table.add_row(f.filing_id, f.filing_type.label, f.insured_region, f.care_area,
                      f.start.isoformat(), _end(item), state, f"{item.channel} {item.filed_by}")
    console.print(table)


def add_commands(app: typer.Typer) -> None:
    """Add this part's commands to the `yibao offsite` group."""
    app.command("file")(file_command)
    app.command("revoke")(revoke_command)
    app.command("list")(list_command)
