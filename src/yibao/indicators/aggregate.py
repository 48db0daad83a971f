"""The figures of a wider scope (a city, a province) from the year reports of its regions:
counts, money and the monthly fund flow are summed; ratios are recomputed from the summed
parts (numerator and denominator in fen), never averaged.

The parts of the in-policy inpatient ratios and of the key groups' assistance ratio are the
inpatient settlements' sums by scheme and key group (`StayParts`, read from the store), with
the definitions of `yibao.indicators.table`. A region whose stays the parts do not hold in full
(its report counts more inpatient stays than the parts) leaves the ratios unknown (None) rather
than wrong. The DRG share (`yibao.payment.share`) is recomputed the same way, from each
region's inpatient medical cost and the part of it in stays paid by a non-itemised method;
it is unknown while some stays have no paid settlement list (`listed` < `stays`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from yibao.core.money import from_fen, to_fen
from yibao.indicators.offsite import RateParts
from yibao.indicators.table import coverage_rate, ratio
from yibao.payment.share import non_itemised_share

COUNTS: Final = ("insured", "insured_employee", "insured_resident",
                 "offsite_direct_settlements", "visits", "inpatient_stays")
MONEY: Final = ("fund_income", "fund_expenditure", "offsite_direct_amount")
RATIOS: Final = ("inpatient_inscp_ratio_employee", "inpatient_inscp_ratio_resident",
                 "assistance_ratio_key_groups", "inpatient_cost_share_drg")
FLOWS: Final = ("income", "expenditure")


@dataclass(frozen=True, slots=True)
class StayParts:
    """Σ over the inpatient settlements of one region, scheme and key-group flag (fen)."""

    region: str
    employee: bool
    key_group: bool  # 特困, 低保 or 返贫致贫
    stays: int
    hifp: int
    hifob: int
    hifmi: int
    cvlserv: int
    maf: int
    inscp: int
    medfee: int = 0
    medfee_non_itemised: int = 0  # in stays paid by DRG/DIP points or per bed-day
    listed: int = 0  # stays whose settlement list the year's payment has paid


def ratios_from_parts(parts: Iterable[StayParts]) -> dict[str, Decimal | None]:
    """The three ratios of `table._ratios` and the DRG share, from the summed parts."""
    rows = list(parts)

    def total(rows_: Iterable[StayParts], *names: str) -> int:
        return sum(getattr(p, n) for p in rows_ for n in names)

    employee = [p for p in rows if p.employee]
    resident = [p for p in rows if not p.employee]
    key = [p for p in rows if p.key_group]
    left = total(key, "inscp") - total(key, "hifp", "hifob", "hifmi", "cvlserv")
    return {
        "inpatient_inscp_ratio_employee": ratio(total(employee, "hifp", "hifob"),
                                                total(employee, "inscp")),
        "inpatient_inscp_ratio_resident": ratio(total(resident, "hifp", "hifmi"),
                                                total(resident, "inscp")),
        "assistance_ratio_key_groups": ratio(total(key, "maf"), left),
        "inpatient_cost_share_drg": None if total(rows, "listed") < total(rows, "stays")
        else non_itemised_share(total(rows, "medfee_non_itemised"), total(rows, "medfee")),
    }


def missing_regions(reports: Sequence[Mapping[str, Any]], parts: Sequence[StayParts]
                    ) -> list[str]:
    """The reports' regions whose inpatient stays the parts do not hold in full."""
    held: dict[str, int] = {}
    for p in parts:
        held[p.region] = held.get(p.region, 0) + p.stays
    return [str(r["region"]) for r in reports
            if held.get(str(r["region"]), 0) != int(r.get("inpatient_stays", 0))]


def _fen(value: Any) -> int:
    return to_fen(Decimal(str(value)))


def _flows(reports: Sequence[Mapping[str, Any]]) -> dict[str, list[Decimal]]:
    """Income and expenditure summed month by month; the balance is their running difference."""
    sums = {k: [sum(_fen(r["monthly"][k][m]) for r in reports) for m in range(12)]
            for k in FLOWS}
    balance, running = [], 0
    for income, spent in zip(sums["income"], sums["expenditure"], strict=True):
        running += income - spent
        balance.append(from_fen(running))
    return {**{k: [from_fen(v) for v in sums[k]] for k in FLOWS}, "balance": balance}


def combine(reports: Sequence[Mapping[str, Any]], parts: Sequence[StayParts]
            ) -> dict[str, Any]:
    """One report document for the reports of one year's regions: a single report as it is,
    several summed (`regions` names them; a ratio is None when the parts miss a region; parts
    of regions without a report are left out, as their counts and money are)."""
    if len(reports) == 1:
        return dict(reports[0])
    first = reports[0]
    summed = {str(r["region"]) for r in reports}
    parts = [p for p in parts if p.region in summed]  # a region without a report stays out
    known = not missing_regions(reports, parts)
    ratios: dict[str, Decimal | None] = (
        dict(ratios_from_parts(parts)) if known else dict.fromkeys(RATIOS))
    scales = {r.get("scale") for r in reports}
    should = [r.get("should_insure") for r in reports]
    coverage = {} if None in should else {  # 参保率 of the sum: Σ insured ÷ Σ should insure
        "should_insure": sum(int(n) for n in should if n is not None),
        "coverage_rate": coverage_rate(sum(int(r.get("insured", 0)) for r in reports),
                                       sum(int(n) for n in should if n is not None))}
    return {
        "year": first["year"], "region": None,
        "regions": sorted(str(r["region"]) for r in reports),
        "profile": first.get("profile") if len({r.get("profile") for r in reports}) == 1
        else "、".join(sorted({str(r.get("profile")) for r in reports})),
        "scale": first.get("scale") if len(scales) == 1 else None,
        **{k: sum(int(r.get(k, 0)) for r in reports) for k in COUNTS},
        **coverage,
        **{k: from_fen(sum(_fen(r.get(k, 0)) for r in reports)) for k in MONEY},
        **ratios,
        "monthly": _flows([r for r in reports if "monthly" in r]),
        **_offsite_rates(reports),
    }


def _offsite_rates(reports: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The two direct-settlement rates of the sum, from the stays each report counts
    (`indicators.offsite`); nothing when a report lacks them."""
    parts = [RateParts.of_document(r) for r in reports]
    if not parts or any(p is None for p in parts):
        return {}
    return sum((p for p in parts if p is not None), RateParts()).document()
