"""Proves DIP: core groups cover more than 85 % of cases on generated data, the threshold is the
largest case count that does so, comprehensive groups take the rest by diagnosis category and
treatment type, deviation cases (above 200 %, below 50 %) follow their formulas, and the point
value from the budget pays it out to the cent."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from tests.payment.helpers import cases
from yibao.payment.dip import DipRules, build_catalogue, core_threshold, dip_points, treatment_type
from yibao.payment.settlement import settle_cases
from yibao.payment.synthetic import generate_cases


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_core_groups_cover_over_85_percent(seed):
    frame = generate_cases(np.random.default_rng(seed), 20_000)
    catalogue = build_catalogue(frame)
    assert catalogue.core_share > Fraction(85, 100)
    # one case fewer at the threshold would not be a core group any more; a higher threshold
    # would not cover 85 %
    counts = {g.key: g.cases for g in catalogue.groups if g.core}
    assert min(counts.values()) == catalogue.threshold_cases
    covered_above = sum(n for n in counts.values() if n > catalogue.threshold_cases)
    assert Fraction(covered_above, catalogue.cases) <= Fraction(85, 100)
    out = dip_points(frame, catalogue)
    result = settle_cases(out, 10**10)
    assert sum(h.amount_fen for h in result.hospitals) == 10**10


THRESHOLDS = [
    ([50, 30, 10, 5, 5], 10),  # 50 + 30 = 80 %, + 10 = 90 % > 85 %
    ([85, 10, 5], 10),  # 85 % is not more than 85 %
    ([86, 10, 4], 86),
    ([1, 1, 1, 1], 1),
]


@pytest.mark.parametrize(("counts", "threshold"), THRESHOLDS)
def test_core_threshold(counts, threshold):
    assert core_threshold(np.array(counts), Fraction(85, 100)) == threshold


def _year():
    core = [{"principal_diagnosis": "K80.1", "principal_procedure": "51.23",
             "medfee_sumamt": 1_000_000}] * 18
    rare = [{"principal_diagnosis": "K81.0", "principal_procedure": "",
             "procedure_type": "conservative", "medfee_sumamt": 500_000},
            {"principal_diagnosis": "K81.9", "principal_procedure": "",
             "procedure_type": "conservative", "medfee_sumamt": 500_000}]
    return cases(*core, *rare)


def test_catalogue_core_and_comprehensive():
    catalogue = build_catalogue(_year())
    groups = {g.key: g for g in catalogue.groups}
    assert set(groups) == {"K80.1+51.23", "K81:保守治疗"}
    assert groups["K80.1+51.23"].core and not groups["K81:保守治疗"].core
    # overall mean 950 000 fen: scores 100 × 1 000 000 / 950 000 and 100 × 500 000 / 950 000
    assert groups["K80.1+51.23"].score_e4 == 1_052_632
    assert groups["K81:保守治疗"].score_e4 == 526_316


DEVIATIONS = [  # cost (fen) of a K80.1+51.23 case (mean 1 000 000, score 105.2632)
    (1_000_000, "normal", 1_052_632),
    (2_000_000, "normal", 1_052_632),  # exactly 200 % is not above
    (3_000_000, "high", 2_105_264),  # score × ((3 − 2) + 1)
    (500_000, "normal", 1_052_632),
    (400_000, "low", 421_053),  # score × 0.4
]


@pytest.mark.parametrize(("cost", "kind", "points"), DEVIATIONS)
def test_deviation_cases(cost, kind, points):
    catalogue = build_catalogue(_year())
    case = cases({"principal_diagnosis": "K80.1", "principal_procedure": "51.23",
                  "medfee_sumamt": cost})
    out = dip_points(case, catalogue)
    assert (out["dip_kind"][0], out["points_e4"][0]) == (kind, points)


def test_level_coefficient_and_treatment_types():
    catalogue = build_catalogue(_year())
    rules = DipRules(level_coefficients=(("3", Decimal("1.1")),))
    case = cases({"principal_diagnosis": "K80.1", "principal_procedure": "51.23"})
    assert dip_points(case, catalogue, rules)["points_e4"][0] == 1_157_895
    surgery = {"51.2300": True}
    assert [treatment_type(c, surgery) for c in ("", "51.2300", "88.0101", "96.0400")] == [
        "conservative", "surgery", "diagnostic", "therapeutic"]
