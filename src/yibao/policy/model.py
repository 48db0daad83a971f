"""The benefit policy (待遇政策) of one coordinating region and year, as frozen values.

A policy is data: it is read from a TOML file (docs/settlement.md §5) by `yibao.policy.loader`
and never changed afterwards. Absent benefit sections leave a benefit uncovered; absent fund
sections switch that fund off.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Final

from yibao.policy.filing import DEFAULT_FILING, FilingRules

if TYPE_CHECKING:
    from yibao.policy.assist import AssistanceApply, Monitoring
    from yibao.policy.benefits import CmiProduct, Maternity, Opsp
    from yibao.policy.contributions import Contributions
    from yibao.policy.fund import FundRules

LEVELS: Final = ("1", "2", "3")
OFFSITE_KINDS: Final = ("local", "filed", "referral", "temporary", "unfiled")
#: Assistance groups in the order in which the first matching one is chosen
#: (docs/settlement.md §3 step 7).
ASSISTANCE_ORDER: Final = ("tekun", "dibao", "fanpin", "jianche", "dibao_edge", "yinbing", "tuopin")
GROUPS: Final = frozenset(ASSISTANCE_ORDER)


@dataclass(frozen=True, slots=True)
class ByLevel:
    """One value per institution level (医院等级): 1 一级, 2 二级, 3 三级."""

    lv1: Decimal
    lv2: Decimal
    lv3: Decimal

    def of(self, level: str) -> Decimal:
        return {"1": self.lv1, "2": self.lv2, "3": self.lv3}[level]


@dataclass(frozen=True, slots=True)
class Benefit:
    """A basic-insurance benefit (住院, 门诊慢特病 or 普通门诊统筹) of one scheme."""

    deductible: ByLevel
    ratio: ByLevel
    annual_cap: Decimal
    repeat_admission_factor: Decimal = Decimal(1)
    retired_ratio_add: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class Scheme:
    """The benefits of one scheme: 职工 (employee, 310) or 居民 (resident, 390)."""

    inpatient: Benefit | None = None
    chronic: Benefit | None = None
    outpatient: Benefit | None = None

    def benefit(self, med_type: str) -> Benefit | None:
        return {"21": self.inpatient, "14": self.chronic, "11": self.outpatient}[med_type]


@dataclass(frozen=True, slots=True)
class Tier:
    """A serious-illness band: amounts above `threshold + above` are paid at `ratio`."""

    above: Decimal
    ratio: Decimal


@dataclass(frozen=True, slots=True)
class Tilt:
    """倾斜支付: a lower threshold, higher ratios and possibly no cap for poverty groups."""

    groups: frozenset[str]
    threshold_factor: Decimal = Decimal(1)
    ratio_add: Decimal = Decimal(0)
    no_cap: bool = False


@dataclass(frozen=True, slots=True)
class SeriousIllness:
    """城乡居民大病保险: paid on the year's cumulative in-policy self-pay above a threshold."""

    threshold: Decimal
    tiers: tuple[Tier, ...]
    annual_cap: Decimal
    tilt: Tilt | None = None


@dataclass(frozen=True, slots=True)
class CappedFund:
    """A fund paying a share of a base up to an annual cap (大额医疗补助, 公务员医疗补助)."""

    ratio: Decimal
    annual_cap: Decimal


@dataclass(frozen=True, slots=True)
class Assistance:
    """医疗救助 for one group: a yearly threshold, a ratio and an annual cap."""

    threshold: Decimal
    ratio: Decimal
    annual_cap: Decimal


@dataclass(frozen=True, slots=True)
class Offsite:
    """Ratio deltas (≤ 0) for care outside the insured region (异地就医)."""

    local: Decimal = Decimal(0)
    filed: Decimal = Decimal(0)
    referral: Decimal = Decimal(0)
    temporary: Decimal = Decimal(0)
    unfiled: Decimal = Decimal(0)

    def of(self, kind: str) -> Decimal:
        value: Decimal = getattr(self, kind)
        return value


@dataclass(frozen=True, slots=True)
class Policy:
    """A whole benefit policy for one region (统筹区) and year."""

    id: str
    region: str
    year: int
    name: str
    class_b_selfpay: Decimal
    offsite: Offsite
    resident: Scheme
    employee: Scheme
    serious_illness: SeriousIllness | None = None
    large_expense: CappedFund | None = None
    civil_servant: CappedFund | None = None
    account_pays_selfpay_items: bool = False
    assistance: tuple[tuple[str, Assistance], ...] = ()
    source: str = ""
    contributions: Contributions | None = None
    fund: FundRules | None = None
    #: Cross-region filing rules (`[filing]`; defaults when the file has none).
    filing: FilingRules = DEFAULT_FILING
    #: 家庭共济: the personal account may pay for a bound spouse, parent or child
    #: (`[employee.account] family_sharing`, 国办发〔2021〕14号 [K]).
    family_sharing: bool = True
    #: Benefits beyond the basic bill (SETTLEMENT.md §5), read and checked; None when absent.
    opsp: Opsp | None = None
    maternity: Maternity | None = None
    cmi_products: tuple[CmiProduct, ...] = ()
    assistance_apply: AssistanceApply | None = None
    monitoring: Monitoring | None = None

    def scheme(self, insutype: str) -> Scheme:
        return self.employee if insutype == "310" else self.resident

    def cmi_product(self, product_id: str) -> CmiProduct | None:
        """The 惠民保 product of `[cmi.products.<product_id>]`, or None."""
        return next((p for p in self.cmi_products if p.id == product_id), None)

    def assistance_for(self, groups: frozenset[str]) -> tuple[str, Assistance] | None:
        """The first of the person's groups, in `ASSISTANCE_ORDER`, that the policy names."""
        named = dict(self.assistance)
        for group in ASSISTANCE_ORDER:
            if group in groups and group in named:
                return group, named[group]
        return None
