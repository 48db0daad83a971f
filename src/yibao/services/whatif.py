"""Policy what-if (政策测算): `yibao policy whatif` and `yibao policy solve`.

`whatif` reads a simulated year (written by `yibao sim`) once and groups its stays, settles it
with the year job's settle step (`yibao.sim.settle.settle_year`, the batch engine) under the base
policy and under the new one, pays the hospitals by DRG points with the year job's payment step
(`yibao.sim.payment`: the base policy's regional DRG budget on both sides) and compares per fund
(from the ledger postings the year would make, the DRG year-end clearing included) and per
scheme (`yibao.policy.whatif`). Income is the year's contributions as the simulator collected
them: a what-if changes the benefits, not what was paid in.

`solve` finds the value of one numeric key (`yibao.policy.keys`) that brings a fund's current
ratio (收支率 = expenditure ÷ income) to a target, by bisection over re-settlements of the year
(each with its DRG point settlement and clearing under the base policy's budget), and writes the
base policy file with that one value changed.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any, Final

import numpy as np
import polars as pl

from yibao.core.checks import invariant
from yibao.core.money import scaled_int, to_fen
from yibao.fund.analysis import (
    FUNDS,
    current_ratio,
    fund_flows,
    money,
    postings_with_code,
    ratio_text,
    year_figures,
)
from yibao.fund.events import (
    CLEARING_LINES,
    CONTRIBUTION_LINES,
    EMPLOYEE_SCHEME,
    FUNDING_LINES,
    PREMIUM_LINES,
    SETTLEMENT_LINES,
    Lines,
    contribution_posting_frame,
    event_posting_frame,
    settlement_posting_frame,
)
from yibao.fund.postings import TxnKind
from yibao.fund.schedule import MONTHS, clearing_frame, funding_frame
from yibao.policy.keys import PolicyKey, key_value, literal, parse_key, with_value
from yibao.policy.loader import load_policy, load_policy_file, parse_policy
from yibao.policy.model import Policy
from yibao.policy.whatif import (
    CAPACITY_SHARE,
    INCOME_PER_CAPITA,
    SCHEMES,
    NotMonotone,
    OutOfReach,
    SchemeFigures,
    Solution,
    YearShape,
    bisect,
    changed_schemes,
    scheme_figures,
)
from yibao.services.drg import load_rules
from yibao.services.sim import read_meta, read_tables
from yibao.settle.batch import BatchResult
from yibao.settle.columns import RequestColumns, subset
from yibao.sim.columns import to_columns
from yibao.sim.funding import funding_fen
from yibao.sim.payment import DrgPayment, clearing, group_stays, pay_drg, settled_stays
from yibao.sim.profile import load_profile
from yibao.sim.settle import settle_year
from yibao.sim.simulate import SimTables

Progress = Callable[[str], None]
CONTRIBUTION_AMOUNTS: Final = (
    "individual", "assistance", "subsidy_central", "subsidy_provincial", "subsidy_local",
    "serious_illness", "employer_to_pool", "employer_to_account", "employee_to_pool",
    "employee_to_account", "retiree_credit")
SETTLEMENT_AMOUNTS: Final = (*(field for field, _fund in SETTLEMENT_LINES), "acct_pay")
#: The transaction id and personal-account holder of summed rows. A fund's figures add up its
#: postings over every holder and transaction; the posting forms are linear in the amounts and
#: drop zero lines, and every amount is ≥ 0 (a sum is positive exactly when one of its terms
#: is), so the postings of settlements summed per institution, scheme and month, and of
#: contributions summed per scheme, give each fund, month and kind the sums that one row per
#: event gives, with a few hundred rows instead of millions.
SUMMED: Final = "*"
#: The simulator's tables a what-if does not read (left empty).
UNREAD: Final = ("households", "institutions", "catalogue", "labels")
#: The funds, as `fund analyze` names them: the ledger's fund accounts and the personal accounts.
FUND_CODES: Final = tuple(code.value for code in FUNDS)


class WhatIfError(ValueError):
    """The what-if cannot run on that input (zh-CN message)."""


@dataclass(frozen=True, slots=True)
class FundTotals:
    """A fund's year by the definition of `fund analyze` (`yibao.fund.analysis.year_figures`):
    income and expenditure in fen, and expenditure ÷ income (None without income)."""

    income_fen: int
    expenditure_fen: int

    @property
    def current_ratio(self) -> Fraction | None:
        return current_ratio(self.income_fen, self.expenditure_fen)

    def document(self) -> dict[str, str | None]:
        return {"income": money(self.income_fen), "expenditure": money(self.expenditure_fen),
                "current_ratio": ratio_text(self.current_ratio)}


@dataclass(frozen=True, slots=True)
class SimYear:
    """A simulated year laid out once for re-settling: its tables, the batch engine's columns,
    the shape the scheme figures need, the contribution postings and the grouped stays (the
    same under any benefit policy)."""

    directory: Path
    profile: str
    region: str
    year: int
    base_policy: Policy
    tables: SimTables
    cols: RequestColumns
    shape: YearShape
    settlements: pl.DataFrame  # per visit: fixmedins_code, scheme, month
    contribution_postings: pl.DataFrame
    stays: pl.DataFrame  # every stay grouped, with its payment method (`sim.payment`)


def _shape(tables: SimTables, cols: RequestColumns, income_per_capita: Decimal) -> YearShape:
    persons = tables.persons
    household = persons["household_id"].rank("dense").cast(pl.Int64).to_numpy() - 1
    wage = persons["wage_base_fen"].fill_null(0).cast(pl.Int64).to_numpy()
    in_service = (persons["psn_type"] == "in_service").to_numpy() & (wage > 0)
    income = np.where(in_service, wage * 12, to_fen(income_per_capita)).astype(np.int64)
    return YearShape(visit_person=cols.person_key, visit_employee=cols.employee,
                     visit_med=cols.med, person_employee=(persons["insutype"] == "310").to_numpy(),
                     household=household, income_fen=income)


def _summed(frame: pl.DataFrame, by: list[str], amounts: list[str], region: str
            ) -> pl.DataFrame:
    """`frame` summed per `by` into the rows the columnar posting forms read (see `SUMMED`)."""
    non_negative = frame.select(pl.all_horizontal((pl.col(amounts) >= 0).all())).item()
    invariant(non_negative is not False, "a negative amount would not sum like its postings",
              amounts)
    return frame.group_by(by).agg(pl.col(amounts).sum()).with_columns(
        pl.lit(SUMMED).alias("txn_id"), pl.lit(region).alias("region"),
        pl.lit(SUMMED).alias("id_number"))


def _contribution_postings(tables: SimTables, region: str, year: int) -> pl.DataFrame:
    """The year's contribution and serious-illness premium postings as the year job's bulk load
    makes them, summed per scheme (`SUMMED`)."""
    amounts = [f"{name}_fen" for name in CONTRIBUTION_AMOUNTS]
    frame = _summed(tables.contributions.rename({"insutype": "scheme"}), ["scheme"], amounts,
                    region).with_columns(pl.lit(f"{year:04d}-01").alias("month"))
    return pl.concat([
        contribution_posting_frame(frame.with_columns(pl.lit(kind.value).alias("kind")),
                                   ("month", "kind"), lines)
        for kind, lines in ((TxnKind.CONTRIBUTION, CONTRIBUTION_LINES),
                            (TxnKind.PREMIUM, PREMIUM_LINES))])


def read_sim_year(directory: Path, *, income_per_capita: Decimal = INCOME_PER_CAPITA,
                  progress: Progress | None = None) -> SimYear:
    """Read the simulated year in `directory` once (zh-CN `WhatIfError` if it is not one)."""
    say = progress or (lambda _message: None)
    try:
        name, _scale, _seed = read_meta(directory)
    except FileNotFoundError as err:
        raise WhatIfError(str(err)) from None
    say("读取模拟数据")
    profile = load_profile(name)
    tables = read_tables(directory, **{name: pl.DataFrame() for name in UNREAD})
    base = load_policy(profile.policy)
    cols = to_columns(tables.visits, tables.fee_lines, tables.persons, tables.contributions,
                      base, profile.year)
    first = tables.enrollments.row(0, named=True)
    region = str(first["insuplc_admdvs"])
    visits = tables.visits
    settlements = visits.select(
        "fixmedins_code", pl.col("insutype").alias("scheme"),
        pl.col("enddate").dt.strftime("%Y-%m").alias("month"))
    say("DRG 分组")
    stays = group_stays(load_rules(), tables, cols).stays
    # laid out in `cols.fees` and grouped already
    kept = replace(tables, fee_lines=pl.DataFrame(), settlement_lists=pl.DataFrame())
    return SimYear(directory, name, region, profile.year, base, kept, cols,
                   _shape(tables, cols, income_per_capita), settlements,
                   _contribution_postings(tables, region, profile.year), stays)


def settle_under(year: SimYear, policy: Policy) -> BatchResult:
    """The year settled under `policy` by the year job's settle step."""
    return settle_year(replace(year.cols, policies=(policy,)), year.tables,
                       workers=os.cpu_count() or 1)


