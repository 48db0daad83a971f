"""Proves the point rules case by case, one table per rule: normal, high and low outliers (fixed
and tiered by base points), incomplete stays, special review, per-diem groups, readmission."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.payment.helpers import cases, weights, yuan
from yibao.payment.points import (
    ZHEJIANG_TIERS,
    Coefficients,
    PointRules,
    case_points,
)

# One group GB13: RW 1 → 100 base points, mean cost 10 000 yuan; level 3 coefficient 1.1.
W = weights(("GB13", "1.0000", yuan("10000"), 10), ("PD19", "0.5000", yuan("5000"), 20))
RULES = PointRules(coefficients=Coefficients.of(by_level={"3": Decimal("1.1")}),
                   per_diem=(("PD19", Decimal("2")),))


def points(rows, rules=RULES, w=W):
    out = case_points(cases(*rows), w, rules)
    return list(zip(out["kind"], (Decimal(p) / 10_000 for p in out["points_e4"]), strict=True))


# (case, kind, points) — Jilin multiples: high ≥ 2×, low ≤ 0.35× the group mean.
OUTLIERS = [
    ({"medfee_sumamt": yuan("10000")}, "normal", Decimal("110")),
    ({"medfee_sumamt": yuan("10000"), "level": "2"}, "normal", Decimal("100")),
    ({"medfee_sumamt": yuan("19999.99")}, "normal", Decimal("110")),
    ({"medfee_sumamt": yuan("20000")}, "high", Decimal("110")),  # at 2×: + (2 − 2) × 100
    ({"medfee_sumamt": yuan("30000")}, "high", Decimal("210")),  # 110 + (3 − 2) × 100
    ({"medfee_sumamt": yuan("25000.50")}, "high", Decimal("160.005")),
    ({"medfee_sumamt": yuan("3500.01")}, "normal", Decimal("110")),
    ({"medfee_sumamt": yuan("3500")}, "low", Decimal("35")),  # at 0.35×: 100 × 0.35
    ({"medfee_sumamt": yuan("3000")}, "low", Decimal("30")),
    ({"medfee_sumamt": yuan("1234.56")}, "low", Decimal("12.3456")),
]


@pytest.mark.parametrize(("case", "kind", "expected"), OUTLIERS)
def test_outliers_fixed_multiples(case, kind, expected):
    assert points([case]) == [(kind, expected)]


# Zhejiang tiers: high 3× for ≤ 100 base points, 2× up to 300, 1.5× above.
ZJ = weights(("AA19", "0.5000", 100_000, 5), ("BB19", "2.0000", 100_000, 5),
             ("CC19", "4.0000", 100_000, 5))
TIERED = [
    ("AA19", 250_000, "normal", Decimal("50")),  # 2.5× < 3×
    ("AA19", 300_000, "high", Decimal("50")),  # 50 + (3 − 3) × 50
    ("BB19", 250_000, "high", Decimal("300")),  # 200 + (2.5 − 2) × 200
    ("CC19", 250_000, "high", Decimal("800")),  # 400 + (2.5 − 1.5) × 400
    ("CC19", 140_000, "normal", Decimal("400")),
    ("CC19", 30_000, "low", Decimal("120")),  # ≤ 0.4×: 400 × 0.3
]


@pytest.mark.parametrize(("drg", "cost", "kind", "expected"), TIERED)
def test_outliers_tiered_by_base_points(drg, cost, kind, expected):
    rules = PointRules(tiers=ZHEJIANG_TIERS)
    assert points([{"drg": drg, "medfee_sumamt": cost}], rules, ZJ) == [(kind, expected)]


SPECIAL = [  # incomplete stays, special review, ungroupable, per-diem groups
    ({"medfee_sumamt": yuan("5000"), "incomplete": True}, "incomplete", Decimal("55")),
    ({"medfee_sumamt": yuan("15000"), "incomplete": True}, "incomplete", Decimal("110")),
    ({"medfee_sumamt": yuan("50000"), "incomplete": True}, "incomplete", Decimal("110")),
    ({"medfee_sumamt": yuan("20000"), "special_review": True}, "special", Decimal("200")),
    ({"special_review": True, "review_points_e4": 1_234_567}, "special", Decimal("123.4567")),
    ({"drg": "0000", "medfee_sumamt": yuan("4000")}, "special", Decimal("40")),
    ({"drg": "ZZ99", "medfee_sumamt": yuan("4000")}, "special", Decimal("40")),  # no weight
    ({"drg": "PD19", "los_days": 30}, "per_diem", Decimal("60")),  # 2 points × 30 days
    ({"drg": "PD19", "los_days": 30, "medfee_sumamt": yuan("90000")}, "per_diem", Decimal("60")),
    ({"drg": "PD19", "los_days": 0}, "per_diem", Decimal("0")),
]


@pytest.mark.parametrize(("case", "kind", "expected"), SPECIAL)
def test_incomplete_special_and_per_diem(case, kind, expected):
    assert points([case]) == [(kind, expected)]


def test_per_diem_points_derived_from_mean_stay():
    rules = PointRules(per_diem=(("PD19", None),))  # 50 base points / 20 days = 2.5 a day
    assert points([{"drg": "PD19", "los_days": 8}], rules) == [("per_diem", Decimal("20"))]


def test_review_group_from_rules():
    rules = PointRules(special_review_drgs=frozenset({"GB13"}))
    assert points([{"medfee_sumamt": yuan("7000")}], rules) == [("special", Decimal("70"))]


D = dt.date(2024, 5, 1)
READMISSIONS = [
    # (second stay: discharge offset days, stay days, overrides; mode; which stays are halved)
    (20, 10, {}, "earlier", [True, False]),  # admitted 10 days after discharge
    (25, 10, {}, "earlier", [True, False]),  # 15 days: still within
    (26, 10, {}, "earlier", [False, False]),  # 16 days
    (10, 10, {}, "earlier", [True, False]),  # admitted on the day of discharge
    (20, 10, {"drg": "PD19"}, "earlier", [False, False]),  # another group
    (20, 10, {"hospital": "H2"}, "earlier", [False, False]),  # another hospital
    (20, 10, {"psn_no": "P2"}, "earlier", [False, False]),  # another person
    (20, 10, {"readmit_justified": True}, "earlier", [False, False]),
    (20, 10, {}, "later", [False, True]),
]


@pytest.mark.parametrize(("offset", "los", "second", "mode", "halved"), READMISSIONS)
def test_readmission_within_15_days_halves_points(offset, los, second, mode, halved):
    first = {"dscg_date": D, "los_days": 5}
    other = {"dscg_date": D + dt.timedelta(days=offset), "los_days": los, **second}
    rules = PointRules(coefficients=RULES.coefficients, readmission_halves=mode)
    out = case_points(cases(first, other), W, rules)
    assert out["readmission"].to_list() == halved
    full = 1_100_000 if second.get("drg") != "PD19" else None
    if full is not None:
        assert out["points_e4"][0] == (full // 2 if halved[0] else full)


def test_readmission_not_applied_across_hospitals_when_configured():
    rules = PointRules(readmission_same_hospital=False)
    out = case_points(cases({"dscg_date": D}, {"dscg_date": D + dt.timedelta(days=12),
                                               "hospital": "H2"}), W, rules)
    assert out["readmission"].to_list() == [True, False]
