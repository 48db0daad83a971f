"""`yibao account`: 职工医保个人账户家庭共济 — bind a member to an employee's personal account,
end a binding, list a person's bindings (docs/benefits.md).

The operator's command line acts for every region (no user scope); what it writes is logged
with `cli:<login>` as the actor."""

from __future__ import annotations

import getpass
from typing import Annotated

import typer

from yibao.cli.errors import Commands, fail
from yibao.cli.progress import console
from yibao.services.database import database_location
from yibao.services.family import Bound, FamilyRefused, bind, bindings_of, unbind

app = typer.Typer(cls=Commands, help="职工医保个人账户家庭共济：绑定、解除、查询",
                  no_args_is_help=True)
HOLDER = typer.Option("--holder", help="账户持有人身份证号（职工医保参保人）")
MEMBER = typer.Option("--member", help="共济人员身份证号（配偶、父母或子女）")


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


def _describe(item: Bound) -> str:
    b = item.binding
    until = "至今有效" if b.end is None else f"至 {b.end.isoformat()} 解除"
    return (f"账户持有人 {b.holder}（参保地 {item.region}）↔ 共济人员 {b.member}，"
            f"关系 {b.relation.label}，自 {b.start.isoformat()} 起，{until}")


@app.command("bind")
def bind_command(
    holder: Annotated[str, HOLDER],
    member: Annotated[str, MEMBER],
    relation: Annotated[str, typer.Option("--relation", help="关系：spouse 配偶、parent 父母、"
                                          "child 子女（也可写中文）")],
) -> None:
    """绑定家庭共济：共济人员的医疗费用可由账户持有人的个人账户支付。"""
    done = bind(holder.strip(), member.strip(), relation, actor=_actor())
    if isinstance(done, FamilyRefused):
        fail(done.message)
    console.print(f"[green]✓[/] 已绑定 — {_describe(done)}", soft_wrap=True)
    console.print(f"写入 {database_location()} 的 family_bindings", soft_wrap=True)


@app.command("unbind")
def unbind_command(holder: Annotated[str, HOLDER], member: Annotated[str, MEMBER]) -> None:
    """解除家庭共济绑定（自今天起不再有效）。"""
    done = unbind(holder.strip(), member.strip(), actor=_actor())
    if isinstance(done, FamilyRefused):
        fail(done.message)
    console.print(f"[green]✓[/] 已解除 — {_describe(done)}", soft_wrap=True)
    console.print(f"写入 {database_location()} 的 family_bindings", soft_wrap=True)


@app.command("list")
def list_command(
    psn_no: Annotated[str, typer.Option("--psn-no", help="参保人身份证号（人员编号）")],
) -> None:
    """列出一名参保人作为账户持有人或共济人员的全部绑定（含已解除）。"""
    found = bindings_of(psn_no.strip())
    if isinstance(found, FamilyRefused):
        fail(found.message)
    if not found:
        console.print(f"参保人 {psn_no} 没有家庭共济绑定（{database_location()}）。")
        return
    console.print(f"参保人 {psn_no} 的家庭共济绑定（{len(found)} 条）— {database_location()}",
                  soft_wrap=True)
    for item in found:
        b = item.binding
        who = f"办理 {b.bound_by}" + (f"，解除 {b.unbound_by}" if b.unbound_by else "")
        console.print(f"· {_describe(item)}（{who}）", soft_wrap=True)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="account")
