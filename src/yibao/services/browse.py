"""Browsing and exporting the bureau's lists (经办查询与导出): persons found by name or ID-number
prefix and filtered by 险种, 人员类别, 参保状态 and 救助类别, page by page with the total; every
list a face shows read in full for an export (in chunks, at most EXPORT_ROWS_MAX rows); and
institutions' names for their codes. Each read is limited to the reader's scope and role, as
in `yibao.services.bureau`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any, Final

from sqlalchemy import and_, exists, func, literal, select

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
from yibao.store.schema import enrollments, institutions, persons, reversals, settlements

#: An export larger than this is refused with a message asking for narrower filters.
EXPORT_ROWS_MAX: Final = 200_000
CHUNK_ROWS: Final = 5_000
ID_PREFIX_CHARS: Final = frozenset("0123456789Xx")


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


def _person_query(prefix: str, wanted: PersonFilter) -> Any:
    p, e = persons.c, enrollments.c
    query = select(persons).where(p.region.like(f"{prefix}%"))
    q = wanted.q.strip()
    if q and set(q) <= ID_PREFIX_CHARS:
        query = query.where(p.id_number.like(f"{q.upper()}%"))
    elif q:
        query = query.where(p.name.contains(q, autoescape=True))
    if wanted.group:
        query = query.where((literal(",") + p.groups + literal(",")).contains(
            f",{wanted.group},", autoescape=True))
    terms = [e[key] == value for key, value in (
        ("scheme", wanted.insutype), ("psn_type", wanted.psn_type),
        ("status", wanted.status), ("year", wanted.year)) if value is not None]
    if terms:
        query = query.where(exists().where(and_(
            e.id_number == p.id_number, e.region.like(f"{prefix}%"), *terms)))
    return query


def _latest_enrollments(connection: Any, prefix: str, ids: Sequence[str]
                        ) -> dict[str, dict[str, Any]]:
    """Each person's newest enrollment in scope (by year): 险种, 人员类别, 参保状态, 年度."""
    e = enrollments.c
    rows = connection.execute(
        select(e.id_number, e.scheme, e.psn_type, e.status, e.year)
        .where(e.id_number.in_(ids), e.region.like(f"{prefix}%")).order_by(e.year, e.id))
    return {r.id_number: {"insutype": r.scheme, "psn_type": r.psn_type, "status": r.status,
                          "year": r.year} for r in rows}


def _with_enrollment(row: Any, latest: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    empty = {"insutype": None, "psn_type": None, "status": None, "year": None}
    return {**_person(row), **latest.get(row.id_number, empty)}


def find_persons(who: Principal, wanted: PersonFilter, query: Query, *,
                 store: Store | None = None) -> Page | Refused:
    """One page of the persons in scope that match, with the total and each person's newest
    enrollment in scope."""
    refused = _allowed(who, "persons", None)
    if refused is not None:
        return refused
    prefix, limit = scope_prefix(who.region), max(1, min(query.limit, PAGE_SIZE_MAX))
    found = _person_query(prefix, wanted).order_by(persons.c.id_number)
    with (store or default_store()).engine.connect() as connection:
        total = connection.execute(
            select(func.count()).select_from(found.order_by(None).subquery())).scalar_one()
        rows = list(connection.execute(found.limit(limit).offset(query.offset)))
        latest = _latest_enrollments(connection, prefix, [r.id_number for r in rows])
    return Page(int(total), limit, query.offset, [_with_enrollment(r, latest) for r in rows])


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
    prefix, after = scope_prefix(who.region), ""
    base = _person_query(prefix, wanted).order_by(persons.c.id_number)
    for _ in range(EXPORT_ROWS_MAX // CHUNK_ROWS + 1):
        with store.engine.connect() as connection:
            rows = list(connection.execute(
                base.where(persons.c.id_number > after).limit(CHUNK_ROWS)))
            latest = _latest_enrollments(connection, prefix, [r.id_number for r in rows])
        yield from (_with_enrollment(r, latest) for r in rows)
        if len(rows) < CHUNK_ROWS:
            return
        after = rows[-1].id_number


SETTLEMENT_FILTERS: Final = ("year", "fixmedins_code", "id_number", "med_type")


def export_settlements(who: Principal, filters: Mapping[str, Any], *,
                       store: Store | None = None) -> Export | Refused:
    """The settlements in scope that match `filters` (year, institution, person, 医疗类别),
    in commit order, read by key in chunks (an offset would re-read every earlier row)."""
    refused = _allowed(who, "settlements", None)
    if refused is not None:
        return refused
    s = settlements.c
    base = (select(s.commit_seq, s.setl_id, s.mdtrt_id, s.fixmedins_code, s.id_number,
                   s.scheme, s.region, s.year, s.med_type, s.medfee_sumamt_fen,
                   s.fund_pay_sumamt_fen, s.acct_pay_fen, s.psn_cash_pay_fen, s.created_at,
                   reversals.c.reversal_id)
            .outerjoin(reversals, reversals.c.setl_id == s.setl_id)
            .where(s.region.like(f"{scope_prefix(who.region)}%")))
    for key in SETTLEMENT_FILTERS:
        if filters.get(key) is not None:
            base = base.where(s[key] == filters[key])
    source = store or default_store()
    with source.engine.connect() as connection:
        total = connection.execute(select(func.count()).select_from(base.subquery())).scalar_one()
    return Export(int(total), _settlements_in_chunks(base.order_by(s.commit_seq), source))


def _settlements_in_chunks(base: Any, store: Store) -> Iterator[dict[str, Any]]:
    after = 0
    for _ in range(EXPORT_ROWS_MAX // CHUNK_ROWS + 1):
        with store.engine.connect() as connection:
            rows = list(connection.execute(
                base.where(settlements.c.commit_seq > after).limit(CHUNK_ROWS)))
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
    c = institutions.c
    found: dict[str, str] = {}
    with (store or default_store()).engine.connect() as connection:
        for start in range(0, len(wanted), CHUNK_ROWS):
            found.update((r.code, r.name) for r in connection.execute(select(c.code, c.name).where(
                c.code.in_(wanted[start:start + CHUNK_ROWS]))))
    return found


def with_institution_names(rows: Iterable[dict[str, Any]], *, store: Store | None = None
                           ) -> Iterator[dict[str, Any]]:
    """The rows, each with `fixmedins_name` beside its `fixmedins_code` (None when the code is
    not registered), looked up a chunk of rows at a time."""
    source = iter(rows)
    while chunk := list(islice(source, CHUNK_ROWS)):
        found = institution_names([r["fixmedins_code"] for r in chunk], store=store)
        yield from ({**r, "fixmedins_name": found.get(r["fixmedins_code"])} for r in chunk)
