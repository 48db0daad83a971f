"""Enrollment use cases: import persons and enrollments, employers and institutions.

A file is CSV (header row; UTF-8, or GBK as Excel saves it on a Chinese Windows) or Parquet;
every cell is read as text and validated by `yibao.enroll.rows`. Rows with a problem are refused,
each with its own error; the good rows are written together in one transaction. Importing the
same file again changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Protocol, TypeVar

import polars as pl

from yibao.core.text import decode_text
from yibao.enroll.plan import plan_import
from yibao.enroll.rows import (
    COLUMNS,
    EMPLOYER_COLUMNS,
    INSTITUTION_COLUMNS,
    REQUIRED,
    ImportRow,
    RowError,
    parse_employer_row,
    parse_institution_row,
    parse_row,
)
from yibao.store import Store, default_store
from yibao.store.db import describe
from yibao.store.uow import UnitOfWork

MAX_IMPORT_ROWS: Final = 2_000_000
T = TypeVar("T")


class _Coded(Protocol):
    @property
    def code(self) -> str: ...


C = TypeVar("C", bound=_Coded)


class ImportFileError(ValueError):
    """A file that cannot be imported at all (unreadable, wrong columns, too long); zh-CN."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class Table:
    """The rows of a file as text, and the number the file gives its first data row."""

    rows: list[dict[str, str | None]]
    first_row: int
    columns: tuple[str, ...]
    encoding: str = "UTF-8"


def _csv_frame(path: Path) -> tuple[pl.DataFrame, str]:
    """A CSV file's cells as text, read as UTF-8, else as GBK; and the encoding used."""
    data = path.read_bytes()
    decoded = decode_text(data)
    if decoded is None:
        raise ImportFileError(f"文件 {path} 既不是 UTF-8 也不是 GBK 编码：请在 Excel 中“另存为”"
                              "CSV UTF-8（逗号分隔）格式后重新导入")
    text, encoding = decoded
    source = data if encoding == "UTF-8" else text.encode("utf-8")
    return pl.read_csv(source, infer_schema=False), encoding


def read_table(path: Path) -> Table:
    """Read a CSV or Parquet file with every value as text (never through a float)."""
    encoding = "UTF-8"
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            frame = pl.read_parquet(path)
            frame = frame.with_columns(pl.all().cast(pl.Utf8))
            first = 1
        else:
            frame, encoding = _csv_frame(path)
            first = 2  # line 1 is the header
    except OSError as err:
        raise ImportFileError(f"无法读取文件 {path}：{err.strerror or err}") from None
    except pl.exceptions.PolarsError as err:
        raise ImportFileError(f"无法读取文件 {path}：{err}") from None
    if frame.height > MAX_IMPORT_ROWS:
        raise ImportFileError(f"文件超过 {MAX_IMPORT_ROWS} 行，请拆分后导入")
    columns = tuple(c.strip() for c in frame.columns)
    frame.columns = list(columns)
    return Table(frame.to_dicts(), first, columns, encoding)


def _check_columns(table: Table, allowed: Sequence[str], required: Sequence[str]) -> None:
    unknown = [c for c in table.columns if c not in allowed]
    missing = [c for c in required if c not in table.columns]
    if unknown:
        raise ImportFileError(f"未知的列：{'、'.join(unknown)}（可用：{'、'.join(allowed)}）")
    if missing:
        raise ImportFileError(f"缺少必需的列：{'、'.join(missing)}")


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an enrollment import did, and every refused row."""

    location: str
    rows: int
    persons_added: int
    persons_updated: int
    enrollments_added: int
    transfers: int
    unchanged: int
    errors: tuple[RowError, ...]
    encoding: str = "UTF-8"


def import_enrollments(path: Path, *, store: Store | None = None,
                       on_step: Callable[[str], None] | None = None) -> ImportReport:
    """Import persons with their enrollments; duplicates are refused, never kept."""
    store = store or default_store()
    table = read_table(path)
    _check_columns(table, COLUMNS, REQUIRED)
    parsed = [parse_row(table.first_row + i, raw) for i, raw in enumerate(table.rows)]
    ids = sorted({r.person.id_number for r in parsed if isinstance(r, ImportRow)})
    codes = sorted({r.request.employer_code for r in parsed
                    if isinstance(r, ImportRow) and r.request.employer_code})
    with store.unit_of_work(on_step) as uow:
        history = uow.registry.enrollments_by_ids(ids)
        plan = plan_import(parsed, history, uow.registry.employer_codes(codes))
        added, updated = uow.registry.save_persons(plan.persons)
        uow.step("persons")
        uow.registry.close_transferred(plan.transfers)
        uow.step("transfers")
        uow.registry.add_enrollments(plan.enrollments)
        uow.commit()
    return ImportReport(describe(store.url), len(table.rows), added, updated,
                        len(plan.enrollments), len(plan.transfers), plan.unchanged, plan.errors,
                        table.encoding)


@dataclass(frozen=True, slots=True)
class RegistryReport:
    location: str
    rows: int
    saved: int
    errors: tuple[RowError, ...]
    encoding: str = "UTF-8"


def _import_simple(
    path: Path, store: Store | None, columns: tuple[str, ...], required: tuple[str, ...],
    parse: Callable[[int, dict[str, str | None]], T | RowError],
    save: Callable[[UnitOfWork, list[T]], None],
) -> RegistryReport:
    store = store or default_store()
    table = read_table(path)
    _check_columns(table, columns, required)
    parsed = [parse(table.first_row + i, raw) for i, raw in enumerate(table.rows)]
    good = [p for p in parsed if not isinstance(p, RowError)]
    errors = tuple(p for p in parsed if isinstance(p, RowError))
    with store.unit_of_work() as uow:
        save(uow, good)
        uow.commit()
    return RegistryReport(describe(store.url), len(table.rows), len(good), errors, table.encoding)


def _last_by_code(items: list[C]) -> list[C]:
    """One item per code, the last one in the file winning."""
    return list({item.code: item for item in items}.values())


def import_employers(path: Path, *, store: Store | None = None) -> RegistryReport:
    """Add or update employers (参保单位): columns code, name, region."""
    return _import_simple(
        path, store, EMPLOYER_COLUMNS, EMPLOYER_COLUMNS, parse_employer_row,
        lambda uow, items: uow.registry.save_employers(_last_by_code(items)))


def import_institutions(path: Path, *, store: Store | None = None) -> RegistryReport:
    """Add or update institutions (定点医药机构): columns code, name, level, region (optional)."""
    return _import_simple(
        path, store, INSTITUTION_COLUMNS, INSTITUTION_COLUMNS[:3], parse_institution_row,
        lambda uow, items: uow.registry.save_institutions(_last_by_code(items)))


__all__ = ["ImportFileError", "ImportReport", "RegistryReport", "import_employers",
           "import_enrollments", "import_institutions", "read_table"]
