"""The indicator table follows its stated definitions, checked on a tiny year computed by hand."""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from yibao.indicators.render import dumps_exact
from yibao.indicators.table import (
    YearFacts,
    indicator_table,
    indicator_values,
    monthly,
    ratio,
)


def arr(*values: int) -> np.ndarray:
    return np.array(values, dtype=np.int64)


# Four settled requests (fen):
#   0 employee inpatient, local:     inscp 10000, hifp 8000, hifob 500, acct 300
#   1 resident inpatient, dibao:     inscp 20000, hifp 12000, hifmi 1000, maf 4200 (left 7000)
#   2 resident outpatient, filed:    medfee 5000, hifp 1000
#   3 resident inpatient, referral, no group: inscp 30000, hifp 20000, hifmi 2000
FACTS = YearFacts(
    year=2020, insured_employee=3, insured_resident=7, fund_income_fen=123_456,
    income_by_month_fen=arr(100_000, *([2_000] * 11)),
    employee=np.array([True, False, False, False]), med=arr(2, 2, 0, 2), lv=arr(0, 1, 2, 2),
    offsite=arr(0, 0, 1, 2), groups=arr(0, 0b10, 0, 0), month=arr(1, 2, 2, 12),
    values={
        "medfee_sumamt": arr(12_000, 25_000, 5_000, 40_000),
        "inscp_scp_amt": arr(10_000, 20_000, 5_000, 30_000),
        "hifp_pay": arr(8_000, 12_000, 1_000, 20_000), "hifob_pay": arr(500, 0, 0, 0),
        "hifmi_pay": arr(0, 1_000, 0, 2_000), "cvlserv_pay": arr(0, 0, 0, 0),
        "maf_pay": arr(0, 4_200, 0, 0), "acct_pay": arr(300, 0, 0, 0),
        "fund_pay_sumamt": arr(8_500, 17_200, 1_000, 22_000),
    })


def test_values_by_definition() -> None:
    values = indicator_values(FACTS)
    assert values["insured"] == 10
    assert values["fund_income"] == Decimal("1234.56")
    # Σ hifp + hifmi + hifob + acct = 41000 + 3000 + 500 + 300 = 44800 fen
    assert values["fund_expenditure"] == Decimal("448.00")
    assert values["inpatient_inscp_ratio_employee"] == Decimal("0.85")  # 8500 / 10000
    # residents' stays: (12000 + 1000 + 20000 + 2000) / (20000 + 30000) = 0.7
    assert values["inpatient_inscp_ratio_resident"] == Decimal("0.7")
    # dibao stay: 4200 / (20000 − 12000 − 1000) = 0.6
    assert values["assistance_ratio_key_groups"] == Decimal("0.6")
    assert values["offsite_direct_settlements"] == 2  # filed and referral
    assert values["offsite_direct_amount"] == Decimal("450.00")  # 5000 + 40000 fen


def test_targets_and_json() -> None:
    rows = {row.key: row for row in indicator_table(indicator_values(FACTS))}
    assert rows["inpatient_inscp_ratio_employee"].met is True
    assert rows["assistance_ratio_key_groups"].met is False
    assert rows["insured"].met is None
    text = dumps_exact({"a": Decimal("865000000.10"), "b": [Decimal("0.700000")]})
    assert '"a": 865000000.10' in text and "0.700000" in text


def test_monthly_balance() -> None:
    flow = monthly(FACTS)
    assert flow["expenditure"][0] == Decimal("88.00")  # request 0: 8000 + 500 + 300
    assert flow["balance"][0] == Decimal("912.00")  # 1000.00 − 88.00
    assert flow["balance"][-1] == Decimal(1220) - Decimal("448.00")


def test_ratio_rounds_half_up() -> None:
    assert ratio(1, 8) == Decimal("0.125")
    assert ratio(1, 3) == Decimal("0.333333")
    assert ratio(2, 3) == Decimal("0.666667")
    assert ratio(0, 0) == Decimal(0)


def test_coverage_rate_from_those_who_should_insure() -> None:
    from dataclasses import replace

    values = indicator_values(replace(FACTS, should_insure=11))
    assert values["coverage_rate"] == Decimal("0.909091")  # 10 insured / 11, half up at 6 places
    rows = {row.key: row for row in indicator_table(values)}
    assert rows["coverage_rate"].met is False  # below the plan's 95 %
    assert rows["coverage_rate"].label == "基本医疗保险参保率"
    assert "coverage_rate" not in indicator_values(FACTS)  # no denominator, no rate


def test_the_linshui_profile_names_a_denominator_scaled_as_the_quotas() -> None:
    from yibao.sim.profile import load_profile

    profile = load_profile("linshui-2020")
    assert profile.should_insure(1.0) == 880_000
    assert profile.should_insure(0.1) == 88_000
    assert load_profile("sichuan-2020").should_insure(1.0) == 104_000  # its own placeholder


def test_a_profile_without_or_with_a_bad_denominator() -> None:
    from dataclasses import replace

    import pytest

    from yibao.sim.profile import ProfileError, load_profile

    profile = load_profile("linshui-2020")
    without = {k: v for k, v in profile.population.items() if k != "should_insure"}
    assert replace(profile, population=without).should_insure(1.0) is None
    with pytest.raises(ProfileError, match="should_insure"):
        replace(profile, population={**without, "should_insure": 0}).should_insure(1.0)


def test_fund_rows_follow_the_ledgers_year() -> None:
    from yibao.indicators.table import fund_rows

    year = {"income": "100.00", "expenditure": "90.50", "balance_open": "0.00",
            "balance_close": "9.50", "current_ratio": "0.9050", "months_payable": "1.2597",
            "level": "insufficient"}
    idle = {**year, "income": "0.00", "expenditure": "0.00"}
    rows = fund_rows({"funds": {"resident_pool": {"year": year},
                                "civil_servant": {"year": idle}}})
    assert [(r.key, r.label, r.value) for r in rows] == [
        ("fund_income:resident_pool", "居民医保统筹基金收入", Decimal("100.00")),
        ("fund_expenditure:resident_pool", "居民医保统筹基金支出", Decimal("90.50"))]
    assert fund_rows(None) == ()  # a sum of several regions' reports has no ledger block
