"""Excel (`.xlsx`) sheets: a bold frozen header row of zh-CN column names, then the rows, money
written as exact decimals with two places (`#,##0.00`), counts as whole numbers, text as text.
The one writer of the console's exports (`yibao.web.export`) and the command line's lists."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Final, Literal

import xlsxwriter

Kind = Literal["text", "money", "count", "decimal"]
WIDTH_MAX: Final = 40
FORMATS: Final = {"money": "#,##0.00", "decimal": "0.0000", "count": "#,##0"}


def cell_value(kind: Kind, value: Any) -> str | Decimal | int:
    """What a cell holds: "" for None, a Decimal for money and decimals, an int for counts."""
    if value is None:
        return ""
    if kind in ("money", "decimal"):
        return Decimal(str(value))
    if kind == "count":
        return int(value)
    return str(value)


def write_sheet(book: Any, title: str, headers: Sequence[str], kinds: Sequence[Kind],
                rows: Iterable[Sequence[Any]], limit: int | None = None) -> None:
    """One worksheet of `book` (an open `xlsxwriter.Workbook`): at most `limit` rows."""
    page = book.add_worksheet(title[:31])
    bold = book.add_format({"bold": True, "bg_color": "#F2F2F2"})
    formats = {kind: book.add_format({"num_format": code}) for kind, code in FORMATS.items()}
    for i, header in enumerate(headers):
        page.write_string(0, i, header, bold)
        page.set_column(i, i, min(WIDTH_MAX, 4 + 2 * len(header)))
    page.freeze_panes(1, 0)
    for r, row in enumerate(rows, start=1):
        if limit is not None and r > limit:
            break
        for i, (kind, raw) in enumerate(zip(kinds, row, strict=True)):
            value = cell_value(kind, raw)
            if isinstance(value, str):
                page.write_string(r, i, value)
            else:
                page.write_number(r, i, value, formats[kind])


@dataclass(frozen=True, slots=True)
class SheetData:
    title: str
    headers: Sequence[str]
    kinds: Sequence[Kind]
    rows: Iterable[Sequence[Any]]


def write_workbook(path: Path, sheets: Sequence[SheetData]) -> None:
    """Write the sheets to a workbook at `path` (constant memory)."""
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    try:
        for sheet in sheets:
            write_sheet(book, sheet.title, sheet.headers, sheet.kinds, sheet.rows)
    finally:
        book.close()
