"""The budget factors on a tiny hand-built year: every figure worked out by hand below."""

from __future__ import annotations

from decimal import Decimal

import polars as pl
import pytest

from yibao.actuary.base import ALL_FUNDS, base_year
from yibao.actuary.budget import Budget, build_budget, cells
from yibao.actuary.projection import Rates
from yibao.actuary.scenario import parse_scenario

D = Decimal
BANDS = (0, 60)
# No deaths or births; utilisation +5 %, cost +10 % for residents; wages +10 %.
SCENARIO = parse_scenario("""
[population]
birth_rate = "0"
[population.mortality]
bands = [0]
male = ["0"]
female = ["0"]
[employees]
entry_rate = "0"
wage_growth = "0.10"
[growth]
resident_cost = "0.10"
resident_utilisation = "0.05"
""", "hand.toml")
NOW = Rates(D(280), D(550), D(0), D("0.06"), D("0.02"), D(1), D(0), D(0))
NEXT = Rates(D(320), D(580), D(0), D("0.06"), D("0.02"), D(1), D(0), D(0))


def _persons() -> pl.DataFrame:
    # 10 resident men aged 59, 10 resident women aged 30, 10 resident men aged 70, and two
    # employed men aged 40 on a wage base of 5,000 yuan a month.
    rows = ([("resident", "M", 59, 0)] * 10 + [("resident", "F", 30, 0)] * 10
            + [("resident", "M", 70, 0)] * 10 + [("in_service", "M", 40, 500_000)] * 2)
    return pl.DataFrame(rows, schema={"psn_type": pl.Utf8, "sex": pl.Utf8, "age": pl.Int16,
                                      "wage_base_fen": pl.Int64}, orient="row")


def _visits() -> pl.DataFrame:
    # Resident stays at level-2 hospitals: two in band 0 (cost 1,000 yuan, the pool pays 600,
    # both paid by DRG), two in band 1 (cost 2,000, the pool pays 1,500 and the serious-illness
    # fund 100; one paid by DRG).
    def row(band: int, medfee: int, pool: int, serious: int, drg: bool) -> dict[str, object]:
        pays = {f"{f}_fen": 0 for f in ALL_FUNDS} | {"resident_pool_fen": pool,
                                                      "serious_illness_fen": serious}
        return {"group": "resident", "band": band, "benefit": "inpatient", "level": "2",
                "drg": drg, "medfee_fen": medfee, **pays}
    return pl.DataFrame([row(0, 100_000, 60_000, 0, True), row(0, 100_000, 60_000, 0, True),
                         row(1, 200_000, 150_000, 10_000, True),
                         row(1, 200_000, 150_000, 10_000, False)])


@pytest.fixture(scope="module")
def budget() -> Budget:
    visits = _visits()
    base = base_year(_persons(), visits, BANDS, "511623", 2020)
    return build_budget(base, cells(visits), NOW, NEXT, SCENARIO)


# Insured: band 0 has 20 residents now (men 59, women 30); next year the men are 60, so band 0
# keeps the 10 women (× 0.5) and band 1 has 10 + 10 = 20 (× 2).
# Age factor of the line = (0.5 × 1,200 + 2 × (3,000 + 200)) ÷ 4,400 = 7,000 ÷ 4,400
#   = 1.590909… → 1.5909 (shown to four places and used as shown).
# Factor = 1.5909 × 1.05 × 1.10 = 1.8374895.
# Pool 4,200 × 1.8374895 = 7,717.4559 → 7,717.46; serious illness 200 × 1.8374895 = 367.4979
#   → 367.50; DRG 2,700 × 1.8374895 = 4,961.22165 → 4,961.22.
# Visits (0.5 × 2 + 2 × 2) × 1.05 = 5.25; cost per visit 6,000 ÷ 4 = 1,500 → × 1.1 = 1,650.
@pytest.mark.parametrize(("field", "expected"), [
    ("visits_now", 4), ("visits_next", D("5.25")),
    ("cost_per_visit_now", D(1500)), ("cost_per_visit_next", D(1650)),
    ("age_factor", D("1.5909")), ("utilisation_trend", D("1.05")), ("cost_trend", D("1.10")),
    ("drg_now_fen", 270_000), ("drg_next_fen", 496_122),
])
def test_expenditure_line_factors(budget: Budget, field: str, expected: object) -> None:
    (line,) = budget.expenditure
    assert (line.scheme, line.benefit, line.level) == ("resident", "inpatient", "2")
    assert getattr(line, field) == expected


def test_expenditure_by_fund(budget: Budget) -> None:
    (line,) = budget.expenditure
    assert line.now_fen["resident_pool"] == 420_000 and line.now_fen["serious_illness"] == 20_000
    assert line.next_fen["resident_pool"] == 771_746 and line.next_fen["serious_illness"] == 36_750
    assert budget.drg_budget_fen == 496_122


# Income: 30 residents × (320 + 580) = 27,000 yuan; employees 2 × 5,000 × 1.1 × 12 × 6 % =
# 7,920 to the pool and × 2 % = 2,640 to the personal accounts. This year: 30 × 830 = 24,900;
# 2 × 5,000 × 12 × 6 % = 7,200 and × 2 % = 2,400.
@pytest.mark.parametrize(("fund", "now", "nxt"), [
    ("resident_pool", 2_490_000, 2_700_000), ("employee_pool", 720_000, 792_000),
    ("personal_account", 240_000, 264_000), ("serious_illness", 0, 0),
])
def test_income_lines(budget: Budget, fund: str, now: int, nxt: int) -> None:
    line = next(i for i in budget.income if i.fund == fund)
    assert (line.now_fen, line.next_fen) == (now, nxt)


def test_totals_and_insured(budget: Budget) -> None:
    assert budget.totals["resident_pool"] == (2_700_000, 771_746)
    assert budget.totals["serious_illness"] == (0, 36_750)
    insured = {(i.group, i.band): (i.now, i.next) for i in budget.insured}
    assert insured == {("resident", 0): (20, 10), ("resident", 1): (10, 20),
                       ("in_service", 0): (2, 2)}
    assert budget.wage_next_fen == D(550_000)
