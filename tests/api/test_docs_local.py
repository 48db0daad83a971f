"""The Swagger page of the API works on a bureau network with no way out: the page at
`/api/v1/docs` references no external host, and every script, style and icon it names is served
by the application itself (ReDoc is not served)."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from yibao.server.app import create_app
from yibao.store import Store

REFERENCE = re.compile(r"""(?:src|href|url)\s*[=:]\s*['"]([^'"]+)['"]""")


def test_docs_page_loads_its_assets_locally(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'docs.db'}")
    with TestClient(create_app(store)) as client:
        page = client.get("/api/v1/docs")
        assert page.status_code == 200
        urls = REFERENCE.findall(page.text)
        assert any(u.endswith("swagger-ui-bundle.js") for u in urls), urls
        assert any(u.endswith("swagger-ui.css") for u in urls), urls
        for url in urls:
            assert "://" not in url and not url.startswith("//"), f"external reference {url}"
            assert client.get(url).status_code == 200, url
        assert "cdn" not in page.text.lower()
        assert client.get("/api/v1/openapi.json").status_code == 200
        assert client.get("/redoc").status_code == 404
    store.dispose()
