"""The dashboard's year figures for the reader's scope (运行概览): a county sees its county's
year report; a city or a province the sum of its regions' reports of one year, with the ratios
recomputed from the inpatient settlements the store holds (`yibao.indicators.aggregate`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from yibao.indicators.aggregate import StayParts, combine
from yibao.payment.share import NON_ITEMISED
from yibao.services.accounts import Principal, scope_prefix
from yibao.store import Store, default_store
from yibao.store.uow import UnitOfWork


def read_parts(work: UnitOfWork, prefix: str, year: int) -> list[StayParts]:
    """The inpatient settlements' parts of the plan's ratios, by region, in `prefix`."""
    rows = work.reads.inpatient_parts(prefix, year, NON_ITEMISED)
    return [StayParts(str(r[0]), bool(r[1]), bool(r[2]), int(r[3]),
                      *(int(v or 0) for v in r[4:13])) for r in rows]


def stay_parts(prefix: str, year: int, *, store: Store | None = None) -> list[StayParts]:
    """`read_parts` in a read-only unit of work of its own."""
    with (store or default_store()).unit_of_work(read_only=True) as work:
        return read_parts(work, prefix, year)


def scope_figures(who: Principal, reports: Sequence[Mapping[str, Any]], *,
                  store: Store | None = None) -> dict[str, Any] | None:
    """The figures of the reader's scope from the year reports found (one per region): those
    of the newest year whose region the reader sees, summed; None when there are none."""
    seen = [r for r in reports if isinstance(r.get("region"), str) and who.sees(r["region"])]
    if not seen:
        return None
    year = max(int(r["year"]) for r in seen)
    of_year = sorted((r for r in seen if int(r["year"]) == year), key=lambda r: r["region"])
    if len(of_year) == 1:
        return combine(of_year, [])
    return combine(of_year, stay_parts(scope_prefix(who.region), year, store=store))
