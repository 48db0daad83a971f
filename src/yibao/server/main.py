"""The entry point uvicorn imports (`yibao.server.main:app_factory`, a factory): the application on
the store named by `YIBAO_DATABASE_URL`, with JSON logs."""

from __future__ import annotations

import os

from fastapi import FastAPI

from yibao.server.app import create_app
from yibao.server.logs import configure

ENV_LOG_LEVEL = "YIBAO_LOG_LEVEL"


def app_factory() -> FastAPI:
    configure(os.environ.get(ENV_LOG_LEVEL, "info"))
    return create_app()
