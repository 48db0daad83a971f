"""The Swagger UI page of the API (`/api/v1/docs`), with its script, style and icon served by
the application itself from the `fastapi-offline` package (Swagger UI 5, which reads OpenAPI
3.1): nothing is fetched from a public CDN, so the page works on a bureau network with no way
out. ReDoc is not served."""

from __future__ import annotations

from pathlib import Path
from typing import Final

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

DOCS_PATH: Final = "/api/v1/docs"
ASSETS_PATH: Final = "/api/v1/docs-assets"
ASSETS_DIR: Final = Path(fastapi_offline.__file__).parent / "static"


def mount_docs(app: FastAPI) -> None:
    """Serve the Swagger UI page at DOCS_PATH and its assets under ASSETS_PATH."""
    assert app.openapi_url, "the docs page needs the OpenAPI document"
    app.mount(ASSETS_PATH, StaticFiles(directory=ASSETS_DIR), name="docs-assets")
    title, openapi_url = f"{app.title} · 接口文档", app.openapi_url

    @app.get(DOCS_PATH, include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url, title=title,
            swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_PATH}/favicon.png")
