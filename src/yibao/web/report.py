"""The latest year report the console can find for a viewer: `indicators.json` under
`YIBAO_REPORT_DIR` (default `./report`), written by the year job (`yibao year`), whose
`region` lies in the viewer's scope; the newest by time wins (for the dashboard of a wider
scope, the newest of each region: `reports_in_scope`). A report that names no region
(written before the year job recorded it) is shown to no one: run the year job again."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

ENV_REPORT_DIR: Final = "YIBAO_REPORT_DIR"
SEARCH_DEPTH: Final = 3
FILES_MAX: Final = 200


def report_dir() -> Path:
    return Path(os.environ.get(ENV_REPORT_DIR, "report"))


def _reports(root: Path, sees: Callable[[str], bool] | None, name: str = "indicators.json"
             ) -> Iterator[tuple[Path, dict[str, Any]]]:
    """The readable `name` files (the year report's `indicators.json`, or the
    `projection.json` of `yibao fund project --report`) at most SEARCH_DEPTH folders down,
    newest first, with exact decimals, whose region `sees` accepts (any when `sees` is None)."""
    if not root.is_dir():
        return
    found: list[Path] = []
    for depth in range(SEARCH_DEPTH + 1):
        found += list(root.glob("/".join(["*"] * depth + [name])))[:FILES_MAX]
    for candidate in sorted(found, key=lambda p: p.stat().st_mtime, reverse=True):
        try:
            doc = json.loads(candidate.read_text("utf-8"), parse_float=Decimal)
        except (OSError, ValueError):
            continue
        if sees is None or (isinstance(doc.get("region"), str) and sees(doc["region"])):
            yield candidate, doc


def latest_report(folder: Path | None = None, sees: Callable[[str], bool] | None = None,
                  name: str = "indicators.json") -> tuple[Path, dict[str, Any]] | None:
    """The newest report (`name`) whose region `sees` accepts; None when there is none."""
    return next(_reports(folder or report_dir(), sees, name), None)


def reports_in_scope(folder: Path | None = None, sees: Callable[[str], bool] | None = None
                     ) -> list[dict[str, Any]]:
    """The newest report of each region and year that `sees` accepts (a city's counties)."""
    newest: dict[tuple[str, object], dict[str, Any]] = {}
    for _path, doc in _reports(folder or report_dir(), sees):
        newest.setdefault((str(doc.get("region")), doc.get("year")), doc)
    return list(newest.values())
