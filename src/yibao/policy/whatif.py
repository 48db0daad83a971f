"""Policy what-if (政策测算): the figures that compare a year settled under two policies, and the
bisection that finds the value of one key giving a fund's target current ratio.

Pure parts only: the service (`yibao.services.whatif`) reads the simulated year, settles it with
the batch engine under each policy and builds the ledger postings; the per-fund figures come
from the one definition in `yibao.fund.analysis`.

Per scheme (职工 310, 居民 390), over the year's settled visits, in fen:
- `medfee`, `inscp`: Σ medfee_sumamt, Σ inscp_scp_amt (政策范围内费用);
- `fund_pay`: Σ fund_pay_sumamt, every fund including assistance; `pool_pay`: Σ hifp_pay;
  `assistance_pay`: Σ maf_pay (医疗救助支出); `self_pay`: Σ psn_part_amt (account and cash);
- `inscp_ratio` = Σ(fund_pay − maf_pay) / Σ inscp: the basic, serious-illness, large-expense and
  civil-servant funds over in-policy cost (政策范围内基金支付比例), all benefits;
- `inpatient_inscp_ratio`: the plan's indicator (`yibao.indicators.table`), inpatient stays;
- `catastrophic_share`: persons of the scheme living in a household whose year's self-pay exceeds
  `capacity_share` (default 40 %) of the household's capacity to pay (灾难性卫生支出).

Household capacity: the sum of its members' yearly income. The simulator gives a monthly wage base
for employees in service (`wage_base_fen` × 12); for everyone else it gives no income, and
`INCOME_PER_CAPITA` stands in. [U] placeholder: a household's income stands for its capacity to
pay (the usual definition deducts subsistence spending, which the simulator does not model).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise
from typing import Final

import numpy as np
import numpy.typing as npt

from yibao.core.money import RATIO_PLACES, scaled_int
from yibao.fund.analysis import money, ratio_text
from yibao.policy.model import Policy

I64 = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

#: Self-pay above this share of the household's capacity to pay is catastrophic (WHO's usual
#: threshold of 40 % of capacity to pay [K]); a parameter of `policy whatif`.
CAPACITY_SHARE: Final = Decimal("0.40")
#: [U] placeholder: yearly income of a person without a wage base in the simulated year (residents,
#: retirees, employees' dependants). 25,000 元 is twice the shipped Linshui serious-illness
#: threshold of 12,500 元 [U], which is set at about 50 % of the previous year's per-capita
#: disposable income (医保发〔2019〕30号, facts/policy.md §2 [K]).
INCOME_PER_CAPITA: Final = Decimal("25000")
SCHEMES: Final = ("310", "390")
SCHEME_MONEY: Final = ("medfee", "inscp", "fund_pay", "pool_pay", "assistance_pay", "self_pay")


def share_text(numerator: int, denominator: int) -> str | None:
    """numerator ÷ denominator with four places, as `fund analyze` writes ratios; None over 0."""
    return ratio_text(Fraction(numerator, denominator)) if denominator else None


# ---------- catastrophic out-of-pocket cost ----------

def household_capacity_fen(household: I64, income_fen: I64) -> I64:
    """Each person's household capacity: the sum of the incomes of the members of their household
    (`household`: a household number per person, 0..h-1)."""
    totals = np.zeros(int(household.max()) + 1 if household.size else 0, dtype=np.int64)
    np.add.at(totals, household, income_fen)
    return totals[household]


def catastrophic_persons(household: I64, income_fen: I64, visit_person: I64, self_pay_fen: I64,
                         share: Decimal) -> Bools:
    """Per person: does their household's self-pay over the year exceed `share` of its capacity?
    Integer arithmetic: self-pay × 10^4 > share × 10^4 × capacity."""
    if household.size == 0:
        return np.zeros(0, dtype=np.bool_)
    spent_by_person = np.zeros(household.size, dtype=np.int64)
    np.add.at(spent_by_person, visit_person, self_pay_fen)
    spent = np.zeros(int(household.max()) + 1, dtype=np.int64)
    np.add.at(spent, household, spent_by_person)
    capacity = household_capacity_fen(household, income_fen)
    share_e4 = scaled_int(share, RATIO_PLACES)
    result: Bools = spent[household] * 10_000 > capacity * share_e4
    return result


# ---------- per-scheme figures ----------

@dataclass(frozen=True, slots=True)
class SchemeFigures:
    """One scheme's figures of a settled year (see the module doc)."""

    persons: int
    visits: int
    money_fen: dict[str, int]
    inscp_ratio: str | None
    inpatient_inscp_ratio: str | None
    catastrophic_persons: int
    catastrophic_share: str | None

    def document(self) -> dict[str, object]:
        return {"persons": self.persons, "visits": self.visits,
                **{name: money(fen) for name, fen in self.money_fen.items()},
                "inscp_ratio": self.inscp_ratio,
                "inpatient_inscp_ratio": self.inpatient_inscp_ratio,
                "catastrophic_persons": self.catastrophic_persons,
                "catastrophic_share": self.catastrophic_share}


