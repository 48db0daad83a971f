"""The latest year report the console can find: `indicators.json` under `YIBAO_REPORT_DIR`
(default `./report`), written by the year job (`yibao year`); the newest by time wins."""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

ENV_REPORT_DIR: Final = "YIBAO_REPORT_DIR"
SEARCH_DEPTH: Final = 3
FILES_MAX: Final = 200


def report_dir() -> Path:
    return Path(os.environ.get(ENV_REPORT_DIR, "report"))


def latest_report(folder: Path | None = None) -> tuple[Path, dict[str, Any]] | None:
    """The newest readable `indicators.json` at most SEARCH_DEPTH folders down, with exact
    decimals; None when there is none."""
    root = folder or report_dir()
    if not root.is_dir():
        return None
    found: list[Path] = []
    for depth in range(SEARCH_DEPTH + 1):
        found += list(root.glob("/".join(["*"] * depth + ["indicators.json"])))[:FILES_MAX]
    for candidate in sorted(found, key=lambda p: p.stat().st_mtime, reverse=True):
        try:
            return candidate, json.loads(candidate.read_text("utf-8"), parse_float=Decimal)
        except (OSError, ValueError):
            continue
    return None
