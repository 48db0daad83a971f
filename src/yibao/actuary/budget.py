"""Next year's fund budget (预算编制) from this year's settled data, factor by factor.

"将人口结构、发病率、医疗费用变化趋势等纳入预算编制因素" (seed 000, ch.4): each budget line
is this year's figure times named factors, so a finance officer can follow it.

- Insured: this year's insured on 1 January by group and age band, moved one year on by
  `cohort.step` (deaths, ageing, migration, retirement, entrants, births).
- Expenditure, one line per scheme, benefit and institution level:
  next year = this year's fund payments × age factor × utilisation trend × cost trend, where
  age factor = Σ over the scheme's groups and bands of (insured next ÷ insured now) × this year's
  payments of the band ÷ this year's payments (the payments this year's rates would give next
  year's population); utilisation trend = 1 + the scheme's utilisation growth; cost trend = 1 +
  the scheme's cost growth. Each fund's part of a line is rounded half up to the fen.
  Visits next year = Σ (insured next ÷ now) × this year's visits of the band × utilisation trend.
- Income: next year's insured × next year's contribution rates (the policy's `[contributions]`):
  residents pay the individual share plus the fiscal subsidy; employees in service pay the rates
  on the mean wage base × (1 + wage growth) × 12; the serious-illness premium and retirees'
  account credits are transfers between funds (`projection.year_money`).
- The regional DRG global budget (区域总额预算, DRG 付费部分): the pooling funds' payments for
  local stays of at most 60 days (those the point method pays) × the factors of their line. It is
  the budget `yibao drg pay --budget` takes.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Final

import polars as pl

from yibao.actuary.base import ALL_FUNDS
from yibao.actuary.cohort import GROUPS, ZERO, Cohort, Flows, step
from yibao.actuary.projection import SCHEME_OF, Base, Rates, fen, growth, year_money
from yibao.actuary.scenario import BASIC_FUNDS, Scenario

#: The order of the expenditure lines: 住院, 门诊慢特病, 普通门诊, 定点药店购药; residents first.
BENEFITS: Final = ("inpatient", "chronic", "outpatient", "pharmacy")
SCHEMES: Final = ("resident", "employee")
FACTOR_PLACES: Final = Decimal("0.0001")


@dataclass(frozen=True, slots=True)
class InsuredLine:
    group: str
    band: int
    now: Decimal
    next: Decimal


@dataclass(frozen=True, slots=True)
class ExpenditureLine:
    scheme: str
    benefit: str
    level: str
    visits_now: int
    visits_next: Decimal
    cost_per_visit_now: Decimal  # medical cost per visit, yuan (4 places)
    cost_per_visit_next: Decimal
    age_factor: Decimal
    utilisation_trend: Decimal
    cost_trend: Decimal
    now_fen: dict[str, int]  # by fund
    next_fen: dict[str, int]
    drg_now_fen: int
    drg_next_fen: int


@dataclass(frozen=True, slots=True)
class IncomeLine:
    fund: str
    item: str  # zh-CN: what is paid
    basis: str  # zh-CN: persons × rate, written out
    now_fen: int
    next_fen: int


@dataclass(frozen=True, slots=True)
class Budget:
    region: str
    year: int  # the budget year (this year + 1)
    bands: tuple[int, ...]
    insured: tuple[InsuredLine, ...]
    flows: Flows
    rates_now: Rates
    rates_next: Rates
    wage_now_fen: Decimal
    wage_next_fen: Decimal
    expenditure: tuple[ExpenditureLine, ...]
    income: tuple[IncomeLine, ...]
    totals: dict[str, tuple[int, int]]  # fund → (income, expenditure) of the budget year
    drg_budget_fen: int


def cells(visits: pl.DataFrame) -> pl.DataFrame:
    """`base.visit_frame` summed by group, band, benefit and level."""
    pools = pl.col("resident_pool_fen") + pl.col("employee_pool_fen")
    return visits.group_by("group", "band", "benefit", "level").agg(
        pl.len().alias("visits"), pl.col("medfee_fen").sum(),
        *(pl.col(f"{f}_fen").sum() for f in ALL_FUNDS),
        pools.filter(pl.col("drg")).sum().alias("drg_fen")).sort("group", "band", "benefit",
                                                                  "level")


def _q(value: Decimal) -> Decimal:
    return value.quantize(FACTOR_PLACES)


def _ratio(top: Decimal, bottom: Decimal) -> Decimal:
    return top / bottom if bottom else Decimal(1)


def build_budget(base: Base, visit_cells: pl.DataFrame, rates_now: Rates, rates_next: Rates,
                 scenario: Scenario) -> Budget:
    """Next year's budget (module docstring)."""
    after, flows = step(base.cohort, scenario)
    now = {g: base.cohort.by_band(g, base.bands) for g in GROUPS}
    nxt = {g: after.by_band(g, base.bands) for g in GROUPS}
    moved = {(g, b): _ratio(nxt[g][b], now[g][b]) if now[g][b] else ZERO
             for g in GROUPS for b in range(len(base.bands))}
    insured = tuple(InsuredLine(g, b, now[g][b], nxt[g][b]) for g in GROUPS
                    for b in range(len(base.bands)) if now[g][b] or nxt[g][b])
    lines = []
    frame = visit_cells.with_columns(
        pl.col("group").replace_strict(SCHEME_OF, return_dtype=pl.Utf8).alias("scheme"))
    for (scheme, benefit, level), part in frame.group_by("scheme", "benefit", "level"):
        rows = part.to_dicts()
        paid = {f: sum(int(r[f"{f}_fen"]) for r in rows) for f in ALL_FUNDS}
        total = sum(paid.values())
        visits = sum(int(r["visits"]) for r in rows)
        weighted = sum((moved[(r["group"], r["band"])] * sum(int(r[f"{f}_fen"])
                                                             for f in ALL_FUNDS) for r in rows),
                       ZERO)
        visits_moved = sum((moved[(r["group"], r["band"])] * int(r["visits"]) for r in rows), ZERO)
        age = _q(_ratio(weighted, Decimal(total)) if total else _ratio(visits_moved,
                                                                        Decimal(visits)))
        resident = scheme == "resident"
        util = 1 + (scenario.resident_utilisation if resident else scenario.employee_utilisation)
        cost = 1 + (scenario.resident_cost if resident else scenario.employee_cost)
        factor = age * util * cost
        medfee = sum(int(r["medfee_fen"]) for r in rows)
        per_visit = _q(Decimal(medfee) / 100 / visits) if visits else ZERO
        drg = sum(int(r["drg_fen"]) for r in rows)
        lines.append(ExpenditureLine(
            str(scheme), str(benefit), str(level), visits, _q(visits_moved * util), per_visit,
            _q(per_visit * cost), age, util, cost, paid,
            {f: fen(Decimal(v) * factor) for f, v in paid.items()}, drg,
            fen(Decimal(drg) * factor)))
    lines.sort(key=lambda line: (SCHEMES.index(line.scheme), BENEFITS.index(line.benefit),
                                 line.level))
    money_now = year_money(base, base.cohort, rates_now, 0, scenario)
    money_next = year_money(base, after, rates_next, 1, scenario)
    income = _income_lines(base, after, rates_now, rates_next, scenario, money_now.income,
                           money_next.income)
    totals = {}
    for fund in ALL_FUNDS:
        spent = sum(line.next_fen[fund] for line in lines)
        if fund in BASIC_FUNDS:  # transfers: the serious-illness premium, retirees' account credits
            spent += fen(money_next.expenditure[fund]
                         - _benefits(base, after, fund, scenario))
        totals[fund] = (sum(i.next_fen for i in income if i.fund == fund), spent)
    wage_next = base.wage_fen * (1 + scenario.wage_growth)
    return Budget(base.region, base.year + 1, base.bands, insured, flows, rates_now, rates_next,
                  base.wage_fen, wage_next, tuple(lines), income, totals,
                  sum(line.drg_next_fen for line in lines))


