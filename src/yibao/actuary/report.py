"""The budget and the projection as JSON-ready dicts: money as yuan strings with two places,
factors, ratios and months as strings with four, persons as strings with two."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from yibao.actuary.budget import Budget
from yibao.actuary.projection import Projection, Rates
from yibao.core.labels import FUND_LEVEL
from yibao.core.money import from_fen
from yibao.fund.analysis import ratio_text

TWO, FOUR = Decimal("0.01"), Decimal("0.0001")


def yuan(amount_fen: int) -> str:
    return f"{from_fen(amount_fen)}"


def four(value: Decimal) -> str:
    return f"{value.quantize(FOUR)}"


def two(value: Decimal) -> str:
    return f"{value.quantize(TWO)}"


#: The `[fund]` amounts of `Rates`: the projection's funding of the funds contributions do not
#: finance, which the budget does not use.
FUNDING_RATES = ("large_expense_per_employee", "civil_servant_per_person",
                 "assistance_per_resident")


def rates_json(rates: Rates, funding: bool = True) -> dict[str, str]:
    """The rates as text (with the `[fund]` amounts when `funding`)."""
    return {name: f"{getattr(rates, name)}" for name in Rates.__dataclass_fields__
            if name != "fund_given" and (funding or name not in FUNDING_RATES)}


def budget_json(budget: Budget) -> dict[str, Any]:
    f = budget.flows
    return {
        "region": budget.region, "year": budget.year, "bands": list(budget.bands),
        "insured": [{"group": i.group, "band": budget.bands[i.band], "now": two(i.now),
                     "next": two(i.next)} for i in budget.insured],
        "flows": {"deaths": two(f.deaths), "births": two(f.births), "migration": two(f.migration),
                  "retirements": two(f.retirements), "entrants": two(f.entrants)},
        "rates": {"now": rates_json(budget.rates_now, funding=False),
                  "next": rates_json(budget.rates_next, funding=False)},
        "wage_base": {"now": two(budget.wage_now_fen / 100),
                      "next": two(budget.wage_next_fen / 100)},
        "expenditure": [
            {"scheme": e.scheme, "benefit": e.benefit, "level": e.level,
             "visits_now": e.visits_now, "visits_next": two(e.visits_next),
             "cost_per_visit_now": two(e.cost_per_visit_now),
             "cost_per_visit_next": two(e.cost_per_visit_next),
             "age_factor": four(e.age_factor), "utilisation_trend": four(e.utilisation_trend),
             "cost_trend": four(e.cost_trend),
             "now": {k: yuan(v) for k, v in e.now_fen.items()},
             "next": {k: yuan(v) for k, v in e.next_fen.items()},
             "drg_now": yuan(e.drg_now_fen), "drg_next": yuan(e.drg_next_fen)}
            for e in budget.expenditure],
        "income": [{"fund": i.fund, "item": i.item, "basis": i.basis, "now": yuan(i.now_fen),
                    "next": yuan(i.next_fen)} for i in budget.income],
        "funds": {fund: {"income": yuan(inc), "expenditure": yuan(exp),
                         "balance": yuan(inc - exp)}
                  for fund, (inc, exp) in budget.totals.items()},
        "drg_budget": yuan(budget.drg_budget_fen),
    }


def projection_json(projection: Projection) -> dict[str, Any]:
    funds: dict[str, Any] = {}
    for row in projection.funds:
        funds.setdefault(row.fund, {"years": []})["years"].append({
            "year": row.year, "income": yuan(row.income_fen),
            "expenditure": yuan(row.expenditure_fen), "balance_open": yuan(row.opening_fen),
            "balance_close": yuan(row.closing_fen),
            "months_payable": ratio_text(row.months),
            "level": row.level})
    for fund, year in projection.exhausted:
        funds[fund]["exhausted"] = year
    return {
        "region": projection.region, "from": projection.base_year,
        "scenario": projection.scenario, "levels": dict(FUND_LEVEL),
        "population": [{"year": p.year, "residents": two(p.residents),
                        "in_service": two(p.in_service), "retired": two(p.retired),
                        "deaths": two(p.flows.deaths), "births": two(p.flows.births),
                        "migration": two(p.flows.migration),
                        "retirements": two(p.flows.retirements),
                        "entrants": two(p.flows.entrants)} for p in projection.population],
        "rates": [{"year": r.year, "source": r.source, **rates_json(r.rates)}
                  for r in projection.rates],
        "funds": funds,
    }
