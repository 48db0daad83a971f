"""The rules of SETTLEMENT.md §6 over plain values: an application for medical assistance
(依申请救助, 因病致贫重病患者) — refused or granted, and the grant — and the monitoring flags
(防止因病致贫返贫 动态监测) of a person and of a household.

"Out-of-pocket" (`oop`) of a person over a period is the sum of `psn_part_amt` of the person's
settlements dated in it, reversals netted; the store sums it, these functions take the sums.

* `check_application` — the refusals that apply, in the precedence order of `ApplyRefusal`
  (`no_policy`, `already_assisted`, `below_threshold`); an empty tuple grants.
* `grant_of` — `t = min(B, max(0, A.threshold − ytd.maf_dedc_used))`,
  `grant = min((B − t) × A.ratio, max(0, A.annual_cap − ytd.maf_paid))`, rounded half-up.
* `person_flag`, `household_flag` — the monitoring thresholds and whether each is reached.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Final

from yibao.core.money import ZERO, cents
from yibao.enroll.waiting import add_months
from yibao.policy.assist import AssistanceApply, Monitoring
from yibao.policy.model import GROUPS, Assistance

#: The med_types whose remaining self-pay counts in `B` (§6: the settled 14 and 21 visits).
GRANT_MED_TYPES: Final = ("14", "21")
#: The groups of SETTLEMENT.md §1 (`person.groups`).
ASSIST_GROUPS: Final = GROUPS


class ApplyRefusal(StrEnum):
    """Why an application is refused by the §6 rules, in precedence order."""

    NO_POLICY = "no_policy"
    ALREADY_ASSISTED = "already_assisted"
    BELOW_THRESHOLD = "below_threshold"


REFUSAL_NAMES: Final = {
    ApplyRefusal.NO_POLICY: "参保地政策未规定依申请救助",
    ApplyRefusal.ALREADY_ASSISTED: "已属医疗救助对象",
    ApplyRefusal.BELOW_THRESHOLD: "家庭自付费用未达标准",
}


def apply_window(day: date, months: int) -> tuple[date, date]:
    """The first and last day of the `months` months ending on `day` (both included): from
    the day after `day` moved `months` calendar months back, to `day`."""
    return add_months(day, -months) + timedelta(days=1), day


def income_threshold(income: Decimal, apply: AssistanceApply) -> Decimal:
    """`income × apply.income_share`, rounded half-up to the cent."""
    return cents(income * apply.income_share)


def check_application(apply: AssistanceApply | None, assisted_groups: Iterable[str],
                      held: Iterable[str], household_oop: Decimal | None,
                      income: Decimal) -> tuple[ApplyRefusal, ...]:
    """The §6 refusals of an application, in precedence order (empty: granted).

    `apply` is the policy's `[assistance.apply]` (None: absent), `assisted_groups` the names
    of its `[assistance.groups]`, `held` the groups the person holds on the application day,
    `household_oop` the household's out-of-pocket over the `apply.months` months ending on that
    day (None when there is no policy to say which months), `income` the declared household
    income. Without a policy the income test cannot be asked: only `no_policy` (and
    `already_assisted`) can apply."""
    out: list[ApplyRefusal] = []
    if apply is None:
        out.append(ApplyRefusal.NO_POLICY)
    if set(held) & set(assisted_groups):
        out.append(ApplyRefusal.ALREADY_ASSISTED)
    if apply is not None and household_oop is not None \
            and household_oop < income_threshold(income, apply):
        out.append(ApplyRefusal.BELOW_THRESHOLD)
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Grant:
    """What an approved application pays: `t` (the yearly threshold used), `grant`, and the
    person's new `maf_dedc_used` and `maf_paid`."""

    b: Decimal
    t: Decimal
    grant: Decimal
    maf_dedc_used: Decimal
    maf_paid: Decimal


def remaining_selfpay(inscp_scp_amt: Decimal, hifp_pay: Decimal, hifob_pay: Decimal,
                      hifmi_pay: Decimal, cvlserv_pay: Decimal, maf_pay: Decimal) -> Decimal:
    """One visit's part of `B`: `inscp_scp_amt − hifp_pay − hifob_pay − hifmi_pay −
    cvlserv_pay − maf_pay`."""
    return inscp_scp_amt - hifp_pay - hifob_pay - hifmi_pay - cvlserv_pay - maf_pay


def grant_of(b: Decimal, group: Assistance, maf_dedc_used: Decimal, maf_paid: Decimal) -> Grant:
    """The §6 grant over `B` = `b` with the group's `A` and the year-to-date accumulators:
    `t = min(B, max(0, A.threshold − maf_dedc_used))`,
    `grant = min((B − t) × A.ratio, max(0, A.annual_cap − maf_paid))`, rounded half-up."""
    b = max(ZERO, b)
    t = min(b, max(ZERO, group.threshold - maf_dedc_used))
    grant = cents(min((b - t) * group.ratio, max(ZERO, group.annual_cap - maf_paid)))
    return Grant(b, t, grant, maf_dedc_used + t, maf_paid + grant)


@dataclass(frozen=True, slots=True)
class Flag:
    """A monitoring result: the threshold and whether `oop` reaches it."""

    oop: Decimal
    threshold: Decimal
    flagged: bool


def person_flag(oop: Decimal, held: Iterable[str], monitoring: Monitoring) -> Flag:
    """A person is flagged when `oop > 0` and `oop ≥ rural_income × share` (rounded), `share`
    = `share_low_income` for a person holding any of the §1 groups (at the year's last
    settlement: `held`), else `share_general`."""
    low = bool(set(held) & ASSIST_GROUPS)
    share = monitoring.share_low_income if low else monitoring.share_general
    threshold = cents(monitoring.rural_income * share)
    return Flag(oop, threshold, oop > 0 and oop >= threshold)


def household_flag(oop: Decimal, members: int, monitoring: Monitoring) -> Flag:
    """A household is flagged when its insured members' `oop` is ≥ `rural_income ×
    household_share × members` (rounded); a household without insured members never is."""
    threshold = cents(monitoring.rural_income * monitoring.household_share * members)
    return Flag(oop, threshold, members > 0 and oop >= threshold)
