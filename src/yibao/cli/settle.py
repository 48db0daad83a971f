"""`yibao settle`: settle one request (stdout JSON) or a batch file (JSON Lines or Parquet)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from yibao.services import calculate
from yibao.settle.jsonio import dumps, loads
from yibao.settle.request import RequestError

INPUT_HELP = "结算请求 JSON 文件，- 表示标准输入"
POLICY_HELP = "使用该政策文件结算（替代请求中的 policy）"
BATCH_HELP = "批量请求文件（JSON Lines，每行一个请求）"
CATALOG_HELP = "医保目录（CSV/Parquet），按 hilist_code 补全费用明细"
COMMIT_HELP = "按数据库中的参保、累计与账户结算并提交（同一就诊重发返回原结果，不重复记账）"


def _fail(error: RequestError) -> None:
    typer.echo(dumps(error.to_json(), indent=None))
    raise typer.Exit(2)


def _read(path: str) -> Any:
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as err:
        raise RequestError("", f"无法读取请求文件 {path}：{err.strerror}") from None
    try:
        return loads(text)
    except ValueError as err:
        raise RequestError("", f"不是有效的 JSON：{err}") from None


def _completer(catalog: Path | None) -> calculate.Completer | None:
    if catalog is None:
        return None
    from yibao.catalog.load import CatalogError
    from yibao.services.catalog import fee_completer

    try:
        return fee_completer(catalog)
    except CatalogError as err:
        _fail(RequestError("--catalog", err.message))
    except OSError as err:
        _fail(RequestError("--catalog", f"无法读取目录文件 {catalog}：{err.strerror}"))
    return None


def settle_command(
    input: Annotated[str | None, typer.Option("--input", "-i", help=INPUT_HELP)] = None,
    policy_file: Annotated[Path | None, typer.Option("--policy-file", help=POLICY_HELP)] = None,
    catalog: Annotated[Path | None, typer.Option("--catalog", help=CATALOG_HELP)] = None,
    batch: Annotated[Path | None, typer.Option("--batch", help=BATCH_HELP)] = None,
    out: Annotated[Path | None, typer.Option("--out", help="批量结果输出文件")] = None,
    commit: Annotated[bool, typer.Option("--commit", help=COMMIT_HELP)] = False,
) -> None:
    """按 docs/settlement.md 结算：基本医保 → 大病保险 → 医疗救助 → 个人账户，逐笔说明。"""
    if batch is not None:
        _batch(batch, out, policy_file, catalog)
        return
    if input is None:
        raise typer.BadParameter("需要 --input FILE（或 --batch IN --out OUT）")
    if commit:
        _commit(input)
        return
    try:
        result = calculate.settle_document(
            _read(input), policy_file=policy_file, complete=_completer(catalog))
    except RequestError as error:
        _fail(error)
        return
    typer.echo(dumps(result))


def _commit(path: str) -> None:
    from yibao.services import settle_service

    commit_document(path, settle_service.settle_committed)


def commit_document(path: str, run: Callable[[Any], Any]) -> Any:
    """Read the request document at `path` (- for stdin), settle it with `run` (a stateful
    service: `settle_committed`, `claim_manual`) and print the outcome as JSON; exit 2 on bad
    input, 1 on another refusal. The outcome (a `Settled`)."""
    from yibao.services import settle_service

    try:
        doc = _read(path)
    except RequestError as error:
        _fail(error)
        return None
    outcome = run(doc)
    typer.echo(dumps(outcome.to_json()))
    if isinstance(outcome, settle_service.Refused):
        raise typer.Exit(2 if outcome.reason == "invalid_request" else 1)
    return outcome


def _batch(batch: Path, out: Path | None, policy_file: Path | None, catalog: Path | None) -> None:
    if out is None:
        raise typer.BadParameter("批量结算需要 --out OUT")
    from rich.progress import Progress

    from yibao.cli.progress import console
    from yibao.services import batch_settle

    try:
        with Progress(console=console, transient=True) as progress:
            summary = batch_settle.settle_file(
                batch, out, policy_file=policy_file, complete=_completer(catalog),
                progress=progress)
    except RequestError as error:
        _fail(error)
        return
    console.print(summary.describe())


def register(app: typer.Typer) -> None:
    app.command("settle")(settle_command)
