"""`yibao reverse SETL_ID`: reverse a committed settlement (冲销), once."""

from __future__ import annotations

from typing import Annotated

import typer

from yibao.cli.progress import console
from yibao.core.money import fmt, from_fen
from yibao.services.settle_service import Refused, reverse_settlement
from yibao.settle.jsonio import dumps

SETL_ID_HELP = "结算ID（yibao settle --commit 输出的 setl_id）"


def reverse(setl_id: Annotated[str, typer.Argument(help=SETL_ID_HELP)]) -> None:
    """冲销一笔已提交的结算：记红字冲销分录，恢复年度累计；同一结算只能冲销一次。"""
    outcome = reverse_settlement(setl_id)
    if isinstance(outcome, Refused):
        typer.echo(dumps(outcome.to_json(), indent=None))
        console.print(f"[red]✗ {outcome.message}[/]")
        raise typer.Exit(1)
    typer.echo(dumps({"reversal_id": outcome.reversal_id, "setl_id": outcome.setl_id,
                      "commit_seq": outcome.commit_seq,
                      "returned": fmt(from_fen(outcome.returned_fen)),
                      "ytd_after": outcome.ytd_after.to_json()}, indent=None))
    console.print(f"[green]✓[/] 已冲销结算 {setl_id}（冲销号 {outcome.reversal_id}），"
                  f"退回基金与个人账户 {fmt(from_fen(outcome.returned_fen))} 元，年度累计已恢复")


def register(root: typer.Typer) -> None:
    root.command("reverse")(reverse)
