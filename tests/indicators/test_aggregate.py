"""Summing the year reports of a scope: money summed to the cent, the balance the running
difference of the summed flows, ratios recomputed from summed parts; a region whose stays the
parts do not hold leaves the ratios unknown rather than wrong."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from yibao.indicators.aggregate import StayParts, combine, ratios_from_parts


def _report(region: str, stays: int, income: str) -> dict[str, Any]:
    return {"year": 2024, "region": region, "profile": "p", "scale": 0.01, "insured": 10,
            "insured_employee": 2, "insured_resident": 8, "fund_income": Decimal(income),
            "fund_expenditure": Decimal("0.01"), "offsite_direct_settlements": 1,
            "offsite_direct_amount": Decimal("0.10"), "visits": 5, "inpatient_stays": stays,
            "monthly": {"income": [Decimal(income)] + [Decimal(0)] * 11,
                        "expenditure": [Decimal("0.01")] * 12, "balance": [Decimal(0)] * 12}}


PARTS = [StayParts("511623", True, False, 1, 800, 100, 0, 0, 0, 1000),
         StayParts("511602", True, False, 1, 100, 0, 0, 0, 0, 3000),
         StayParts("511602", False, True, 2, 500, 0, 200, 50, 90, 1000)]


def test_sums_and_recomputed_ratios() -> None:
    doc = combine([_report("511623", 1, "0.07"), _report("511602", 3, "0.05")], PARTS)
    assert doc["regions"] == ["511602", "511623"] and doc["insured"] == 20
    assert doc["fund_income"] == Decimal("0.12")
    assert doc["monthly"]["balance"][0] == Decimal("0.10")  # 0.12 − 0.02
    assert doc["monthly"]["balance"][-1] == Decimal("0.12") - 12 * Decimal("0.02")
    # (800 + 100 + 100) / (1000 + 3000), not the mean of 0.9 and 0.033333
    assert doc["inpatient_inscp_ratio_employee"] == Decimal("0.25")
    assert doc["inpatient_inscp_ratio_resident"] == Decimal("0.7")
    assert doc["assistance_ratio_key_groups"] == Decimal("0.36")  # 90 / (1000 − 700 − 50)
    assert doc == {**doc, **ratios_from_parts(PARTS)}
    stray = StayParts("511621", True, False, 5, 0, 0, 0, 0, 0, 9000)  # a region without a report
    assert combine([_report("511623", 1, "0.07"), _report("511602", 3, "0.05")],
                   [*PARTS, stray])["inpatient_inscp_ratio_employee"] == Decimal("0.25")


def test_a_region_missing_from_the_parts_leaves_the_ratios_unknown() -> None:
    doc = combine([_report("511623", 1, "0.07"), _report("511621", 3, "0.05")], PARTS[:1])
    assert doc["inpatient_inscp_ratio_employee"] is None
    assert doc["fund_income"] == Decimal("0.12")


def test_one_report_is_shown_as_it_is() -> None:
    single = _report("511623", 1, "0.07")
    assert combine([single], []) == single


def test_the_drg_share_of_a_sum_is_recomputed_from_cost() -> None:
    # 511623: 600 of 1,000 fen in stays paid by DRG points; 511602: 2,900 of 3,000 fen
    parts = [StayParts("511623", True, False, 1, 0, 0, 0, 0, 0, 1000, 1000, 600, 1),
             StayParts("511602", False, False, 2, 0, 0, 0, 0, 0, 1000, 3000, 2900, 2)]
    doc = combine([_report("511623", 1, "0.07"), _report("511602", 2, "0.05")], parts)
    # 3,500 / 4,000, not the mean of 0.6 and 0.966667
    assert doc["inpatient_cost_share_drg"] == Decimal("0.875")
    unpaid = [parts[0], StayParts("511602", False, False, 2, 0, 0, 0, 0, 0, 1000, 3000, 0, 1)]
    assert combine([_report("511623", 1, "0.07"), _report("511602", 2, "0.05")],
                   unpaid)["inpatient_cost_share_drg"] is None  # one stay has no paid list


def test_the_coverage_rate_of_a_sum_is_recomputed() -> None:
    a = {**_report("511623", 1, "0.07"), "insured": 95, "should_insure": 100}
    b = {**_report("511602", 1, "0.05"), "insured": 290, "should_insure": 300}
    doc = combine([a, b], [])
    assert doc["should_insure"] == 400
    assert doc["coverage_rate"] == Decimal("0.9625")  # 385 / 400, not the mean of 0.95 and 0.966667
    assert "coverage_rate" not in combine([a, _report("511602", 1, "0.05")], [])
