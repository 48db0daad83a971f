"""`yibao opsp`: 门诊慢特病认定 — certify, refuse, revoke, list, expiring, and the health
bureau's shared 两病 list (docs/benefits.md, "门诊慢特病认定").

The operator's command line acts for every region; what it writes is logged with
`cli:<login>` as the actor."""

from __future__ import annotations

import getpass
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from yibao.cli.errors import Commands, fail
from yibao.cli.progress import console
from yibao.opsp.rules import NewCertification
from yibao.services.database import database_location
from yibao.services.offsite import beijing_today, parse_day
from yibao.services.opsp import (
    Certified,
    CertRefused,
    certifications_of,
    certify,
    expiring,
    import_health,
    read_health_file,
    refuse,
    revoke,
)

app = typer.Typer(cls=Commands, help="门诊慢特病：认定、撤销、到期提醒、卫健共享两病名单",
                  no_args_is_help=True)

PsnNo = Annotated[str, typer.Option("--psn-no", help="参保人身份证号（人员编号）")]
Disease = Annotated[str, typer.Option("--disease",
                                      help="病种编码（参保地政策 [opsp] 病种目录，如 M03900）")]
Icd10 = Annotated[str, typer.Option("--icd10", help="诊断 ICD-10 编码（如 I10、E11.900）")]
Institution = Annotated[str, typer.Option("--institution", help="认定机构（定点医药机构）编码")]
Doctor = Annotated[str, typer.Option("--doctor", help="认定医师姓名")]
Day = Annotated[str | None, typer.Option("--date",
                                         help="认定生效日期 YYYY-MM-DD，默认今天（北京时间）")]


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


def _new(disease: str, icd10: str, institution: str, doctor: str, day: str | None
         ) -> NewCertification:
    start = beijing_today() if day is None else parse_day(day, "认定生效日期")
    if not isinstance(start, date):
        fail(start.message)
    return NewCertification(disease.strip(), icd10.strip(), institution.strip(),
                            doctor.strip(), start)


def _describe(item: Certified) -> str:
    c = item.cert
    held = (f"{c.valid_from} 至 {c.valid_until}" if c.valid_from is not None
            else f"原因：{c.note}")
    return (f"认定 {c.cert_id}：{c.disease} {item.disease_name}，诊断 {c.icd10}，"
            f"参保人 {c.psn_no}，参保地 {c.insured_region}，{c.institution} {c.doctor}，{held}")


def _wrote() -> None:
    console.print(f"写入 {database_location()} 的 opsp_certifications", soft_wrap=True)


@app.command("certify")
def certify_command(psn_no: PsnNo, disease: Disease, icd10: Icd10, institution: Institution,
                    doctor: Doctor, day: Day = None) -> None:
    """认定门诊慢特病：写入认定并打印其编号与有效期。"""
    done = certify(psn_no.strip(), _new(disease, icd10, institution, doctor, day),
                   actor=_actor())
    if isinstance(done, CertRefused):
        fail(done.message)
    console.print(f"[green]✓[/] 已认定 — {_describe(done)}", soft_wrap=True)
    _wrote()


@app.command("refuse")
def refuse_command(psn_no: PsnNo, disease: Disease, icd10: Icd10, institution: Institution,
                   doctor: Doctor,
                   reason: Annotated[str, typer.Option("--reason", help="未通过认定的原因")],
                   day: Annotated[str | None, typer.Option("--date", help="申请日期 YYYY-MM-DD，"
                                                           "默认今天")] = None) -> None:
    """记录未通过的认定申请（写明原因）。"""
    done = refuse(psn_no.strip(), _new(disease, icd10, institution, doctor, day), reason,
                  actor=_actor())
    if isinstance(done, CertRefused):
        fail(done.message)
    console.print(f"[green]✓[/] 已记录未通过的认定申请 — {_describe(done)}", soft_wrap=True)
    _wrote()


@app.command("revoke")
def revoke_command(cert_id: Annotated[str, typer.Argument(help="认定编号（C 开头）")]) -> None:
    """撤销门诊慢特病认定（自今天起不再有效）。"""
    done = revoke(cert_id.strip(), actor=_actor())
    if isinstance(done, CertRefused):
        fail(done.message)
    console.print(f"[green]✓[/] 已撤销认定 {cert_id}，自 {done.cert.revoked_on} 起不再有效 — "
                  f"{_describe(done)}", soft_wrap=True)
    _wrote()


def _table(title: str, items: list[Certified], *, person: bool) -> Table:
    table = Table(title=title)
    table.add_column("认定编号", no_wrap=True, min_width=21)
    if person:
        table.add_column("参保人", no_wrap=True)
    for heading in ("病种", "诊断", "有效期", "状态"):
        table.add_column(heading)
    for item in items:
        c = item.cert
        state = item.to_json()["state_name"] + (f"（{c.revoked_on}）" if c.revoked_on else "")
        held = f"{c.valid_from} 至 {c.valid_until}" if c.valid_from is not None else "—"
        cells = [c.cert_id, *([c.psn_no] if person else []),
                 f"{c.disease} {item.disease_name}", c.icd10, held, state]
        table.add_row(*cells)
    return table


@app.command("list")
def list_command(psn_no: PsnNo) -> None:
    """列出一名参保人的全部门诊慢特病认定（含未通过、已撤销、已到期）。"""
    found = certifications_of(psn_no.strip())
    if isinstance(found, CertRefused):
        fail(found.message)
    if not found:
        console.print(f"参保人 {psn_no} 没有门诊慢特病认定（{database_location()}）。")
        return
    console.print(_table(f"参保人 {psn_no} 的门诊慢特病认定 — {database_location()}", found,
                         person=False))


@app.command("expiring")
def expiring_command(days: Annotated[int, typer.Option("--days", help="今后多少天内到期")] = 30
                     ) -> None:
    """列出今后 N 天内到期的有效认定（提醒复审）。"""
    found = expiring(days)
    if isinstance(found, CertRefused):
        fail(found.message)
    if not found:
        console.print(f"今后 {days} 天内没有到期的门诊慢特病认定（{database_location()}）。")
        return
    console.print(_table(f"今后 {days} 天内到期的门诊慢特病认定 — {database_location()}",
                         found, person=True))


@app.command("import-health")
def import_health_command(
    path: Annotated[Path, typer.Argument(help="卫健部门共享的两病确诊名单 CSV："
                                         "id_number,disease,icd10,diagnosed_on,institution")],
) -> None:
    """按卫健部门共享的两病确诊名单直接认定（自确诊日期起），逐行报告未认定的原因。"""
    rows = read_health_file(path)
    if isinstance(rows, CertRefused):
        fail(rows.message)
    report = import_health(rows, actor=_actor())
    for item in report.certified:
        console.print(f"[green]✓[/] {_describe(item)}", soft_wrap=True)
    for line, psn_no, refused in report.refused:
        console.print(f"[yellow]未认定[/] 第 {line} 行 {psn_no}：{refused.reason} — "
                      f"{refused.message}", soft_wrap=True)
    console.print(f"共 {len(rows)} 行：认定 {len(report.certified)} 人次，"
                  f"未认定 {len(report.refused)} 行", soft_wrap=True)
    _wrote()


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="opsp")
