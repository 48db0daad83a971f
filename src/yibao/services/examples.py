"""The example settlement requests shipped with yibao, settled for `yibao demo`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

from yibao.services.calculate import settle_document
from yibao.settle.jsonio import loads

EXAMPLES_DIR: Final = Path(__file__).resolve().parent.parent / "examples"


@dataclass(frozen=True, slots=True)
class Example:
    name: str
    title: str
    path: Path
    request: dict[str, object]
    result: dict[str, object]


def settle_examples() -> tuple[Example, ...]:
    """Every shipped example request with its settlement, in file-name order."""
    examples = []
    for path in sorted(EXAMPLES_DIR.glob("*.json")):
        request = loads(path.read_text(encoding="utf-8"))
        result = settle_document(request)
        examples.append(Example(path.stem, str(request.get("title", path.stem)), path,
                                request, result))
    return tuple(examples)
