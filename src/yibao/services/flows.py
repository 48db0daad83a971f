"""The cross-region flows and direct-settlement rates of a year in the reader's scope
(异地就医流向与直接结算率), read from the store with one GROUP BY and computed with the
definition the year job uses (`yibao.indicators.offsite`).

A county sees its insured people's flows out and other regions' insured treated in it, and its
own rates; a city its counties (each, and their total); a province all. A region outside the
reader's scope is refused (`out_of_scope`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from yibao.core.beijing import in_beijing
from yibao.indicators.offsite import FlowRow, offsite_indicators, store_flows
from yibao.services.accounts import Principal, scope_prefix
from yibao.services.bureau import Refused, _allowed
from yibao.store import Store, default_store


@dataclass(frozen=True, slots=True)
class OffsiteFlows:
    """A year's figures: `document` is `offsite_indicators` over the scope's regions (the
    rates at the top level and under `regions`, the matrix under `offsite_flows`)."""

    year: int
    scope: str
    document: dict[str, Any]


def scope_regions(rows: list[FlowRow], prefix: str) -> list[str]:
    """The regions in scope the rows name as insured or care region."""
    return sorted({code for r in rows for code in (r.insured_region, r.care_region)
                   if code.startswith(prefix)})


def offsite_flows(who: Principal, year: int | None = None, region: str | None = None, *,
                  store: Store | None = None) -> OffsiteFlows | Refused:
    """The flows and rates of `year` (default: the newest year with a settlement in scope,
    else this year) in the reader's scope, or in `region` of it."""
    refused = _allowed(who, "indicators", region)
    if refused is not None:
        return refused
    prefix = region if region is not None else scope_prefix(who.region)
    with (store or default_store()).unit_of_work(read_only=True) as work:
        if year is None:
            year = work.reads.latest_settlement_year(prefix) or in_beijing(
                datetime.now(UTC)).year
        rows = store_flows(work.reads.offsite_flows(prefix, year))
    return OffsiteFlows(year, prefix or "全部",
                        offsite_indicators(rows, scope_regions(rows, prefix)))
