"""`yibao serve`: run the HTTP application (national interface and bureau API) under uvicorn."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from yibao.cli.progress import console
from yibao.services import database

#: A worker imports the whole application before it answers; on a busy machine that takes
#: longer than uvicorn's default five seconds, after which the supervisor would kill it.
WORKER_START_S = 60


def serve(host: Annotated[str, typer.Option(help="监听地址")] = "127.0.0.1",
          port: Annotated[int, typer.Option(help="监听端口", min=1, max=65535)] = 8000,
          workers: Annotated[int, typer.Option(help="工作进程数", min=1, max=64)] = 1,
          log_level: Annotated[str, typer.Option(help="日志级别")] = "info") -> None:
    """启动服务：先把数据库升级到最新结构，再启动国家接口与医保局 API（JSON 行日志）。"""
    import uvicorn

    from yibao.server.logs import configure

    report = database.upgrade_database()
    console.print(f"[green]✓[/] 数据库 {report.location}：版本 {report.after}")
    os.environ["YIBAO_LOG_LEVEL"] = log_level
    uvicorn.run("yibao.server.main:app_factory", factory=True, host=host, port=port,
                workers=workers, log_config=configure(log_level), access_log=False,
                proxy_headers=False, server_header=False,
                timeout_worker_healthcheck=WORKER_START_S)


def register(root: typer.Typer) -> None:
    root.command("serve")(serve)
