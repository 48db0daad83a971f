"""Excel (`.xlsx`) exports of the console's lists: the same columns as the page (zh-CN
headers), money written as exact decimals with two places, written with XlsxWriter in constant
memory to a temporary file that is sent and then removed. An export larger than
`EXPORT_ROWS_MAX` rows is refused before any work, with a page asking for narrower filters."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import quote

import xlsxwriter
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from yibao.core.xlsx import write_sheet
from yibao.services.browse import EXPORT_ROWS_MAX
from yibao.web.columns import Column, Row

XLSX: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True, slots=True)
class Sheet:
    title: str
    columns: Sequence[Column]
    rows: Iterable[Row]


def too_large(total: int) -> str | None:
    """The refusal of an export of `total` rows, or None when it may go ahead."""
    if total <= EXPORT_ROWS_MAX:
        return None
    return (f"共 {total:,} 行，超过单次导出上限 {EXPORT_ROWS_MAX:,} 行："
            "请加筛选条件（如险种、人员类别、参保状态，结算可按年度、医疗类别、机构）缩小范围后再导出。")


def _write(book: Any, sheet: Sheet) -> None:
    write_sheet(book, sheet.title, [c.header for c in sheet.columns],
                [c.kind for c in sheet.columns],
                ([c.value(row) for c in sheet.columns] for row in sheet.rows), EXPORT_ROWS_MAX)


def xlsx_response(filename: str, sheets: Sequence[Sheet]) -> FileResponse:
    """Write the sheets to a temporary workbook and answer with it (removed once sent)."""
    handle, name = tempfile.mkstemp(suffix=".xlsx", prefix="yibao-export-")
    os.close(handle)
    try:
        book = xlsxwriter.Workbook(name, {"constant_memory": True})
        for sheet in sheets:
            _write(book, sheet)
        book.close()
    except BaseException:
        os.unlink(name)
        raise
    disposition = f"attachment; filename=\"export.xlsx\"; filename*=UTF-8''{quote(filename)}"
    return FileResponse(name, media_type=XLSX, headers={"Content-Disposition": disposition},
                        background=BackgroundTask(os.unlink, name))