@dataclass(frozen=True, slots=True)
class YearShape:
    """What the scheme figures need of the year besides the settled values: per visit the
    person, scheme and benefit; per person the scheme, household and income."""

    visit_person: I64
    visit_employee: Bools
    visit_med: I64  # 0, 1, 2 for 11, 14, 21
    person_employee: Bools
    household: I64
    income_fen: I64


def scheme_figures(shape: YearShape, values: Mapping[str, I64],
                   share: Decimal) -> dict[str, SchemeFigures]:
    """The figures of each scheme (`SCHEMES`) for one settled year."""
    v = values
    columns = {"medfee": v["medfee_sumamt"], "inscp": v["inscp_scp_amt"],
               "fund_pay": v["fund_pay_sumamt"], "pool_pay": v["hifp_pay"],
               "assistance_pay": v["maf_pay"], "self_pay": v["psn_part_amt"]}
    inpatient_paid = v["hifp_pay"] + np.where(shape.visit_employee, v["hifob_pay"],
                                              v["hifmi_pay"])
    catastrophic = catastrophic_persons(shape.household, shape.income_fen, shape.visit_person,
                                        v["psn_part_amt"], share)
    out = {}
    for scheme in SCHEMES:
        employee = scheme == "310"
        visits = shape.visit_employee == employee
        persons = shape.person_employee == employee
        money = {name: int(column[visits].sum()) for name, column in columns.items()}
        stays = visits & (shape.visit_med == 2)
        hit = int((catastrophic & persons).sum())
        out[scheme] = SchemeFigures(
            persons=int(persons.sum()), visits=int(visits.sum()), money_fen=money,
            inscp_ratio=share_text(money["fund_pay"] - money["assistance_pay"], money["inscp"]),
            inpatient_inscp_ratio=share_text(int(inpatient_paid[stays].sum()),
                                             int(v["inscp_scp_amt"][stays].sum())),
            catastrophic_persons=hit, catastrophic_share=share_text(hit, int(persons.sum())))
    return out


# ---------- which settlements a policy change reaches ----------

#: The parts of a policy that reach one scheme's settlements only (the engine reads them for
#: that scheme alone); the parts that reach no settlement. Every other part (class-B self-pay,
#: offsite deltas, assistance, and any part added later) is taken to reach both schemes.
SCHEME_PARTS: Final = {
    "390": ("resident", "serious_illness"),
    "310": ("employee", "large_expense", "civil_servant", "account_pays_selfpay_items"),
}
NOT_SETTLED: Final = ("id", "region", "year", "name", "source", "contributions")


