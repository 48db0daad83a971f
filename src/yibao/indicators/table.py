"""The plans' indicator table (主要指标), computed from a settled year.

Definitions (issue 4 and the Linshui plan's table 1):
- `insured`: persons enrolled in basic insurance in the year, by scheme;
- `fund_income`: the basic funds' income: employer and individual contributions, fiscal subsidy,
  account credits (not the assistance fund's own money);
- `fund_expenditure`: Σ(hifp_pay + hifmi_pay + hifob_pay + acct_pay) over the year;
- `inpatient_inscp_ratio_employee` = Σ(hifp + hifob) / Σ inscp over employees' inpatient stays;
- `inpatient_inscp_ratio_resident` = Σ(hifp + hifmi) / Σ inscp over residents' stays (the plan
  counts serious illness in);
- `assistance_ratio_key_groups` = Σ maf / Σ(in-policy self-pay left after the basic,
  large-expense, serious-illness and civil-servant funds) over inpatient stays of tekun, dibao
  and fanpin people;
- `offsite_direct_settlements` / `offsite_direct_amount`: settled visits with `offsite` filed,
  referral or temporary, and their Σ medfee_sumamt;
- `cross_province_direct_rate` / `in_province_direct_rate` (when the report has them): the
  plans' direct-settlement rates of inpatient stays, `yibao.indicators.offsite`.
Money is integer fen here and Decimal yuan in the output; ratios are exact fractions rounded
half-up to six places.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from yibao.core.money import from_fen
from yibao.fund.accounts import CHART, AccountCode

I64 = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
KEY_GROUP_MASK: Final = 0b111  # tekun, dibao, fanpin: bits 0–2 of the group mask
DIRECT_OFFSITE: Final = (1, 2, 3)  # filed, referral, temporary
RATIO_PLACES: Final = Decimal("0.000001")
#: The plans' two direct-settlement rates (`yibao.indicators.offsite`), rows when a report
#: carries them; labels as the Sichuan plan's indicator table words them.
OFFSITE_RATES: Final = (("cross_province_direct_rate", "住院医疗费用跨省直接结算率"),
                        ("in_province_direct_rate", "住院医疗费用省内异地直接结算率"))


@dataclass(frozen=True, slots=True)
class YearFacts:
    """Everything the table needs, as plain arrays over the year's settled requests."""

    year: int
    insured_employee: int
    insured_resident: int
    fund_income_fen: int
    income_by_month_fen: I64  # 12 months
    employee: Bools
    med: I64  # 0, 1, 2 for 11, 14, 21
    lv: I64  # 0, 1, 2 for levels 1, 2, 3
    offsite: I64  # index in OFFSITE_KINDS
    groups: I64  # assistance-group bit mask
    month: I64  # 1–12, of the settlement date
    values: dict[str, I64] = field(default_factory=dict)  # batch results in fen
    should_insure: int | None = None  # 应参保人数, the denominator of 参保率, when known


@dataclass(frozen=True, slots=True)
class Indicator:
    """One row of the plan's table: value, 2025 target, and whether it is met."""

    key: str
    label: str
    value: Decimal | int | None  # None: not known for this scope (a sum lacking its parts)
    unit: str  # count, yuan, ratio
    target_text: str
    target: Decimal | None = None
    met: bool | None = None


def ratio(numerator: int, denominator: int) -> Decimal:
    """An exact fraction rounded half-up to six places; zero over zero is zero."""
    if denominator == 0:
        return Decimal(0)
    return (Decimal(numerator) / Decimal(denominator)).quantize(RATIO_PLACES, ROUND_HALF_UP)


def coverage_rate(insured: int, should_insure: int) -> Decimal:
    """参保率: the insured over those who should insure here (应参保人数)."""
    return ratio(insured, should_insure)


def _sum(values: I64, mask: Bools | None = None) -> int:
    return int(values.sum() if mask is None else values[mask].sum())