def _benefits(base: Base, cohort: Cohort, fund: str, scenario: Scenario) -> Decimal:
    """The benefit part of `year_money`'s expenditure of a fund (the rest are transfers)."""
    total = ZERO
    for group in GROUPS:
        by_band = cohort.by_band(group, base.bands)
        total += sum((n * c for n, c in zip(by_band, base.cost(group, fund), strict=True)),
                     ZERO) * growth(scenario, group, 1)
    return total


def _income_lines(base: Base, after: Cohort, now: Rates, nxt: Rates, scenario: Scenario,
                  income_now: dict[str, Decimal], income_next: dict[str, Decimal]
                  ) -> tuple[IncomeLine, ...]:
    c0, c1 = base.cohort, after
    res0, res1 = c0.total(("resident",)), c1.total(("resident",))
    work0, work1 = c0.total(("in_service",)), c1.total(("in_service",))
    ret0, ret1 = c0.total(("retired",)), c1.total(("retired",))
    wage1 = base.wage_fen * (1 + scenario.wage_growth)

    def persons(n: Decimal) -> str:
        return f"{n:,.0f} 人"

    def pct(r: Decimal) -> str:
        return f"{r * 100:.2f}%"

    er0 = now.employer_rate + now.employee_rate
    er1 = nxt.employer_rate + nxt.employee_rate
    return (
        IncomeLine("resident_pool", "居民个人缴费与财政补助",
                   f"{persons(res0)} × {now.resident_individual + now.resident_subsidy} 元 → "
                   f"{persons(res1)} × ({nxt.resident_individual} + {nxt.resident_subsidy}) 元",
                   fen(income_now["resident_pool"]), fen(income_next["resident_pool"])),
        IncomeLine("serious_illness", "大病保险筹资（自居民统筹基金划转）",
                   f"{persons(res0)} × {now.serious_illness_per_capita} 元 → {persons(res1)} × "
                   f"{nxt.serious_illness_per_capita} 元",
                   fen(income_now["serious_illness"]), fen(income_next["serious_illness"])),
        IncomeLine("employee_pool", "职工单位与个人缴费（划入统筹部分）",
                   f"{persons(work0)} × 月均缴费基数 {base.wage_fen / 100:,.2f} 元 × 12 × "
                   f"{pct(er0)} → {persons(work1)} × {wage1 / 100:,.2f} 元 × 12 × {pct(er1)}"
                   "（扣除划入个人账户部分）",
                   fen(income_now["employee_pool"]), fen(income_next["employee_pool"])),
        IncomeLine("personal_account", "个人账户划入（在职缴费划入与退休人员定额划入）",
                   f"退休 {persons(ret0)} × {now.retiree_account_monthly} 元/月 → "
                   f"{persons(ret1)} × {nxt.retiree_account_monthly} 元/月，另加在职缴费划入",
                   fen(income_now["personal_account"]), fen(income_next["personal_account"])),
    )
