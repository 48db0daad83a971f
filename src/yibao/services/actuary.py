"""Fund budget and actuarial projection use cases (`yibao fund budget`, `yibao fund project`).

The base year is a settled simulated year (a directory written by `yibao sim`): it is read,
settled with the batch engine, and laid out by `yibao.actuary.base`. Contribution rates come from
the shipped policy of each year (`<region>-<year>`) or a policy file; the scenario from
`yibao.actuary.scenario`.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from fractions import Fraction
from html import escape
from pathlib import Path
from typing import Any

import polars as pl

from yibao.actuary.base import ALL_FUNDS, base_year, funding_shares, visit_frame
from yibao.actuary.budget import Budget, build_budget, cells
from yibao.actuary.projection import Base, Projection, Rates, project, rates_of
from yibao.actuary.report import budget_json, projection_json
from yibao.actuary.scenario import Scenario, load_scenario
from yibao.core.labels import FUND_LEVEL
from yibao.core.money import from_fen
from yibao.fund.accounts import CHART, AccountCode
from yibao.fund.analysis import ratio_text
from yibao.fund.thresholds import Thresholds, load_thresholds
from yibao.indicators.sections import projection_svg as projection_chart_of
from yibao.policy.loader import SHIPPED_DIR, PolicyError, load_policy
from yibao.policy.model import Policy
from yibao.services.sim import read_meta, read_tables
from yibao.settle.batch import BatchResult
from yibao.sim.columns import to_columns
from yibao.sim.profile import Profile, load_profile
from yibao.sim.settle import settle_year
from yibao.sim.simulate import SimTables

MAX_YEARS = 50
#: The projection's horizon when none is given (`yibao fund project`, the year job).
DEFAULT_YEARS = 10
#: The zh-CN name of each fund, from the chart of accounts.
FUND_NAMES = {code: CHART[AccountCode(code)].name for code in ALL_FUNDS}


class ActuaryInputError(ValueError):
    """Input the budget or the projection cannot use (a zh-CN sentence)."""


@dataclass(frozen=True, slots=True)
class BaseYear:
    base: Base
    policy: Policy
    cells: pl.DataFrame  # the visit cells of `yibao.actuary.budget.cells`


def _unusable(kind: str, error: PolicyError) -> ActuaryInputError:
    """A bad scenario or thresholds file as one zh-CN sentence naming file, line and key."""
    where = f"{error.file}:{error.line}" if error.line else error.file
    key = f"（键 {error.key}）" if error.key else ""
    return ActuaryInputError(f"{kind} {where} 不可用：{error.message}{key}")


def _scenario(path: Path | None) -> Scenario:
    try:
        return load_scenario(path)
    except PolicyError as error:
        raise _unusable("情景文件", error) from None


def _thresholds(path: Path | None) -> Thresholds:
    try:
        return load_thresholds(path)
    except PolicyError as error:
        raise _unusable("阈值文件", error) from None


def _base_year(directory: Path, region: str, year: int) -> BaseYear:
    try:
        name, _scale, _seed = read_meta(directory)
    except FileNotFoundError as error:
        raise ActuaryInputError(str(error)) from None
    profile = load_profile(name)
    if profile.region != region:
        raise ActuaryInputError(
            f"模拟数据 {directory} 属于统筹区 {profile.region}，不是 {region}")
    if profile.year != year:
        raise ActuaryInputError(
            f"模拟数据 {directory} 是 {profile.year} 年的数据，需要 {year} 年（基年）的数据")
    policy = load_policy(profile.policy)
    t = read_tables(directory)
    cols = to_columns(t.visits, t.fee_lines, t.persons, t.contributions, policy, profile.year)
    return base_year_of(t, settle_year(cols, t, workers=os.cpu_count() or 1), profile, policy)


def base_year_of(tables: SimTables, result: BatchResult, profile: Profile,
                 policy: Policy) -> BaseYear:
    """The base year from a simulated year already read and settled (`settle_year`, as the
    year job settles it): the year job hands its own tables and settlement here."""
    bands = tuple(int(b) for b in profile.bands())
    visits = visit_frame(tables.persons, tables.visits, result.values, bands)
    shares = funding_shares(tables.persons, tables.contributions)
    return BaseYear(base_year(tables.persons, visits, bands, profile.region, profile.year,
                              shares), policy, cells(visits))


def _rates(policy: Policy) -> Rates:
    if policy.contributions is None:
        raise ActuaryInputError(f"政策 {policy.id} 没有缴费（[contributions]）部分，无法测算收入")
    return rates_of(policy.contributions, policy.fund)


def shipped_rates(region: str, first: int, last: int) -> dict[int, Rates]:
    """The contribution rates of the shipped policies of `region` between two years."""
    known = {}
    for year in range(first, last + 1):
        if (SHIPPED_DIR / f"{region}-{year}.toml").is_file():
            policy = load_policy(f"{region}-{year}")
            if policy.contributions is not None:
                known[year] = rates_of(policy.contributions, policy.fund)
    return known


def fund_budget(region: str, year: int, directory: Path, policy_file: Path | None = None,
                scenario_file: Path | None = None) -> Budget:
    """The budget of `year` from the simulated year `year − 1` in `directory`."""
    scenario = _scenario(scenario_file)
    return budget_of(_base_year(directory, region, year - 1), policy_file, scenario)


def budget_of(base: BaseYear, policy_file: Path | None = None,
              scenario: Scenario | None = None) -> Budget:
    """Next year's budget from the base year (the budget year's policy: `policy_file`, else the
    shipped `<region>-<year + 1>`; the scenario: the defaults when None)."""
    region, year = base.base.region, base.base.year + 1
    if policy_file is not None:
        nxt = load_policy(str(policy_file))
    elif (SHIPPED_DIR / f"{region}-{year}.toml").is_file():
        nxt = load_policy(f"{region}-{year}")
    else:
        raise ActuaryInputError(
            f"没有 {region} {year} 年的内置政策，请用 --policy 指定预算年度的政策文件")
    return build_budget(base.base, base.cells, _rates(base.policy), _rates(nxt),
                        scenario or _scenario(None))


def fund_projection(region: str, start: int, years: int, directory: Path,
                    scenario_file: Path | None = None,
                    thresholds_file: Path | None = None) -> Projection:
    """The projection of `years` years after the simulated base year `start`."""
    _check_years(years)
    scenario = _scenario(scenario_file)
    thresholds = _thresholds(thresholds_file)
    return projection_of(_base_year(directory, region, start), years, scenario, thresholds)


def _check_years(years: int) -> None:
    if not 1 <= years <= MAX_YEARS:
        raise ActuaryInputError(f"预测年数应在 1–{MAX_YEARS} 之间，实为 {years}")


def projection_of(base: BaseYear, years: int = DEFAULT_YEARS, scenario: Scenario | None = None,
                  thresholds: Thresholds | None = None) -> Projection:
    """The projection of `years` years after the base year (the default scenario and
    thresholds when None)."""
    _check_years(years)
    start = base.base.year
    known = shipped_rates(base.base.region, start + 1, start + years)
    known[start] = _rates(base.policy)
    return project(base.base, known, years, scenario or _scenario(None),
                   thresholds=thresholds or _thresholds(None))


def write_json(path: Path, data: dict[str, object]) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def budget_data(budget: Budget) -> dict[str, object]:
    return budget_json(budget)


def projection_data(projection: Projection) -> dict[str, object]:
    return projection_json(projection)


def projection_svg(projection: Projection) -> str:
    """The closing balance of each fund by year (the chart of the report)."""
    return projection_svg_of(projection_json(projection))


def projection_svg_of(doc: dict[str, Any]) -> str:
    """The same chart from a projection's JSON (`projection.json` of `--report`, which the
    console can read as it reads the year report)."""
    return projection_chart_of(doc, FUND_NAMES)


def write_projection_report(projection: Projection, directory: Path) -> Path:
    """An HTML page with the chart and the table of each fund and year; returns its path."""
    directory.mkdir(parents=True, exist_ok=True)
    rows = []
    for row in projection.funds:
        months = ratio_text(row.months) or "—"
        rows.append(
            f"<tr><td>{escape(FUND_NAMES[row.fund])}</td><td>{row.year}</td>"
            f"<td>{from_fen(row.income_fen):,}</td><td>{from_fen(row.expenditure_fen):,}</td>"
            f"<td>{from_fen(row.closing_fen):,}</td><td>{months}</td>"
            f"<td>{escape(FUND_LEVEL.get(row.level, ''))}</td></tr>")
    exhausted = "".join(
        f"<li>{escape(FUND_NAMES[fund])}："
        + (f"{year} 年累计结余转负" if year else "预测期内未耗尽") + "</li>"
        for fund, year in projection.exhausted)
    page = (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>医保基金中长期精算 {escape(projection.region)}</title>"
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}</style></head><body>"
        f"<h1>医保基金中长期精算：统筹区 {escape(projection.region)}，基年 "
        f"{projection.base_year}</h1><p>情景：{escape(projection.scenario)}</p>"
        f"{projection_svg(projection)}<ul>{exhausted}</ul>"
        "<table><tr><th>基金</th><th>年度</th><th>收入（元）</th><th>支出（元）</th>"
        "<th>期末累计结余（元）</th><th>可支付月数</th><th>水平</th></tr>"
        f"{''.join(rows)}</table></body></html>\n")
    write_json(directory / "projection.json", projection_json(projection))
    path = directory / "projection.html"
    path.write_text(page, encoding="utf-8")
    return path


def months_text(months: Fraction | None) -> str:
    return ratio_text(months) or "—"
