"""Browsing and exporting the bureau's lists (经办查询与导出): persons found by name or ID-number
prefix and filtered by 险种, 人员类别, 参保状态 and 救助类别, page by page with the total; every
list a face shows read in full for an export (in chunks, at most EXPORT_ROWS_MAX rows); and
institutions' names for their codes. Each read is limited to the reader's scope and role, as
in `yibao.services.bureau`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from itertools import islice
from typing import Any, Final

from yibao.services.accounts import Principal, scope_prefix
from yibao.services.bureau import (
    PAGE_SIZE_MAX,
    Page,
    Query,
    Refused,
    _allowed,
    _person,
    _settlement,
)
from yibao.store import Store, default_store

#: An export larger than this is refused with a message asking for narrower filters.
EXPORT_ROWS_MAX: Final = 200_000
CHUNK_ROWS: Final = 5_000


@dataclass(frozen=True, slots=True)
class PersonFilter:
    """Person search: `q` is a name part, or an ID-number prefix when it is digits (and X);
    the others match an enrollment in scope (险种, 人员类别, 参保状态, 年度) or the person's
    救助类别 (`group`)."""

    q: str = ""
    insutype: str | None = None
    psn_type: str | None = None
    status: str | None = None
    group: str | None = None
    year: int | None = None


def _with_enrollments(reads: Any, prefix: str, rows: Sequence[Any]) -> list[dict[str, Any]]:
    """Each person with their newest enrollment in scope (险种, 人员类别, 参保状态, 年度)."""
    latest = {r.id_number: {"insutype": r.scheme, "psn_type": r.psn_type, "status": r.status,
                            "year": r.year}
              for r in reads.latest_enrollments(prefix, [r.id_number for r in rows])}
    empty = {"insutype": None, "psn_type": None, "status": None, "year": None}
    return [{**_person(r), **latest.get(r.id_number, empty)} for r in rows]


def find_persons(who: Principal, wanted: PersonFilter, query: Query, *,
                 store: Store | None = None) -> Page | Refused:
    """One page of the persons in scope that match, with the total and each person's newest
    enrollment in scope."""
    refused = _allowed(who, "persons", None)
    if refused is not None:
        return refused
    prefix, limit = scope_prefix(who.region), max(1, min(query.limit, PAGE_SIZE_MAX))
    with (store or default_store()).unit_of_work(read_only=True) as work:
        total, rows = work.reads.person_search(prefix, asdict(wanted), limit, query.offset)
        found = _with_enrollments(work.reads, prefix, rows)
    return Page(total, limit, query.offset, found)


@dataclass(frozen=True, slots=True)
class Export:
    """All rows of a list for an export: `total` first (to refuse a too-large one before any
    work), then the rows, read lazily in chunks."""

    total: int
    rows: Iterator[dict[str, Any]]


def export_persons(who: Principal, wanted: PersonFilter, *, store: Store | None = None
                   ) -> Export | Refused:
    first = find_persons(who, wanted, Query(1, 0), store=store)
    if isinstance(first, Refused):
        return first
    return Export(first.total, _persons_in_chunks(who, wanted, store or default_store()))


def _persons_in_chunks(who: Principal, wanted: PersonFilter, store: Store
                       ) -> Iterator[dict[str, Any]]:
    prefix, search, after = scope_prefix(who.region), asdict(wanted), ""
    for _ in range(EXPORT_ROWS_MAX // CHUNK_ROWS + 1):
        with store.unit_of_work(read_only=True) as work:
            rows = work.reads.persons_after(prefix, search, after, CHUNK_ROWS)
            found = _with_enrollments(work.reads, prefix, rows)
        yield from found
        if len(rows) < CHUNK_ROWS:
            return
        after = rows[-1].id_number


def export_settlements(who: Principal, filters: Mapping[str, Any], *,
                       store: Store | None = None) -> Export | Refused:
    """The settlements in scope that match `filters` (year, institution, person, 医疗类别),
    in commit order, read by key in chunks (an offset would re-read every earlier row)."""
    refused = _allowed(who, "settlements", None)
    if refused is not None:
        return refused
    prefix = scope_prefix(who.region)
    source = store or default_store()
    with source.unit_of_work(read_only=True) as work:
        total = work.reads.settlement_count(prefix, filters)
    return Export(total, _settlements_in_chunks(prefix, filters, source))


def _settlements_in_chunks(prefix: str, filters: Mapping[str, Any], store: Store
                           ) -> Iterator[dict[str, Any]]:
    after = 0
    for _ in range(EXPORT_ROWS_MAX // CHUNK_ROWS + 1):
        with store.unit_of_work(read_only=True) as work:
            rows = work.reads.settlements_after(prefix, filters, after, CHUNK_ROWS)
        yield from (_settlement(r) for r in rows)
        if len(rows) < CHUNK_ROWS:
            return
        after = rows[-1].commit_seq


Lister = Callable[[Principal, Query], "Page | Refused"]


def export_pages(who: Principal, lister: Lister, filters: Mapping[str, Any]
                 ) -> Export | Refused:
    """Every row of a paginated list service (`bureau.list_settlements`, `cases.list_cases`,
    …) called as `lister(who, query)`, page by page."""
    first = lister(who, Query(PAGE_SIZE_MAX, 0, filters))
    if isinstance(first, Refused):
        return first

    def rows() -> Iterator[dict[str, Any]]:
        page: Page | Refused = first
        for offset in range(0, EXPORT_ROWS_MAX, PAGE_SIZE_MAX):
            if offset:
                page = lister(who, Query(PAGE_SIZE_MAX, offset, filters))
            if isinstance(page, Refused) or not page.items:
                return
            yield from page.items

    return Export(first.total, rows())


def institution_names(codes: Sequence[str], *, store: Store | None = None) -> dict[str, str]:
    """The registered names of these institution codes (those not registered are left out)."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    found: dict[str, str] = {}
    with (store or default_store()).unit_of_work(read_only=True) as work:
        for start in range(0, len(wanted), CHUNK_ROWS):
            found.update((r.code, r.name)
                         for r in work.reads.institution_names(wanted[start:start + CHUNK_ROWS]))
    return found


def with_institution_names(rows: Iterable[dict[str, Any]], *, store: Store | None = None
                           ) -> Iterator[dict[str, Any]]:
    """The rows, each with `fixmedins_name` beside its `fixmedins_code` (None when the code is
    not registered), looked up a chunk of rows at a time."""
    source = iter(rows)
    while chunk := list(islice(source, CHUNK_ROWS)):
        found = institution_names([r["fixmedins_code"] for r in chunk], store=store)
        yield from ({**r, "fixmedins_name": found.get(r["fixmedins_code"])} for r in chunk)