def settle_changed(year: SimYear, base_policy: Policy, base: BatchResult, policy: Policy
                   ) -> BatchResult:
    """The year settled under `policy`, given `base`, its settlement under `base_policy`: only
    the visits of the schemes the change reaches (`changed_schemes`) are settled again, by the
    year job's settle step, and the others kept. A person has one scheme and the accumulators
    are kept per person and scheme, so this equals settling the whole year again (tested)."""
    schemes = changed_schemes(base_policy, policy)
    if not schemes:
        return base
    if len(schemes) == len(SCHEMES):
        return settle_under(year, policy)
    rows = np.flatnonzero(year.cols.employee == (schemes[0] == EMPLOYEE_SCHEME))
    cols = subset(replace(year.cols, policies=(policy,)), rows)
    part = settle_year(cols, replace(year.tables, visits=year.tables.visits[rows]),
                       workers=os.cpu_count() or 1)
    values = {name: column.copy() for name, column in base.values.items()}
    for name, column in part.values.items():
        values[name][rows] = column
    ytd_after = base.ytd_after.copy()
    ytd_after[rows] = part.ytd_after
    return BatchResult(values, ytd_after)


def drg_payment(year: SimYear, result: BatchResult, budget_fen: int | None = None
                ) -> DrgPayment:
    """The year job's DRG point settlement of the settled year (`sim.payment.pay_drg`) under
    `budget_fen` (default: budget-neutral, as the year job pays)."""
    return pay_drg(settled_stays(year.stays, result), budget_fen)