def expenditure_fen(facts: YearFacts) -> I64:
    v = facts.values
    total: I64 = v["hifp_pay"] + v["hifmi_pay"] + v["hifob_pay"] + v["acct_pay"]
    return total


def _ratios(facts: YearFacts) -> dict[str, Decimal]:
    v, stay = facts.values, facts.med == 2
    employee, resident = stay & facts.employee, stay & ~facts.employee
    key = stay & ((facts.groups & KEY_GROUP_MASK) != 0)
    left = (v["inscp_scp_amt"] - v["hifp_pay"] - v["hifob_pay"] - v["hifmi_pay"]
            - v["cvlserv_pay"])
    return {
        "inpatient_inscp_ratio_employee": ratio(
            _sum(v["hifp_pay"] + v["hifob_pay"], employee), _sum(v["inscp_scp_amt"], employee)),
        "inpatient_inscp_ratio_resident": ratio(
            _sum(v["hifp_pay"] + v["hifmi_pay"], resident), _sum(v["inscp_scp_amt"], resident)),
        "assistance_ratio_key_groups": ratio(_sum(v["maf_pay"], key), _sum(left, key)),
    }


def indicator_values(facts: YearFacts) -> dict[str, Decimal | int]:
    """The machine-readable indicators: money in Decimal yuan, ratios as fractions."""
    direct = np.isin(facts.offsite, DIRECT_OFFSITE)
    return {
        "year": facts.year,
        "insured": facts.insured_employee + facts.insured_resident,
        "insured_employee": facts.insured_employee,
        "insured_resident": facts.insured_resident,
        **({} if facts.should_insure is None else {
            "should_insure": facts.should_insure,
            "coverage_rate": coverage_rate(facts.insured_employee + facts.insured_resident,
                                           facts.should_insure)}),
        "fund_income": from_fen(facts.fund_income_fen),
        "fund_expenditure": from_fen(_sum(expenditure_fen(facts))),
        **_ratios(facts),
        "offsite_direct_settlements": int(direct.sum()),
        "offsite_direct_amount": from_fen(_sum(facts.values["medfee_sumamt"], direct)),
        "visits": len(facts.med),
        "inpatient_stays": int((facts.med == 2).sum()),
    }


def indicator_table(values: Mapping[str, Decimal | int | None]) -> tuple[Indicator, ...]:
    """The rows of the plan's table beside the 2025 targets of the Linshui plan (table 1)."""

    def row(key: str, label: str, unit: str, text: str, target: str | None = None) -> Indicator:
        value = values[key]
        goal = None if target is None else Decimal(target)
        met = None if goal is None or value is None else Decimal(value) >= goal
        return Indicator(key, label, value, unit, text, goal, met)

    drg = () if "inpatient_cost_share_drg" not in values else (
        row("inpatient_cost_share_drg", "住院费用按 DRG 结合点数法等非项目付费占比", "ratio",
            "70%", "0.70"),)
    offsite = tuple(row(key, label, "ratio", "70% 以上", "0.70")
                    for key, label in OFFSITE_RATES if key in values)
    coverage = () if "coverage_rate" not in values else (
        row("coverage_rate", "基本医疗保险参保率", "ratio", "稳定在 95% 以上", "0.95"),)
    return (
        *coverage,
        row("insured", "基本医疗保险参保人数", "count",
            "—" if coverage else "参保率稳定在 95% 以上"),
        row("insured_employee", "其中：职工医保", "count", "—"),
        row("insured_resident", "其中：城乡居民医保", "count", "—"),
        row("fund_income", "基本医疗保险基金收入", "yuan", "与经济社会发展水平相适应"),
        row("fund_expenditure", "基本医疗保险基金支出", "yuan", "与群众健康需求相适应"),
        row("inpatient_inscp_ratio_employee", "职工医保政策范围内住院费用基金支付比例",
            "ratio", "85% 保持稳定", "0.85"),
        row("inpatient_inscp_ratio_resident",
            "居民医保政策范围内住院费用基金支付比例（含大病保险）", "ratio",
            "70% 保持稳定", "0.70"),
        row("assistance_ratio_key_groups", "重点救助对象符合规定的住院医疗费用救助比例", "ratio",
            "70%", "0.70"),
        row("offsite_direct_settlements", "异地就医直接结算人次", "count",
            "—" if offsite else "直接结算率 70% 以上"),
        row("offsite_direct_amount", "异地就医直接结算金额", "yuan", "—"),
        *offsite,
        *drg,
    )


