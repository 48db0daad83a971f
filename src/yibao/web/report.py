"""The latest year report the console can find for a viewer: `indicators.json` under
`YIBAO_REPORT_DIR` (default `./report`), written by the year job (`yibao year`), whose
`region` lies in the viewer's scope; the newest by time wins. A report that names no region
(written before the year job recorded it) is shown to no one: run the year job again."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

ENV_REPORT_DIR: Final = "YIBAO_REPORT_DIR"
SEARCH_DEPTH: Final = 3
FILES_MAX: Final = 200


def report_dir() -> Path:
    return Path(os.environ.get(ENV_REPORT_DIR, "report"))


def latest_report(folder: Path | None = None, sees: Callable[[str], bool] | None = None,
                  name: str = "indicators.json") -> tuple[Path, dict[str, Any]] | None:
    """The newest readable `name` (the year report's `indicators.json`, or the `projection.json`
    of `yibao fund project --report`) at most SEARCH_DEPTH folders down, with exact decimals,
    whose region `sees` accepts (any report when `sees` is None); None when there is none."""
    root = folder or report_dir()
    if not root.is_dir():
        return None
    found: list[Path] = []
    for depth in range(SEARCH_DEPTH + 1):
        found += list(root.glob("/".join(["*"] * depth + [name])))[:FILES_MAX]
    for candidate in sorted(found, key=lambda p: p.stat().st_mtime, reverse=True):
        try:
            doc = json.loads(candidate.read_text("utf-8"), parse_float=Decimal)
        except (OSError, ValueError):
            continue
        if sees is None or (isinstance(doc.get("region"), str) and sees(doc["region"])):
            return candidate, doc
    return None