def _event_postings(frame: pl.DataFrame, kind: TxnKind, lines: Lines, month: str
                    ) -> pl.DataFrame:
    return event_posting_frame(frame.with_columns(
        pl.lit(month).alias("month"), pl.lit(kind.value).alias("kind")), lines, ("month", "kind"))


def _funding_postings(year: SimYear, policy: Policy) -> pl.DataFrame:
    """The year's funding of the large-expense, civil-servant and assistance funds under the
    policy's `[fund]` (`sim.funding.funding_fen`), as the year job posts it (1 January)."""
    frame = funding_frame(year.region, year.year, funding_fen(year.tables.persons, policy))
    return _event_postings(frame, TxnKind.FUNDING, FUNDING_LINES, f"{year.year:04d}-01")


def _clearing_postings(year: SimYear, drg: DrgPayment) -> pl.DataFrame:
    """The DRG year-end clearing of the pooling funds, as the year job posts it (31 December)."""
    frame = clearing_frame(year.region, year.year,
                           clearing(year.tables.persons, drg.points, drg.settlement))
    return _event_postings(frame, TxnKind.CLEARING, CLEARING_LINES,
                           f"{year.year:04d}-{MONTHS:02d}")


def year_postings(year: SimYear, result: BatchResult, policy: Policy, drg: DrgPayment, *,
                  summed: bool = True) -> pl.DataFrame:
    """The postings of the settled year, made by the ledger's columnar forms
    (`yibao.fund.events`), with what `fund_flows` reads: the month (a settlement's is its
    visit's; the contributions are the year's, dated in its first month), the account code and
    the transaction's kind. With the contributions, the premiums, the funding of the policy's
    `[fund]` and the DRG year-end clearing of `drg` (`drg_payment` of `result`).
    `summed`: settlements summed per institution, scheme and month (`SUMMED`); else one
    settlement per row, as the year job posts them."""
    frame = year.settlements.with_columns(
        pl.Series(name, result.values[name]) for name in SETTLEMENT_AMOUNTS)
    if summed:
        frame = _summed(frame, ["fixmedins_code", "scheme", "month"], list(SETTLEMENT_AMOUNTS),
                        year.region)
    else:
        people = year.tables.persons["id_number"].gather(year.tables.visits["person"])
        frame = frame.with_columns(pl.lit(year.region).alias("region"), people.alias("id_number"),
                                   pl.int_range(pl.len()).cast(pl.Utf8).alias("txn_id"))
    settled = settlement_posting_frame(frame, keep=("month",)).with_columns(
        pl.lit(TxnKind.SETTLEMENT.value).alias("kind"))
    return postings_with_code(pl.concat([year.contribution_postings,
                                         _funding_postings(year, policy), settled,
                                         _clearing_postings(year, drg)]))