def changed_schemes(base: Policy, new: Policy) -> tuple[str, ...]:
    """The schemes whose settlements can differ between the two policies, in `SCHEMES` order."""
    own = {part for parts in SCHEME_PARTS.values() for part in parts}
    shared = [name for name in Policy.__dataclass_fields__
              if name not in own and name not in NOT_SETTLED]
    if any(getattr(base, name) != getattr(new, name) for name in shared):
        return SCHEMES
    return tuple(scheme for scheme in SCHEMES
                 if any(getattr(base, part) != getattr(new, part)
                        for part in SCHEME_PARTS[scheme]))


# ---------- the solver ----------

class NotMonotone(ValueError):
    """The result does not move one way with the key (zh-CN message)."""


class OutOfReach(ValueError):
    """The target lies outside what the key can reach; `low`, `high` are that range."""

    def __init__(self, message: str, low: Fraction, high: Fraction) -> None:
        super().__init__(message)
        self.low, self.high = low, high


@dataclass(frozen=True, slots=True)
class Solution:
    """The grid point whose result is nearest the target, its result, and every point tried."""

    point: int
    result: Fraction
    tried: dict[int, Fraction] = field(default_factory=dict)

    @property
    def evaluations(self) -> int:
        return len(self.tried)


def bisect(evaluate: Callable[[int], Fraction], low: int, high: int, target: Fraction,
           known: Mapping[int, Fraction] | None = None, show: Callable[[int], str] = str,
           ) -> Solution:
    """The integer point in [low, high] whose result is nearest `target`, by bisection over a
    result that moves one way with the point.

    The two ends are evaluated first: equal results mean the key does not move the result
    (refused as not monotone); a target outside their range is refused with the range. Every
    point tried must keep the order of the ends, else the key is refused as not monotone.
    `known` holds points already evaluated (e.g. the base policy's value); `show` writes a
    point for a message. Stops when adjacent points bracket the target.
    """
    tried: dict[int, Fraction] = dict(known or {})

    def at(point: int) -> Fraction:
        if point not in tried:
            tried[point] = evaluate(point)
        return tried[point]

    f_low, f_high = at(low), at(high)
    if f_low == f_high:
        raise NotMonotone(f"在 {show(low)} 与 {show(high)} 之间该键不改变结果（两端均为 "
                          f"{_r(f_low)}），无法求解")
    rising = f_high > f_low
    _check_order(tried, rising, show)
    reach_low, reach_high = min(f_low, f_high), max(f_low, f_high)
    if not reach_low <= target <= reach_high:
        raise OutOfReach(f"目标 {_r(target)} 超出该键可达的范围 [{_r(reach_low)}, {_r(reach_high)}]"
                         f"（键取 {show(low)} 至 {show(high)}）", reach_low, reach_high)
    while high - low > 1:
        middle = (low + high) // 2
        found = at(middle)
        if not min(f_low, f_high) <= found <= max(f_low, f_high):
            raise NotMonotone(f"该键与结果不是单调关系：取 {show(low)}、{show(middle)}、"
                              f"{show(high)} 时结果为 {_r(f_low)}、{_r(found)}、{_r(f_high)}")
        if found == target:
            low = high = middle
            break
        if (found < target) == rising:
            low, f_low = middle, found
        else:
            high, f_high = middle, found
    best = min((low, high), key=lambda p: (abs(tried[p] - target), p))
    return Solution(best, tried[best], tried)


def _r(value: Fraction) -> str:
    return ratio_text(value) or ""


def _check_order(tried: Mapping[int, Fraction], rising: bool, show: Callable[[int], str]) -> None:
    """The points known so far keep one order, else `NotMonotone`."""
    points = sorted(tried)
    for a, b in pairwise(points):
        if (tried[b] < tried[a]) if rising else (tried[b] > tried[a]):
            raise NotMonotone(f"该键与结果不是单调关系：取 {show(a)} 时为 {_r(tried[a])}，"
                              f"取 {show(b)} 时为 {_r(tried[b])}")
