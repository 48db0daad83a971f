"""`yibao settle`: settle one request (stdout JSON) or a batch file (JSON Lines or Parquet)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from yibao.services import calculate
from yibao.settle.jsonio import dumps, loads
from yibao.settle.request import RequestError

INPUT_HELP = "结算请求 JSON 文件，- 表示标准输入"
POLICY_HELP = "使用该政策文件结算（替代请求中的 policy）"
CATALOG_HELP = "医保目录（CSV/Parquet），按 hilist_code 补全费用明细"


def _fail(error: RequestError) -> None:
    typer.echo(dumps(error.to_json(), indent=None))
    raise typer.Exit(2)


def _read(path: str) -> Any:
    text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    try:
        return loads(text)
    except ValueError as err:
        raise RequestError("", f"不是有效的 JSON：{err}") from None


def _completer(catalog: Path | None) -> calculate.Completer | None:
    if catalog is None:
        return None
    from yibao.services.catalog import fee_completer

    return fee_completer(catalog)


def settle_command(
    input: Annotated[str | None, typer.Option("--input", "-i", help=INPUT_HELP)] = None,
    policy_file: Annotated[Path | None, typer.Option("--policy-file", help=POLICY_HELP)] = None,
    catalog: Annotated[Path | None, typer.Option("--catalog", help=CATALOG_HELP)] = None,
    batch: Annotated[Path | None, typer.Option("--batch", help="批量请求（JSON Lines 或 Parquet 目录）")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="批量结果输出文件")] = None,
) -> None:
    """按 SETTLEMENT.md 结算：基本医保 → 大病保险 → 医疗救助 → 个人账户，逐笔说明。"""
    if batch is not None:
        _batch(batch, out, policy_file, catalog)
        return
    if input is None:
        raise typer.BadParameter("需要 --input FILE（或 --batch IN --out OUT）")
    try:
        result = calculate.settle_document(
            _read(input), policy_file=policy_file, complete=_completer(catalog))
    except RequestError as error:
        _fail(error)
        return
    typer.echo(dumps(result))


def _batch(batch: Path, out: Path | None, policy_file: Path | None, catalog: Path | None) -> None:
    if out is None:
        raise typer.BadParameter("批量结算需要 --out OUT")
    from yibao.cli.progress import console
    from yibao.services import batch_settle

    try:
        summary = batch_settle.settle_file(
            batch, out, policy_file=policy_file, complete=_completer(catalog))
    except RequestError as error:
        _fail(error)
        return
    console.print(summary.describe())


def register(app: typer.Typer) -> None:
    app.command("settle")(settle_command)