def fund_totals(postings: pl.DataFrame, year: int) -> dict[str, FundTotals]:
    """Per fund (ledger account code): the year's income and expenditure, as `fund analyze`
    reports them (`fund_flows`, `year_figures`)."""
    figures = year_figures(fund_flows(postings), year)
    return {fund.value: FundTotals(income, spent)
            for fund, (income, spent) in figures.items()}


def year_funds(year: SimYear, result: BatchResult, policy: Policy, drg: DrgPayment
               ) -> dict[str, FundTotals]:
    return fund_totals(year_postings(year, result, policy, drg), year.year)


# ---------- whatif ----------

@dataclass(frozen=True, slots=True)
class Side:
    """One policy's settled year: the policy, its fund and scheme figures."""

    policy: Policy
    funds: dict[str, FundTotals]
    schemes: dict[str, SchemeFigures]


@dataclass(frozen=True, slots=True)
class WhatIf:
    """The comparison: the year under the base and the new policy, the hospitals paid by DRG
    points under the same regional budget (`drg_budget_fen`, the base side's)."""

    year: SimYear
    base: Side
    new: Side
    capacity_share: Decimal
    income_per_capita: Decimal
    drg_budget_fen: int

    def document(self) -> dict[str, Any]:
        """The JSON document (money with two decimals, ratios with four, as strings)."""
        return {
            "data": str(self.year.directory), "region": self.year.region, "year": self.year.year,
            "policies": {"base": self.base.policy.source, "new": self.new.policy.source},
            "parameters": {"capacity_share": str(self.capacity_share),
                           "income_per_capita": money(to_fen(self.income_per_capita)),
                           "drg_budget": money(self.drg_budget_fen)},
            "base": {fund: f.document() for fund, f in self.base.funds.items()},
            "new": {fund: f.document() for fund, f in self.new.funds.items()},
            "schemes": {scheme: {"base": self.base.schemes[scheme].document(),
                                 "new": self.new.schemes[scheme].document()}
                        for scheme in self.base.schemes},
        }


def _side(year: SimYear, policy: Policy, result: BatchResult, drg: DrgPayment, share: Decimal
          ) -> Side:
    return Side(policy, year_funds(year, result, policy, drg),
                scheme_figures(year.shape, result.values, share))


def _policy(path: Path) -> Policy:
    if not path.is_file():
        raise WhatIfError(f"政策文件不存在：{path}")
    return load_policy_file(path)


def whatif(data: Path, policy: Path, base: Path | None = None, *,
           capacity_share: Decimal = CAPACITY_SHARE,
           income_per_capita: Decimal = INCOME_PER_CAPITA,
           progress: Progress | None = None) -> WhatIf:
    """Settle the year in `data` under `base` (default: the profile's policy) and `policy`."""
    say = progress or (lambda _message: None)
    if not Decimal(0) < capacity_share <= Decimal(1):
        raise WhatIfError(f"灾难性支出的收入占比应在 (0, 1] 之间，收到 {capacity_share}")
    new_policy = _policy(policy)
    base_policy = _policy(base) if base is not None else None
    year = read_sim_year(data, income_per_capita=income_per_capita, progress=say)
    old = base_policy or year.base_policy
    say("按原政策结算")
    first = settle_under(year, old)
    paid = drg_payment(year, first)
    budget = paid.settlement.budget_fen
    before = _side(year, old, first, paid, capacity_share)
    say("按新政策结算")
    if len(changed_schemes(old, new_policy)) == len(SCHEMES):
        del first  # not needed again: a county year's results take GBs
        again = settle_under(year, new_policy)
    else:
        again = settle_changed(year, old, first, new_policy)
    after = _side(year, new_policy, again, drg_payment(year, again, budget), capacity_share)
    return WhatIf(year, before, after, capacity_share, income_per_capita, budget)