def fund_rows(fund: Mapping[str, Any] | None) -> tuple[Indicator, ...]:
    """Each fund's income and expenditure of the year as the ledger gives them (the `fund`
    block of the report, `yibao fund analyze`'s document), after the plan's rows; none
    without a block (a sum of several regions' reports)."""
    if not fund:
        return ()
    rows: list[Indicator] = []
    for code, figures in fund["funds"].items():
        name = CHART[AccountCode(code)].name
        year = figures["year"]
        if Decimal(year["income"]) == 0 and Decimal(year["expenditure"]) == 0:
            continue
        rows += [Indicator(f"fund_income:{code}", f"{name}收入", Decimal(year["income"]),
                           "yuan", "—"),
                 Indicator(f"fund_expenditure:{code}", f"{name}支出",
                           Decimal(year["expenditure"]), "yuan", "—")]
    return tuple(rows)


def monthly(facts: YearFacts) -> dict[str, list[Decimal]]:
    """Fund income, expenditure and the cumulative balance (income − expenditure) by month."""
    spent = np.zeros(13, dtype=np.int64)
    np.add.at(spent, facts.month, expenditure_fen(facts))
    income = [int(x) for x in facts.income_by_month_fen]
    out = [int(x) for x in spent[1:]]
    balance = np.cumsum(np.array(income, dtype=np.int64) - np.array(out, dtype=np.int64))
    return {"income": [from_fen(x) for x in income], "expenditure": [from_fen(x) for x in out],
            "balance": [from_fen(int(x)) for x in balance]}


def cost_by_level(facts: YearFacts) -> dict[str, list[Decimal]]:
    """Σ medfee by institution level (一/二/三级), split into outpatient, chronic and inpatient."""
    medfee = facts.values["medfee_sumamt"]
    return {name: [from_fen(_sum(medfee, (facts.lv == lv) & (facts.med == med)))
                   for lv in range(3)]
            for med, name in enumerate(("普通门诊", "门诊慢特病", "住院"))}


GROUP_NAMES: Final = ("特困", "低保", "返贫致贫", "监测对象", "低保边缘", "因病致贫", "脱贫")


def reimbursement_by_group(facts: YearFacts) -> list[dict[str, object]]:
    """For each scheme and assistance group: inpatient cost and the share the funds paid."""
    v, stay = facts.values, facts.med == 2
    paid = v["fund_pay_sumamt"]
    rows: list[dict[str, object]] = []
    for employee, scheme in ((True, "职工"), (False, "居民")):
        in_scheme = stay & (facts.employee == employee)
        masks = [("普通人群", in_scheme & (facts.groups == 0))] + [
            (name, in_scheme & ((facts.groups >> bit) & 1 == 1))
            for bit, name in enumerate(GROUP_NAMES)]
        for group, mask in masks:
            if not mask.any():
                continue
            rows.append({"scheme": scheme, "group": group, "stays": int(mask.sum()),
                         "medfee": from_fen(_sum(v["medfee_sumamt"], mask)),
                         "fund_share": ratio(_sum(paid, mask), _sum(v["medfee_sumamt"], mask)),
                         "inscp_share": ratio(_sum(paid, mask), _sum(v["inscp_scp_amt"], mask))})
    return rows
