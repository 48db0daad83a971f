"""Proves the evaluation metrics against values computed by hand on a tiny dataset: RIV trimmed
and untrimmed, CV per group with the CV ≥ 1 flag, CMI per hospital, grouping and QY rates,
weight stability, the sibling-split test, and that the report renders without network assets."""

from __future__ import annotations

import json
import math
from decimal import Decimal

import numpy as np
import pytest

from tests.payment.helpers import cases, weights
from yibao.payment.evaluate import (
    cmi,
    group_stats,
    grouping_rates,
    mann_whitney_p,
    riv_of,
    sibling_splits,
    weight_stability,
)
from yibao.payment.report import evaluation, render_html
from yibao.payment.weights import NO_TRIM, Trim, relative_weights

# GB11: 100, 200, 300 yuan; GB13: 400, 400; XX19: 10, 10, 10, 130; two ungroupable stays, one
# of them longer than 60 days (excluded from the grouping rate).
ROWS = [
    *({"drg": "GB11", "medfee_sumamt": c, "hospital": "H1"} for c in (10_000, 20_000, 30_000)),
    {"drg": "GB13", "medfee_sumamt": 40_000, "hospital": "H1"},
    {"drg": "GB13", "medfee_sumamt": 40_000, "hospital": "H2"},
    *({"drg": "XX19", "medfee_sumamt": c, "hospital": "H2"} for c in (1_000, 1_000, 1_000, 13_000)),
    {"drg": "0000", "medfee_sumamt": 5_000, "hospital": "H2"},
    {"drg": "0000", "medfee_sumamt": 5_000, "hospital": "H2", "los_days": 61},
]
FRAME = cases(*ROWS)


def test_riv_by_hand():
    # mean 156 000 / 9; SST = 4.772e9 − 156 000² / 9 = 2.068e9; SSW = 2e8 + 0 + 1.08e8
    assert riv_of(FRAME, NO_TRIM) == pytest.approx(1 - 308 / 2068)


def test_trimmed_riv_drops_the_fence_outliers():
    # GB11: 100 yuan × 7 and 900; GB13: 300 × 5. Quartiles of GB11 are both 100 yuan, so the
    # fences drop 900 and every group is then constant: trimmed RIV 1.
    frame = cases(*[{"drg": "GB11", "medfee_sumamt": 10_000}] * 7,
                  {"drg": "GB11", "medfee_sumamt": 90_000},
                  *[{"drg": "GB13", "medfee_sumamt": 30_000}] * 5)
    assert riv_of(frame, Trim()) == 1.0
    # untrimmed: SSW = 7·1e8 + 7e4² = 5.6e9; SST = (13·1.33e10 − 310 000²) / 13 = 7.68e10 / 13
    assert riv_of(frame, NO_TRIM) == pytest.approx(1 - 5.6e9 * 13 / 7.68e10)
    assert [g.cases_kept for g in relative_weights(frame).groups] == [7, 5]


def test_cv_per_group_and_flag():
    stats = {s.drg: s for s in group_stats(FRAME)}
    assert stats["GB11"].cv == pytest.approx(0.5)  # sd 10 000 / mean 20 000
    assert stats["GB13"].cv == 0
    assert stats["XX19"].cv == pytest.approx(1.5)  # sd 6 000 / mean 4 000
    assert [d for d, s in stats.items() if s.flagged] == ["XX19"]


def test_relative_weights_and_cmi_by_hand():
    w = relative_weights(FRAME)  # IQR fences keep every case here
    assert {g.drg: g.rw for g in w.groups} == {
        "GB11": Decimal("1.1538"), "GB13": Decimal("2.3077"), "XX19": Decimal("0.2308")}
    # H1: (3 × 1.1538 + 2.3077) / 4 = 1.442275; H2: (2.3077 + 4 × 0.2308) / 5 = 0.64618
    assert cmi(FRAME, w) == {"H1": Decimal("1.4423"), "H2": Decimal("0.6462")}


def test_grouping_and_qy_rates():
    rates = grouping_rates(FRAME)
    assert (rates["cases"], rates["excluded"], rates["grouped"]) == (11, 1, 9)
    assert rates["grouping_rate"] == pytest.approx(0.9)
    assert rates["qy_rate"] == 0
    qy = grouping_rates(cases({"drg": "GQY"}, {"drg": "GB11"}))
    assert qy["qy_rate"] == pytest.approx(0.5)


def test_weight_stability_by_hand():
    before = weights(("A11", "1.0", 1, 1), ("B11", "2.0", 1, 1), ("C11", "0.5", 1, 1),
                     ("D11", "1.0", 1, 1))
    after = weights(("A11", "1.2", 1, 1), ("B11", "2.0", 1, 1), ("C11", "0.4", 1, 1),
                    ("E11", "1.0", 1, 1))
    s = weight_stability(before, after)
    assert s["common_groups"] == 3
    assert (s["new_groups"], s["dropped_groups"]) == (["E11"], ["D11"])
    assert s["mean_relative_change"] == pytest.approx((0.2 + 0 + 0.2) / 3)
    assert s["share_changed_over_10pct"] == pytest.approx(2 / 3)
    assert s["spearman_rw"] == pytest.approx(1.0)


def test_mann_whitney_by_hand():
    # fully separated 3 vs 3: U = 9, mean 4.5, variance 3·3·7/12 = 5.25, continuity 0.5
    z = (4.5 - 0.5) / math.sqrt(5.25)
    assert mann_whitney_p(np.array([7, 8, 9]), np.array([1, 2, 3])) == pytest.approx(
        math.erfc(z / math.sqrt(2)))


def test_sibling_splits():
    assert [(c.adrg, c.ordered, c.separates) for c in sibling_splits(FRAME)] == [
        ("GB1", False, False)]  # GB11 costs less than GB13
    rows = [{"drg": "GB11", "medfee_sumamt": 50_000 + i} for i in range(20)]
    rows += [{"drg": "GB13", "medfee_sumamt": 30_000 + i} for i in range(20)]
    rows += [{"drg": "GB15", "medfee_sumamt": 10_000 + i} for i in range(20)]
    (check,) = sibling_splits(cases(*rows))
    assert check.ordered and check.separates and max(check.p_values) < 1e-6


def test_report_json_and_self_contained_html():
    report = evaluation(FRAME, previous=FRAME)
    json.dumps(report)
    page = render_html(report)
    assert "<svg" in page and "http://" not in page and "https://" not in page
    assert "<script" not in page and "<link" not in page
    assert report["stability"]["mean_relative_change"] == 0