# ---------- solve ----------

@dataclass(frozen=True, slots=True)
class Solved:
    """What `solve` found and wrote."""

    key: PolicyKey
    fund: str
    target: Decimal
    base_value: Decimal
    value: Decimal
    base_ratio: Fraction
    ratio: Fraction
    settlements: int
    out: Path

    def describe(self) -> str:
        before, after = ratio_text(self.base_ratio), ratio_text(self.ratio)
        was, now = literal(self.key, self.base_value), literal(self.key, self.value)
        return (f"{self.fund} 收支率 {before} → {after}（目标 {self.target}）："
                f"{self.key.name} 由 {was} 改为 "
                f"{now}，重算 {self.settlements} 次，写入 {self.out}")


def _grid(key: PolicyKey, value: Decimal) -> int:
    return scaled_int(value.quantize(key.step), key.places)


def _money_upper(year: SimYear, result: BatchResult) -> int:
    """In fen: the most one person's year cost; no deductible, cap or threshold above it changes
    any settlement."""
    spent = np.zeros(int(year.cols.person_key.max()) + 1, dtype=np.int64)
    np.add.at(spent, year.cols.person_key, result.values["medfee_sumamt"])
    return int(spent.max())


def solve(data: Path, base: Path, key_name: str, fund: str, target: Decimal, out: Path, *,
          progress: Progress | None = None) -> Solved:
    """Find the key's value that brings the fund's current ratio nearest `target`; write `out`."""
    say = progress or (lambda _message: None)
    if fund not in FUND_CODES:
        raise WhatIfError(f"未知的基金 {fund}（可选：{'、'.join(FUND_CODES)}）")
    if target <= 0:
        raise WhatIfError(f"目标收支率应大于 0，收到 {target}")
    key = parse_key(key_name)
    if not base.is_file():
        raise WhatIfError(f"政策文件不存在：{base}")
    text = base.read_text(encoding="utf-8")
    base_policy = parse_policy(text, str(base))
    base_value = key_value(text, key)
    with_value(text, key, base_value)  # the key can be rewritten at all, before any settlement
    year = read_sim_year(data, progress=say)
    say("按原政策结算")
    first = settle_under(year, base_policy)
    paid = drg_payment(year, first)
    budget = paid.settlement.budget_fen
    figures = year_funds(year, first, base_policy, paid)[fund]
    base_ratio = figures.current_ratio
    if base_ratio is None:
        raise WhatIfError(f"基金 {fund} 本年没有收入，收支率无定义，无法求解")
    income = figures.income_fen

    def evaluate(point: int) -> Fraction:
        value = Decimal(point).scaleb(-key.places)
        say(f"试算 {key.name} = {literal(key, value)}")
        policy = parse_policy(with_value(text, key, value), str(out))
        result = settle_changed(year, base_policy, first, policy)
        drg = drg_payment(year, result, budget)
        spent = year_funds(year, result, policy, drg)[fund].expenditure_fen
        return Fraction(spent, income)

    start = _grid(key, base_value)
    high = scaled_int(key.upper, key.places) if key.upper is not None else max(
        start, _money_upper(year, first))
    show: Callable[[int], str] = lambda p: literal(key, Decimal(p).scaleb(-key.places))  # noqa: E731
    try:
        solution: Solution = bisect(evaluate, 0, high, Fraction(target), {start: base_ratio},
                                    show)
    except OutOfReach as err:
        raise WhatIfError(f"{key.name} 无法使 {fund} 收支率达到 {target}：{err}") from None
    except NotMonotone as err:
        raise WhatIfError(f"{key.name} 不能用于求解 {fund} 的收支率：{err}") from None
    value = Decimal(solution.point).scaleb(-key.places)
    written = with_value(text, key, value)
    temporary = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    temporary.write_text(written, encoding="utf-8")
    temporary.replace(out)
    return Solved(key, fund, target, base_value, value, base_ratio, solution.result,
                  solution.evaluations, out)

