"""Worked examples, each computed by hand from docs/settlement.md, agree with the engine to the
cent.

Every expected number below was worked out on paper from the contract (§2 rounding, §3 steps,
§4 output), not copied from the engine. The arithmetic sits in the comments next to each case;
"→" marks a half-up rounding to the cent. Each case runs against a small policy written here as
TOML text (or, once, the shipped 511623-2024), so the numbers it uses are visible beside it.
Every output money field, `pool_prop_selfpay` (numerically), every `setldetail` row
(fund_pay_type, inscp_scp_amt, crt_payb_lmt_amt, fund_payamt) and the whole `ytd_after` are
checked; `setl_proc_info` is free text and is not compared.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

import pytest

from yibao.policy.loader import load_policy, parse_policy
from yibao.policy.model import Policy
from yibao.settle.engine import settle
from yibao.settle.request import parse_request

# --------------------------------------------------------------------------------------------
# Helpers: request documents and expected outputs, written out field by field.
# --------------------------------------------------------------------------------------------

INSUTYPE = {"resident": "390", "in_service": "310", "retired": "310"}
YTD_MONEY = ("hifp_paid", "op_hifp_paid", "op_dedc_used", "si_base", "hifmi_paid", "hifob_paid",
             "cvlserv_paid", "maf_dedc_used", "maf_paid")


def fee(sn: str, lv: str, cnt: str, pric: str, *, prop: str | None = None,
        cap: str | None = None) -> dict[str, str]:
    """One fee line; `prop` is selfpay_prop, `cap` is pric_uplmt_amt."""
    line = {"feedetl_sn": sn, "hilist_code": f"CODE{sn}", "chrg_itm_lv": lv, "cnt": cnt,
            "pric": pric}
    if prop is not None:
        line["selfpay_prop"] = prop
    if cap is not None:
        line["pric_uplmt_amt"] = cap
    return line


def request(policy: str, psn_type: str, med_type: str, hosp_lv: str, fees: list[dict[str, str]],
            *, offsite: str | None = None, groups: tuple[str, ...] = (),
            civil_servant: bool = False, ytd: dict[str, Any] | None = None,
            acct_balc: str | None = None, use_acct: bool = False) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "policy": policy,
        "person": {"psn_no": "P0001", "insutype": INSUTYPE[psn_type], "psn_type": psn_type,
                   "groups": list(groups), "civil_servant": civil_servant},
        "visit": {"mdtrt_id": "M0001", "med_type": med_type, "hosp_lv": hosp_lv,
                  "begndate": "2024-03-01", "enddate": "2024-03-09"},
        "fees": fees,
        "use_acct": use_acct,
    }
    if offsite is not None:
        doc["visit"]["offsite"] = offsite
    if ytd is not None:
        doc["ytd"] = ytd
    if acct_balc is not None:
        doc["acct_balc"] = acct_balc
    return doc


def money(*, medfee_sumamt: str, fulamt_ownpay_amt: str, overlmt_selfpay: str,
          preselfpay_amt: str, inscp_scp_amt: str, act_pay_dedc: str, hifp_pay: str,
          pool_prop_selfpay: str, hifob_pay: str, hifmi_pay: str, cvlserv_pay: str,
          maf_pay: str, fund_pay_sumamt: str, psn_part_amt: str, acct_pay: str,
          psn_cash_pay: str, balc: str) -> dict[str, str]:
    """All seventeen §4 amounts; every one must be given (no defaults)."""
    return dict(locals())


def ytd(admissions: int = 0, **amounts: str) -> dict[str, Any]:
    """A full `ytd_after`: accumulators not named are expected to be exactly "0.00"."""
    unknown = set(amounts) - set(YTD_MONEY)
    assert not unknown, unknown
    return {"admissions": admissions, **{key: amounts.get(key, "0.00") for key in YTD_MONEY}}


Row = tuple[str, str, str | None, str]  # fund_pay_type, inscp_scp_amt, crt_payb_lmt_amt, paid


@dataclass(frozen=True)
class Case:
    name: str
    policy: str  # TOML text, or the id of a shipped policy
    request: dict[str, Any]
    money: dict[str, str]
    setldetail: tuple[Row, ...]
    ytd_after: dict[str, Any]


def policy_of(case: Case) -> Policy:
    if case.policy.lstrip().startswith("["):
        return parse_policy(case.policy, f"<{case.name}>")
    return load_policy(case.policy)


# --------------------------------------------------------------------------------------------
# Policy A: residents, inpatient + ordinary outpatient, serious illness (no tilt), 低保 aid.
# No [offsite] section (every delta 0) and no [resident.chronic] (chronic is uncovered).
# --------------------------------------------------------------------------------------------

POLICY_A = """
[policy]
id = "990001-2024"
region = "990001"
year = 2024
class_b_selfpay = "0.10"

[resident.inpatient]
deductible = { "1" = "100", "2" = "250", "3" = "625.25" }
ratio = { "1" = "0.85", "2" = "0.77", "3" = "0.65" }
annual_cap = "220000"
repeat_admission_factor = "0.5"

[resident.outpatient]
deductible = { "1" = "0", "2" = "50", "3" = "100" }
ratio = { "1" = "0.50", "2" = "0.50", "3" = "0.50" }
annual_cap = "400"

[resident.serious_illness]
threshold = "12500"
tiers = [
  { above = "0", ratio = "0.55" },
  { above = "50000", ratio = "0.65" },
  { above = "100000", ratio = "0.75" },
]
annual_cap = "300000"

[assistance.groups.dibao]
threshold = "0"
ratio = "0.70"
annual_cap = "50000"
"""

CASES_A = [
    # Resident, level 2, first admission, no ytd (all zero), no groups.
    # Step 1, line by line (a = cnt × pric →):
    #   1 甲 3 × 12.345 = 37.035 → 37.04                       in-policy 37.04
    #   2 乙 3 × 333.335 = 1000.005 → 1000.01, cap 300:
    #        o = (333.335 − 300) × 3 = 100.005 → 100.01; b = 1000.01 − 100.01 = 900.00
    #        p = 900.00 × 0.10 (class_b_selfpay) = 90.00;   in-policy 810.00
    #   3 乙 1 × 99.99 = 99.99, selfpay_prop 0.125:
    #        p = 99.99 × 0.125 = 12.49875 → 12.50;           in-policy 87.49
    #   4 丙 2 × 40.125 = 80.25                               全自费 80.25
    #   5 甲 1.5 × 200 = 300.00, cap 180.50:
    #        o = 19.50 × 1.5 = 29.25; b = 270.75              in-policy 270.75
    #   6 甲 2 × 50 = 100.00, cap 60 above the price: o = max(0, −20) = 0; in-policy 100.00
    #   medfee = 37.04 + 1000.01 + 99.99 + 80.25 + 300.00 + 100.00 = 1617.29
    #   fulamt 80.25; overlmt 100.01 + 29.25 = 129.26; pre 90.00 + 12.50 = 102.50
    #   inscp = 37.04 + 810.00 + 87.49 + 270.75 + 100.00 = 1305.28
    #   check: 80.25 + 129.26 + 102.50 + 1305.28 = 1617.29
    # Step 2: d = 250 (admissions 0); act_pay_dedc = min(1305.28, 250) = 250.00
    # Step 3: r = 0.77; want = 1055.28 × 0.77 = 812.5656 → 812.57; room 220000 → hifp 812.57
    # Step 5: e = 1305.28 − 812.57 = 492.71; (0, 492.71] lies below T = 12500 → hifmi 0
    # Step 7: no group → 0.  Step 8: fund 812.57; psn_part 1617.29 − 812.57 = 804.72
    Case(
        "resident_inpatient_classes_and_price_caps",
        POLICY_A,
        request("990001-2024", "resident", "21", "2", [
            fee("1", "01", "3", "12.345"),
            fee("2", "02", "3", "333.335", cap="300"),
            fee("3", "02", "1", "99.99", prop="0.125"),
            fee("4", "03", "2", "40.125"),
            fee("5", "01", "1.5", "200", cap="180.50"),
            fee("6", "01", "2", "50", cap="60"),
        ]),
        money(medfee_sumamt="1617.29", fulamt_ownpay_amt="80.25", overlmt_selfpay="129.26",
              preselfpay_amt="102.50", inscp_scp_amt="1305.28", act_pay_dedc="250.00",
              hifp_pay="812.57", pool_prop_selfpay="0.77", hifob_pay="0.00",
              hifmi_pay="0.00", cvlserv_pay="0.00", maf_pay="0.00", fund_pay_sumamt="812.57",
              psn_part_amt="804.72", acct_pay="0.00", psn_cash_pay="804.72", balc="0.00"),
        (("390100", "1055.28", "220000.00", "812.57"),),
        ytd(1, hifp_paid="812.57", si_base="492.71"),
    ),
    # Second admission, level 3: ytd admissions 1, hifp_paid 5000, si_base 3000.
    # Step 1: 甲 1 × 4000.00 → inscp 4000.00
    # Step 2: d = 625.25 × 0.5 = 312.625 → 312.63; act_pay_dedc = 312.63
    # Step 3: r = 0.65; want = 3687.37 × 0.65 = 2396.7905 → 2396.79;
    #         room 220000 − 5000 = 215000 → hifp 2396.79
    # Step 5: e = 4000 − 2396.79 = 1603.21; B 3000 → 4603.21, below 12500 → 0
    # Step 8: fund 2396.79; psn_part 1603.21
    # Step 10: admissions 2; hifp_paid 5000 + 2396.79 = 7396.79; si_base 4603.21
    Case(
        "resident_second_admission_halves_deductible",
        POLICY_A,
        request("990001-2024", "resident", "21", "3", [fee("1", "01", "1", "4000.00")],
                ytd={"admissions": 1, "hifp_paid": "5000.00", "si_base": "3000.00"}),
        money(medfee_sumamt="4000.00", fulamt_ownpay_amt="0.00", overlmt_selfpay="0.00",
              preselfpay_amt="0.00", inscp_scp_amt="4000.00", act_pay_dedc="312.63",
              hifp_pay="2396.79", pool_prop_selfpay="0.65", hifob_pay="0.00",
              hifmi_pay="0.00", cvlserv_pay="0.00", maf_pay="0.00", fund_pay_sumamt="2396.79",
              psn_part_amt="1603.21", acct_pay="0.00", psn_cash_pay="1603.21", balc="0.00"),
        (("390100", "3687.37", "215000.00", "2396.79"),),
        ytd(2, hifp_paid="7396.79", si_base="4603.21"),
    ),
    # Crossing the basic cap (third admission), level 2: ytd admissions 2, hifp_paid 219000,
    # si_base 480000 (deep in the last tier), hifmi_paid 299000.
    # Step 1: 甲 5000.00 → inscp 5000.00
    # Step 2: d = 250 × 0.5 = 125.00
    # Step 3: want = 4875.00 × 0.77 = 3753.75; room = 220000 − 219000 = 1000.00 → hifp 1000.00
    #         (over_cap = 4875 − 1000/0.77 → 3576.30, but residents have no large-expense fund)
    # Step 5: e = 5000 − 1000 = 4000.00; (480000, 484000] lies in the tier above 12500 + 100000:
    #         4000.00 × 0.75 = 3000.00; room = 300000 − 299000 = 1000.00 → hifmi 1000.00
    # Step 8: fund 2000.00; psn_part 3000.00
    Case(
        "resident_crosses_basic_cap_and_serious_illness_cap",
        POLICY_A,
        request("990001-2024", "resident", "21", "2", [fee("1", "01", "1", "5000.00")],
                ytd={"admissions": 2, "hifp_paid": "219000.00", "si_base": "480000.00",
                     "hifmi_paid": "299000.00"}),
        money(medfee_sumamt="5000.00", fulamt_ownpay_amt="0.00", overlmt_selfpay="0.00",
              preselfpay_amt="0.00", inscp_scp_amt="5000.00", act_pay_dedc="125.00",
              hifp_pay="1000.00", pool_prop_selfpay="0.77", hifob_pay="0.00",
              hifmi_pay="1000.00", cvlserv_pay="0.00", maf_pay="0.00",
              fund_pay_sumamt="2000.00", psn_part_amt="3000.00", acct_pay="0.00",
              psn_cash_pay="3000.00", balc="0.00"),
        (("390100", "4875.00", "1000.00", "1000.00"),
         ("390200", "4000.00", "1000.00", "1000.00")),
        ytd(3, hifp_paid="220000.00", si_base="484000.00", hifmi_paid="300000.00"),
    ),
    # Serious illness: the cumulative base starts BELOW the threshold and ends in tier 2.
    # Level 1, first admission; ytd hifp_paid 215000 (chronic visits share the cap),
    # si_base 8000.08.
    # Step 1: 甲 3 × 23333.4433 = 70000.3299 → 70000.33 = inscp
    # Step 2: d = 100.00
    # Step 3: want = 69900.33 × 0.85 = 59415.2805 → 59415.28; room 220000 − 215000 = 5000.00
    #         → hifp 5000.00
    # Step 5: e = 70000.33 − 5000.00 = 65000.33; B0 8000.08 → B1 73000.41; T = 12500
    #         tier 1 (12500, 62500]:  (62500 − 12500) = 50000.00 × 0.55 = 27500.00
    #         tier 2 (62500, 112500]: (73000.41 − 62500) = 10500.41 × 0.65 = 6825.2665 → 6825.27
    #         claim 34325.27; room 300000 → hifmi 34325.27
    # Step 8: fund 5000.00 + 34325.27 = 39325.27; psn_part 70000.33 − 39325.27 = 30675.06
    Case(
        "serious_illness_from_below_threshold_into_second_tier",
        POLICY_A,
        request("990001-2024", "resident", "21", "1", [fee("1", "01", "3", "23333.4433")],
                ytd={"admissions": 0, "hifp_paid": "215000.00", "si_base": "8000.08"}),
        money(medfee_sumamt="70000.33", fulamt_ownpay_amt="0.00", overlmt_selfpay="0.00",
              preselfpay_amt="0.00", inscp_scp_amt="70000.33", act_pay_dedc="100.00",
              hifp_pay="5000.00", pool_prop_selfpay="0.85", hifob_pay="0.00",
              hifmi_pay="34325.27", cvlserv_pay="0.00", maf_pay="0.00",
              fund_pay_sumamt="39325.27", psn_part_amt="30675.06", acct_pay="0.00",
              psn_cash_pay="30675.06", balc="0.00"),
        (("390100", "69900.33", "5000.00", "5000.00"),
         ("390200", "65000.33", "300000.00", "34325.27")),
        ytd(1, hifp_paid="220000.00", si_base="73000.41", hifmi_paid="34325.27"),
    ),
    # Serious illness across two tiers, each tier's product rounded on its own:
    # level 1, second admission; si_base 61999.90 (inside tier 1), hifmi_paid 27224.95.
    # Step 1: 甲 4 × 2429.50 = 9718.00 = inscp
    # Step 2: d = 100 × 0.5 = 50.00
    # Step 3: want = 9668.00 × 0.85 = 8217.80; room 220000 → hifp 8217.80
    # Step 5: e = 9718.00 − 8217.80 = 1500.20; B0 61999.90 → B1 63500.10
    #         tier 1: (62500 − 61999.90) = 500.10 × 0.55 = 275.055 → 275.06
    #         tier 2: (63500.10 − 62500) = 1000.10 × 0.65 = 650.065 → 650.07
    #         claim 275.06 + 650.07 = 925.13 (rounding the exact sum 925.12 once would be wrong)
    #         room = 300000 − 27224.95 = 272775.05 → hifmi 925.13
    # Step 8: fund 8217.80 + 925.13 = 9142.93; psn_part 9718.00 − 9142.93 = 575.07
    Case(
        "serious_illness_two_tiers_each_product_rounded",
        POLICY_A,
        request("990001-2024", "resident", "21", "1", [fee("1", "01", "4", "2429.50")],
                ytd={"admissions": 1, "si_base": "61999.90", "hifmi_paid": "27224.95"}),
        money(medfee_sumamt="9718.00", fulamt_ownpay_amt="0.00", overlmt_selfpay="0.00",
              preselfpay_amt="0.00", inscp_scp_amt="9718.00", act_pay_dedc="50.00",
              hifp_pay="8217.80", pool_prop_selfpay="0.85", hifob_pay="0.00",
              hifmi_pay="925.13", cvlserv_pay="0.00", maf_pay="0.00",
              fund_pay_sumamt="9142.93", psn_part_amt="575.07", acct_pay="0.00",
              psn_cash_pay="575.07", balc="0.00"),
        (("390100", "9668.00", "220000.00", "8217.80"),
         ("390200", "1500.20", "272775.05", "925.13")),
        ytd(2, hifp_paid="8217.80", si_base="63500.10", hifmi_paid="28150.08"),
    ),
    # Ordinary outpatient (11) hitting its annual cap; level 2, a 低保 resident (assistance and
    # serious illness do not apply to 11). ytd: op_hifp_paid 350, op_dedc_used 20,
    # hifp_paid 3000, si_base 1000, admissions 1 (all three untouched by an outpatient visit).
    # Step 1: 甲 3 × 45.555 = 136.665 → 136.67; 乙 80.00, p = 8.00, in-policy 72.00
    #         medfee 216.67; pre 8.00; inscp 208.67
    # Step 2: act_pay_dedc = min(208.67, max(0, 50 − 20)) = 30.00
    # Step 3: r 0.50; want = 178.67 × 0.50 = 89.335 → 89.34; room = 400 − 350 = 50.00 → 50.00
    # Step 8: fund 50.00; psn_part 166.67
    # Step 10: op_hifp_paid 400.00; op_dedc_used 50.00
    Case(
        "resident_outpatient_hits_annual_cap",
        POLICY_A,
        request("990001-2024", "resident", "11", "2",
                [fee("1", "01", "3", "45.555"), fee("2", "02", "1", "80.00")],
                groups=("dibao",),
                ytd={"admissions": 1, "hifp_paid": "3000.00", "op_hifp_paid": "350.00",
                     "op_dedc_used": "20.00", "si_base": "1000.00"}),
        money(medfee_sumamt="216.67", fulamt_ownpay_amt="0.00", overlmt_selfpay="0.00",
              preselfpay_amt="8.00", inscp_scp_amt="208.67", act_pay_dedc="30.00",
              hifp_pay="50.00", pool_prop_selfpay="0.50", hifob_pay="0.00",
              hifmi_pay="0.00", cvlserv_pay="0.00", maf_pay="0.00", fund_pay_sumamt="50.00",
              psn_part_amt="166.67", acct_pay="0.00", psn_cash_pay="166.67", balc="0.00"),
        (("390100", "178.67", "50.00", "50.00"),),
        ytd(1, hifp_paid="3000.00", op_hifp_paid="400.00", op_dedc_used="50.00",
            si_base="1000.00"),
    ),
    # Uncovered benefit: policy A has no [resident.chronic]. A 低保 resident, chronic (14),
    # level 1; ytd si_base 12000, maf_paid 49900, op_dedc_used 10.
    # Step 1: 甲 2 × 400.005 = 800.01 = inscp
    # Steps 2–3: uncovered → act_pay_dedc 0, hifp 0, r 0, over_cap 0
    # Step 5: e = 800.01; B 12000 → 12800.01; tier 1: 300.01 × 0.55 = 165.0055 → 165.01;
    #         room 300000 → hifmi 165.01
    # Step 7: dibao; m = 800.01 − 0 − 0 − 165.01 − 0 = 635.00; t = min(635, max(0, 0 − 0)) = 0
    #         maf = min(635.00 × 0.70 = 444.50, 50000 − 49900 = 100.00) = 100.00
    # Step 8: fund 265.01; psn_part 800.01 − 265.01 = 535.00
    # Step 10: op_dedc_used 10 + 0 = 10.00; si_base 12800.01; maf_paid 50000.00
    Case(
        "uncovered_resident_chronic_still_runs_serious_illness_and_aid",
        POLICY_A,
        request("990001-2024", "resident", "14", "1", [fee("1", "01", "2", "400.005")],
                groups=("dibao",),
                ytd={"si_base": "12000.00", "maf_paid": "49900.00", "op_dedc_used": "10.00"}),
        money(medfee_sumamt="800.01", fulamt_ownpay_amt="0.00", overlmt_selfpay="0.00",
              preselfpay_amt="0.00", inscp_scp_amt="800.01", act_pay_dedc="0.00",
              hifp_pay="0.00", pool_prop_selfpay="0", hifob_pay="0.00",
              hifmi_pay="165.01", cvlserv_pay="0.00", maf_pay="100.00",
              fund_pay_sumamt="265.01", psn_part_amt="535.00", acct_pay="0.00",
              psn_cash_pay="535.00", balc="0.00"),
        (("390200", "800.01", "300000.00", "165.01"),
         ("610100", "635.00", "100.00", "100.00")),
        ytd(0, op_dedc_used="10.00", si_base="12800.01", hifmi_paid="165.01",
            maf_paid="50000.00"),
    ),
]

# --------------------------------------------------------------------------------------------
# Policy B: employees, inpatient only, large expense, civil servant, account (not self-pay items).
# --------------------------------------------------------------------------------------------

POLICY_B = """
[policy]
id = "990002-2024"
region = "990002"
year = 2024
class_b_selfpay = "0.10"

[employee.inpatient]
deductible = { "1" = "200", "2" = "450", "3" = "750" }
ratio = { "1" = "0.92", "2" = "0.88", "3" = "0.84" }
retired_ratio_add = "0.03"
annual_cap = "150000"
repeat_admission_factor = "0.5"

[employee.large_expense]
ratio = "0.90"
annual_cap = "400000"

[employee.civil_servant]
ratio = "0.50"
annual_cap = "50000"

[employee.account]
pays_selfpay_items = false
"""

CASES_B = [
    # Employee (in service), level 3, first admission, ytd hifp_paid 140000; account 10000.
    # Step 1: 甲 30000.00 in-policy; 丙 500.00 全自费 → medfee 30500.00, inscp 30000.00
    # Step 2: d = 750.00
    # Step 3: r 0.84; want = 29250.00 × 0.84 = 24570.00; room 150000 − 140000 = 10000.00
    #         → hifp 10000.00; cap binds: over_cap = 29250 − 10000/0.84
    #         = 29250 − 11904.7619047… = 17345.2380952… → 17345.24
    # Step 4: hifob = min(17345.24 × 0.90 = 15610.716 → 15610.72, 400000) = 15610.72
    # Step 8: fund 25610.72; psn_part 30500.00 − 25610.72 = 4889.28
    # Step 9: may pay 4889.28 − 500.00 − 0 = 4389.28 < 10000 → acct 4389.28; balc 5610.72;
    #         cash 500.00
    Case(
        "employee_crosses_basic_cap_large_expense_and_account",
        POLICY_B,
        request("990002-2024", "in_service", "21", "3",
                [fee("1", "01", "1", "30000.00"), fee("2", "03", "1", "500.00")],
                ytd={"hifp_paid": "140000.00"}, acct_balc="10000.00", use_acct=True),
        money(medfee_sumamt="30500.00", fulamt_ownpay_amt="500.00", overlmt_selfpay="0.00",
              preselfpay_amt="0.00", inscp_scp_amt="30000.00", act_pay_dedc="750.00",
              hifp_pay="10000.00", pool_prop_selfpay="0.84", hifob_pay="15610.72",
              hifmi_pay="0.00", cvlserv_pay="0.00", maf_pay="0.00",
              fund_pay_sumamt="25610.72", psn_part_amt="4889.28", acct_pay="4389.28",
              psn_cash_pay="500.00", balc="5610.72"),
        (("310100", "29250.00", "10000.00", "10000.00"),
         ("330100", "17345.24", "400000.00", "15610.72")),
        ytd(1, hifp_paid="150000.00", hifob_paid="15610.72"),
    ),
    # Employee already above the basic cap (ytd hifp_paid 151000 > 150000) and near the
    # large-expense cap (hifob_paid 399000); level 1, first admission.
    # Step 1: 甲 2000.00 = inscp.  Step 2: d = 200.00
    # Step 3: r 0.92; want = 1800.00 × 0.92 = 1656.00; room = 150000 − 151000 = −1000 → 0
    #         → hifp 0.00 < want, so over_cap = 1800.00 − 0/0.92 = 1800.00
    # Step 4: min(1800.00 × 0.90 = 1620.00, 400000 − 399000 = 1000.00) = 1000.00
    # Step 8: fund 1000.00; psn_part 1000.00 (no pooling row: hifp is 0)
    Case(
        "employee_above_basic_cap_large_expense_capped",
        POLICY_B,
        request("990002-2024", "in_service", "21", "1", [fee("1", "01", "1", "2000.00")],
                ytd={"hifp_paid": "151000.00", "hifob_paid": "399000.00"}),
        money(medfee_sumamt="2000.00", fulamt_ownpay_amt="0.00", overlmt_selfpay="0.00",
              preselfpay_amt="0.00", inscp_scp_amt="2000.00", act_pay_dedc="200.00",
              hifp_pay="0.00", pool_prop_selfpay="0.92", hifob_pay="1000.00",
              hifmi_pay="0.00", cvlserv_pay="0.00", maf_pay="0.00",
              fund_pay_sumamt="1000.00", psn_part_amt="1000.00", acct_pay="0.00",
              psn_cash_pay="1000.00", balc="0.00"),
        (("330100", "1800.00", "1000.00", "1000.00"),),
        ytd(1, hifp_paid="151000.00", hifob_paid="400000.00"),
    ),
    # Retired civil servant, level 2, second admission; ytd hifp_paid 145000,
    # cvlserv_paid 49000; account balance 800.00 (less than the account may pay).
    # Step 1: 1 甲 20000.00                                  in-policy 20000.00
    #         2 乙 1000.00, class_b 0.10: p = 100.00         in-policy 900.00
    #         3 丙 300.00                                    全自费 300.00
    #         4 甲 2 × 150.00 = 300.00, cap 120: o = 30 × 2 = 60.00; in-policy 240.00
    #         medfee 21600.00; fulamt 300.00; overlmt 60.00; pre 100.00; inscp 21140.00
    # Step 2: d = 450 × 0.5 = 225.00
    # Step 3: r = 0.88 + 0.03 = 0.91; want = 20915.00 × 0.91 = 19032.65;
    #         room 150000 − 145000 = 5000.00 → hifp 5000.00
    #         over_cap = 20915 − 5000/0.91 = 20915 − 5494.5054945… = 15420.4945… → 15420.49
    # Step 4: hifob = 15420.49 × 0.90 = 13878.441 → 13878.44 (room 400000)
    # Step 6: base = 21140.00 − 5000.00 − 13878.44 = 2261.56; × 0.50 = 1130.78;
    #         room 50000 − 49000 = 1000.00 → cvlserv 1000.00
    # Step 8: fund 5000.00 + 13878.44 + 1000.00 = 19878.44; psn_part 21600 − 19878.44 = 1721.56
    # Step 9: may pay 1721.56 − 300.00 − 60.00 = 1361.56; balance 800.00 → acct 800.00;
    #         balc 0.00; cash 1721.56 − 800.00 = 921.56
    Case(
        "retired_civil_servant_large_expense_and_short_account",
        POLICY_B,
        request("990002-2024", "retired", "21", "2", [
            fee("1", "01", "1", "20000.00"),
            fee("2", "02", "1", "1000.00"),
            fee("3", "03", "1", "300.00"),
            fee("4", "01", "2", "150.00", cap="120.00"),
        ], civil_servant=True, acct_balc="800.00", use_acct=True,
            ytd={"admissions": 1, "hifp_paid": "145000.00", "cvlserv_paid": "49000.00"}),
        money(medfee_sumamt="21600.00", fulamt_ownpay_amt="300.00", overlmt_selfpay="60.00",
              preselfpay_amt="100.00", inscp_scp_amt="21140.00", act_pay_dedc="225.00",
              hifp_pay="5000.00", pool_prop_selfpay="0.91", hifob_pay="13878.44",
              hifmi_pay="0.00", cvlserv_pay="1000.00", maf_pay="0.00",
              fund_pay_sumamt="19878.44", psn_part_amt="1721.56", acct_pay="800.00",
              psn_cash_pay="921.56", balc="0.00"),
        (("310100", "20915.00", "5000.00", "5000.00"),
         ("330100", "15420.49", "400000.00", "13878.44"),
         ("320100", "2261.56", "1000.00", "1000.00")),
        ytd(2, hifp_paid="150000.00", hifob_paid="13878.44", cvlserv_paid="50000.00"),
    ),
    # Uncovered benefit for an employee: policy B has no [employee.chronic]. A civil servant,
    # chronic (14), level 2, no ytd.
    # Step 1: 甲 1000.00 = inscp.  Steps 2–3: 0, 0, r 0, over_cap 0
    # Step 4: min(0 × 0.90, 400000) = 0 (no row)
    # Step 6: (1000.00 − 0 − 0) × 0.50 = 500.00; room 50000 → cvlserv 500.00
    # Step 8: fund 500.00; psn_part 500.00.  Step 10: admissions stay 0 (not 21)
    Case(
        "uncovered_employee_chronic_civil_servant_still_pays",
        POLICY_B,
        request("990002-2024", "in_service", "14", "2", [fee("1", "01", "1", "1000.00")],
                civil_servant=True),
        money(medfee_sumamt="1000.00", fulamt_ownpay_amt="0.00", overlmt_selfpay="0.00",
              preselfpay_amt="0.00", inscp_scp_amt="1000.00", act_pay_dedc="0.00",
              hifp_pay="0.00", pool_prop_selfpay="0", hifob_pay="0.00",
              hifmi_pay="0.00", cvlserv_pay="500.00", maf_pay="0.00",
              fund_pay_sumamt="500.00", psn_part_amt="500.00", acct_pay="0.00",
              psn_cash_pay="500.00", balc="0.00"),
        (("320100", "1000.00", "50000.00", "500.00"),),
        ytd(0, cvlserv_paid="500.00"),
    ),
]

# --------------------------------------------------------------------------------------------
# Policy C: residents with serious-illness tilt (倾斜) and two assistance groups. The TOML lists
# jianche before dibao on purpose: the contract's order (tekun, dibao, …, jianche, …) decides.
# --------------------------------------------------------------------------------------------

POLICY_C = """
[policy]
id = "990003-2024"
region = "990003"
year = 2024
class_b_selfpay = "0.10"

[resident.inpatient]
deductible = { "1" = "200", "2" = "300", "3" = "800" }
ratio = { "1" = "0.80", "2" = "0.70", "3" = "0.60" }
annual_cap = "100000"

[resident.serious_illness]
threshold = "12345.67"
tiers = [ { above = "0", ratio = "0.60" }, { above = "3000.10", ratio = "0.97" } ]
annual_cap = "1000"

[resident.serious_illness.tilt]
groups = ["tekun", "dibao", "fanpin"]
threshold_factor = "0.5"
ratio_add = "0.05"
no_cap = true

[assistance.groups.jianche]
threshold = "2000"
ratio = "0.60"
annual_cap = "30000"

[assistance.groups.dibao]
threshold = "100"
ratio = "0.70"
annual_cap = "50000"
"""

C_FEES = [fee("1", "01", "1", "20000.00"), fee("2", "03", "1", "500.00")]
C_YTD = {"admissions": 0, "si_base": "5000.01", "hifmi_paid": "999.00", "maf_dedc_used": "40.00"}

CASES_C = [
    # A 低保 person also in 监测 (listed first), level 2, first admission.
    # ytd si_base 5000.01, hifmi_paid 999.00 (room under the cap only 1.00), maf_dedc_used 40.
    # Step 1: 甲 20000.00 in-policy, 丙 500.00 全自费 → medfee 20500.00, inscp 20000.00
    # Step 2: d = 300.00.  Step 3: want = 19700.00 × 0.70 = 13790.00; room 100000 → 13790.00
    # Step 5 (tilted): e = 20000.00 − 13790.00 = 6210.00; B0 5000.01 → B1 11210.01
    #         T' = 12345.67 × 0.5 = 6172.835 → 6172.84; ratios 0.60 + 0.05 = 0.65 and
    #         min(1, 0.97 + 0.05) = 1; bands (6172.84, 9172.94] and (9172.94, ∞)
    #         tier 1: (9172.94 − 6172.84) = 3000.10 × 0.65 = 1950.065 → 1950.07
    #         tier 2: (11210.01 − 9172.94) = 2037.07 × 1 = 2037.07
    #         claim 3987.14; no_cap → the 1.00 room does not apply; hifmi 3987.14, room null
    # Step 7: first of tekun, dibao, … that the policy names → dibao
    #         m = 20000.00 − 13790.00 − 0 − 3987.14 − 0 = 2222.86
    #         t = min(2222.86, max(0, 100 − 40)) = 60.00
    #         maf = min(2162.86 × 0.70 = 1514.002 → 1514.00, 50000) = 1514.00
    # Step 8: fund 13790.00 + 3987.14 + 1514.00 = 19291.14; psn_part 20500 − 19291.14 = 1208.86
    # Step 10: si_base 11210.01; hifmi_paid 999 + 3987.14 = 4986.14; maf_dedc_used 100.00
    Case(
        "dibao_serious_illness_tilt_and_assistance",
        POLICY_C,
        request("990003-2024", "resident", "21", "2", C_FEES, groups=("jianche", "dibao"),
                ytd=C_YTD),
        money(medfee_sumamt="20500.00", fulamt_ownpay_amt="500.00", overlmt_selfpay="0.00",
              preselfpay_amt="0.00", inscp_scp_amt="20000.00", act_pay_dedc="300.00",
              hifp_pay="13790.00", pool_prop_selfpay="0.70", hifob_pay="0.00",
              hifmi_pay="3987.14", cvlserv_pay="0.00", maf_pay="1514.00",
              fund_pay_sumamt="19291.14", psn_part_amt="1208.86", acct_pay="0.00",
              psn_cash_pay="1208.86", balc="0.00"),
        (("390100", "19700.00", "100000.00", "13790.00"),
         ("390200", "6210.00", None, "3987.14"),
         ("610100", "2162.86", "50000.00", "1514.00")),
        ytd(1, hifp_paid="13790.00", si_base="11210.01", hifmi_paid="4986.14",
            maf_dedc_used="100.00", maf_paid="1514.00"),
    ),
    # The same stay for a person only in 监测 (no tilt): T = 12345.67 is not reached.
    # Steps 1–3 as above: inscp 20000.00, hifp 13790.00.
    # Step 5: B0 5000.01 → B1 11210.01 ≤ 12345.67 → hifmi 0 (si_base still grows by 6210.00)
    # Step 7: jianche; m = 6210.00; t = min(6210.00, max(0, 2000 − 40)) = 1960.00;
    #         maf = min(4250.00 × 0.60 = 2550.00, 30000) = 2550.00
    # Step 8: fund 16340.00; psn_part 4160.00.  Step 10: maf_dedc_used 40 + 1960 = 2000.00
    Case(
        "jianche_without_tilt_assistance_threshold",
        POLICY_C,
        request("990003-2024", "resident", "21", "2", C_FEES, groups=("jianche",), ytd=C_YTD),
        money(medfee_sumamt="20500.00", fulamt_ownpay_amt="500.00", overlmt_selfpay="0.00",
              preselfpay_amt="0.00", inscp_scp_amt="20000.00", act_pay_dedc="300.00",
              hifp_pay="13790.00", pool_prop_selfpay="0.70", hifob_pay="0.00",
              hifmi_pay="0.00", cvlserv_pay="0.00", maf_pay="2550.00",
              fund_pay_sumamt="16340.00", psn_part_amt="4160.00", acct_pay="0.00",
              psn_cash_pay="4160.00", balc="0.00"),
        (("390100", "19700.00", "100000.00", "13790.00"),
         ("610100", "4250.00", "30000.00", "2550.00")),
        ytd(1, hifp_paid="13790.00", si_base="11210.01", hifmi_paid="999.00",
            maf_dedc_used="2000.00", maf_paid="2550.00"),
    ),
]

# --------------------------------------------------------------------------------------------
# Policy D: employee outpatient and chronic, 低保 aid; the account may pay self-pay items too.
# --------------------------------------------------------------------------------------------

POLICY_D = """
[policy]
id = "990004-2024"
region = "990004"
year = 2024
class_b_selfpay = "0.10"

[employee.outpatient]
deductible = { "1" = "200", "2" = "200", "3" = "200" }
ratio = { "1" = "0.60", "2" = "0.60", "3" = "0.50" }
retired_ratio_add = "0.10"
annual_cap = "2000"

[employee.chronic]
deductible = { "1" = "300", "2" = "300", "3" = "300" }
ratio = { "1" = "0.85", "2" = "0.80", "3" = "0.75" }
retired_ratio_add = "0.05"
annual_cap = "150000"

[employee.account]
pays_selfpay_items = true

[assistance.groups.dibao]
threshold = "0"
ratio = "0.70"
annual_cap = "50000"
"""

CASES_D = [
    # Employee outpatient (11), level 3; ytd op_dedc_used 150; account 1000.00.
    # Step 1: 甲 300.01 in-policy; 丙 20.00 全自费 → medfee 320.01, inscp 300.01
    # Step 2: act_pay_dedc = min(300.01, max(0, 200 − 150)) = 50.00
    # Step 3: r 0.50; want = 250.01 × 0.50 = 125.005 → 125.01 (half-up); room 2000 → 125.01
    # Step 8: fund 125.01; psn_part 195.00
    # Step 9: pays_selfpay_items → may pay all 195.00 ≤ 1000 → acct 195.00; balc 805.00; cash 0
    # Step 10: op_hifp_paid 125.01; op_dedc_used 200.00; admissions stay 0
    Case(
        "employee_outpatient_account_pays_selfpay_items",
        POLICY_D,
        request("990004-2024", "in_service", "11", "3",
                [fee("1", "01", "1", "300.01"), fee("2", "03", "1", "20.00")],
                ytd={"op_dedc_used": "150.00"}, acct_balc="1000.00", use_acct=True),
        money(medfee_sumamt="320.01", fulamt_ownpay_amt="20.00", overlmt_selfpay="0.00",
              preselfpay_amt="0.00", inscp_scp_amt="300.01", act_pay_dedc="50.00",
              hifp_pay="125.01", pool_prop_selfpay="0.50", hifob_pay="0.00",
              hifmi_pay="0.00", cvlserv_pay="0.00", maf_pay="0.00", fund_pay_sumamt="125.01",
              psn_part_amt="195.00", acct_pay="195.00", psn_cash_pay="0.00", balc="805.00"),
        (("310100", "250.01", "2000.00", "125.01"),),
        ytd(0, op_hifp_paid="125.01", op_dedc_used="200.00"),
    ),
    # Retired 低保 employee, chronic (14), level 1: the yearly deductible is shared with
    # outpatient (op_dedc_used 150) and the cap with inpatient (hifp_paid 149900; op_hifp_paid
    # 500 is outpatient's and does not count). Account balance 50.00, use_acct false.
    # Step 1: 甲 1000.00 = inscp
    # Step 2: act_pay_dedc = min(1000.00, max(0, 300 − 150)) = 150.00
    # Step 3: r = 0.85 + 0.05 = 0.90; want = 850.00 × 0.90 = 765.00;
    #         room 150000 − 149900 = 100.00 → hifp 100.00 (no large-expense section: over_cap
    #         850 − 100/0.90 → 738.89 goes nowhere)
    # Step 7: dibao: m = 1000.00 − 100.00 = 900.00; t = 0; maf = 900.00 × 0.70 = 630.00
    # Step 8: fund 730.00; psn_part 270.00.  Step 9: no use_acct → acct 0; balc = 50.00
    # Step 10: hifp_paid 150000.00; op_dedc_used 300.00; admissions unchanged; maf_paid 630.00
    Case(
        "retired_employee_chronic_shares_deductible_and_cap_with_aid",
        POLICY_D,
        request("990004-2024", "retired", "14", "1", [fee("1", "01", "1", "1000.00")],
                groups=("dibao",), acct_balc="50.00",
                ytd={"hifp_paid": "149900.00", "op_hifp_paid": "500.00",
                     "op_dedc_used": "150.00"}),
        money(medfee_sumamt="1000.00", fulamt_ownpay_amt="0.00", overlmt_selfpay="0.00",
              preselfpay_amt="0.00", inscp_scp_amt="1000.00", act_pay_dedc="150.00",
              hifp_pay="100.00", pool_prop_selfpay="0.90", hifob_pay="0.00",
              hifmi_pay="0.00", cvlserv_pay="0.00", maf_pay="630.00", fund_pay_sumamt="730.00",
              psn_part_amt="270.00", acct_pay="0.00", psn_cash_pay="270.00", balc="50.00"),
        (("310100", "850.00", "100.00", "100.00"),
         ("610100", "900.00", "50000.00", "630.00")),
        ytd(0, hifp_paid="150000.00", op_hifp_paid="500.00", op_dedc_used="300.00",
            maf_paid="630.00"),
    ),
]

# --------------------------------------------------------------------------------------------
# Policy E: offsite deltas (local left at its default "0"); employee inpatient, retirees +0.10.
# --------------------------------------------------------------------------------------------

POLICY_E = """
[policy]
id = "990005-2024"
region = "990005"
year = 2024
class_b_selfpay = "0.10"

[offsite]
filed = "-0.05"
referral = "-0.10"
temporary = "-0.20"
unfiled = "-0.90"

[employee.inpatient]
deductible = { "1" = "100", "2" = "100", "3" = "100" }
ratio = { "1" = "0.80", "2" = "0.95", "3" = "0.80" }
retired_ratio_add = "0.10"
annual_cap = "150000"
"""


def offsite_case(psn_type: str, lv: str, offsite: str, ratio: str, hifp: str) -> Case:
    """甲 1000.07, d 100.00 → base 900.07; hifp = 900.07 × r; psn_part = 1000.07 − hifp."""
    psn = str(Decimal("1000.07") - Decimal(hifp))
    rows = (("310100", "900.07", "150000.00", hifp),) if Decimal(hifp) else ()
    return Case(
        f"offsite_{psn_type}_{offsite}",
        POLICY_E,
        request("990005-2024", psn_type, "21", lv, [fee("1", "01", "1", "1000.07")],
                offsite=offsite),
        money(medfee_sumamt="1000.07", fulamt_ownpay_amt="0.00", overlmt_selfpay="0.00",
              preselfpay_amt="0.00", inscp_scp_amt="1000.07", act_pay_dedc="100.00",
              hifp_pay=hifp, pool_prop_selfpay=ratio, hifob_pay="0.00", hifmi_pay="0.00",
              cvlserv_pay="0.00", maf_pay="0.00", fund_pay_sumamt=hifp, psn_part_amt=psn,
              acct_pay="0.00", psn_cash_pay=psn, balc="0.00"),
        rows,
        ytd(1, hifp_paid=hifp),
    )


CASES_E = [
    # In service, level 1 (ratio 0.80), base 900.07:
    offsite_case("in_service", "1", "local", "0.80", "720.06"),      # 720.056 → 720.06
    offsite_case("in_service", "1", "filed", "0.75", "675.05"),      # 675.0525 → 675.05
    offsite_case("in_service", "1", "referral", "0.70", "630.05"),   # 630.049 → 630.05
    offsite_case("in_service", "1", "temporary", "0.60", "540.04"),  # 540.042 → 540.04
    # 0.80 − 0.90 = −0.10, clamped to 0 → nothing paid, no pooling row
    offsite_case("in_service", "1", "unfiled", "0", "0.00"),
    # Retired, level 2 (0.95 + 0.10): the sum is clamped once, after all terms are added.
    offsite_case("retired", "2", "local", "1", "900.07"),            # 1.05 → 1
    offsite_case("retired", "2", "referral", "0.95", "855.07"),      # 855.0665 → 855.07
    # 0.95 + 0.10 − 0.90 = 0.15 (not min(1, 1.05) − 0.90 = 0.10): 135.0105 → 135.01
    offsite_case("retired", "2", "unfiled", "0.15", "135.01"),
]

# --------------------------------------------------------------------------------------------
# The contract's own example (docs/settlement.md §1) against the shipped 511623-2024: 低保 resident,
# level 2: d 250, r 0.77, tilted serious-illness threshold 12500 × 0.5, 低保 aid 70 %, cap 50000.
# --------------------------------------------------------------------------------------------

SHIPPED_EXAMPLE = {
    "policy": "511623-2024",
    "person": {"psn_no": "51162300000001", "insutype": "390", "psn_type": "resident", "age": 67,
               "groups": ["dibao"], "civil_servant": False},
    "visit": {"mdtrt_id": "M0001", "fixmedins_code": "H51162300001", "med_type": "21",
              "hosp_lv": "2", "offsite": "local", "begndate": "2024-03-01",
              "enddate": "2024-03-09"},
    "fees": [
        {"feedetl_sn": "1", "hilist_code": "XA01ABD075A002010100483", "chrg_itm_lv": "01",
         "cnt": "2", "pric": "10.50"},
        {"feedetl_sn": "2", "hilist_code": "C0123", "chrg_itm_lv": "02", "cnt": "1",
         "pric": "1200.00", "selfpay_prop": "0.20", "pric_uplmt_amt": "1000.00"},
        {"feedetl_sn": "3", "hilist_code": "001", "chrg_itm_lv": "03", "cnt": "1",
         "pric": "80.00"},
    ],
    "ytd": {"admissions": 0, "hifp_paid": "0", "op_hifp_paid": "0", "op_dedc_used": "0",
            "si_base": "0", "hifmi_paid": "0", "hifob_paid": "0", "cvlserv_paid": "0",
            "maf_dedc_used": "0", "maf_paid": "0"},
    "acct_balc": "0",
    "use_acct": False,
}

CASES_SHIPPED = [
    # Step 1: 甲 2 × 10.50 = 21.00; 乙 1200.00 capped at 1000: o = 200.00, b = 1000.00,
    #         p = 1000.00 × 0.20 = 200.00, in-policy 800.00; 丙 80.00
    #         medfee 1301.00; fulamt 80.00; overlmt 200.00; pre 200.00; inscp 821.00
    # Step 2: 250.00.  Step 3: want = 571.00 × 0.77 = 439.67 → hifp 439.67
    # Step 5: e = 821.00 − 439.67 = 381.33; tilted T = 6250.00 not reached → 0
    # Step 7: dibao: m = 381.33, t = 0; maf = 381.33 × 0.70 = 266.931 → 266.93
    # Step 8: fund 706.60; psn_part 594.40
    Case(
        "contract_example_shipped_policy",
        "511623-2024",
        SHIPPED_EXAMPLE,
        money(medfee_sumamt="1301.00", fulamt_ownpay_amt="80.00", overlmt_selfpay="200.00",
              preselfpay_amt="200.00", inscp_scp_amt="821.00", act_pay_dedc="250.00",
              hifp_pay="439.67", pool_prop_selfpay="0.77", hifob_pay="0.00",
              hifmi_pay="0.00", cvlserv_pay="0.00", maf_pay="266.93",
              fund_pay_sumamt="706.60", psn_part_amt="594.40", acct_pay="0.00",
              psn_cash_pay="594.40", balc="0.00"),
        (("390100", "571.00", "220000.00", "439.67"),
         ("610100", "381.33", "50000.00", "266.93")),
        ytd(1, hifp_paid="439.67", si_base="381.33", maf_paid="266.93"),
    ),
]

# --------------------------------------------------------------------------------------------
# Policy F: residents with NO [resident.serious_illness] section. Step 5 is headed "(residents,
# 14 and 21)" with no "when the section exists" (unlike steps 4 and 6), and step 10 says
# "si_base += e (14, 21, residents)"; the absent section only switches the fund off (§5).
# --------------------------------------------------------------------------------------------

POLICY_F = """
[policy]
id = "990006-2024"
region = "990006"
year = 2024
class_b_selfpay = "0.10"

[resident.inpatient]
deductible = { "1" = "100", "2" = "100", "3" = "100" }
ratio = { "1" = "0.80", "2" = "0.80", "3" = "0.80" }
annual_cap = "100000"
"""

CASES_F = [
    # Step 1: 甲 1000.00.  Step 2: 100.00.  Step 3: 900.00 × 0.80 = 720.00
    # Step 5: fund switched off → hifmi 0, but e = 1000.00 − 720.00 = 280.00
    # Step 10: si_base 500.00 + 280.00 = 780.00
    Case(
        "resident_without_serious_illness_section_still_accumulates_si_base",
        POLICY_F,
        request("990006-2024", "resident", "21", "1", [fee("1", "01", "1", "1000.00")],
                ytd={"si_base": "500.00"}),
        money(medfee_sumamt="1000.00", fulamt_ownpay_amt="0.00", overlmt_selfpay="0.00",
              preselfpay_amt="0.00", inscp_scp_amt="1000.00", act_pay_dedc="100.00",
              hifp_pay="720.00", pool_prop_selfpay="0.80", hifob_pay="0.00",
              hifmi_pay="0.00", cvlserv_pay="0.00", maf_pay="0.00", fund_pay_sumamt="720.00",
              psn_part_amt="280.00", acct_pay="0.00", psn_cash_pay="280.00", balc="0.00"),
        (("390100", "900.00", "100000.00", "720.00"),),
        ytd(1, hifp_paid="720.00", si_base="780.00"),
    ),
]

CASES = [*CASES_A, *CASES_B, *CASES_C, *CASES_D, *CASES_E, *CASES_SHIPPED, *CASES_F]


def test_case_names_are_unique() -> None:
    names = [case.name for case in CASES]
    assert len(names) == len(set(names))


@pytest.fixture(params=CASES, ids=lambda case: case.name)
def worked(request: pytest.FixtureRequest) -> tuple[Case, dict[str, Any]]:
    case: Case = request.param
    out = settle(parse_request(case.request), policy_of(case)).to_json()
    return case, out


def test_header(worked: tuple[Case, dict[str, Any]]) -> None:
    case, out = worked
    person, visit = case.request["person"], case.request["visit"]
    assert (out["setl_id"], out["mdtrt_id"], out["psn_no"], out["insutype"], out["med_type"]) == (
        "S" + visit["mdtrt_id"], visit["mdtrt_id"], person["psn_no"], person["insutype"],
        visit["med_type"])


def test_money_fields(worked: tuple[Case, dict[str, Any]]) -> None:
    case, out = worked
    got = {key: out[key] for key in case.money if key != "pool_prop_selfpay"}
    want = {key: value for key, value in case.money.items() if key != "pool_prop_selfpay"}
    assert got == want
    assert Decimal(out["pool_prop_selfpay"]) == Decimal(case.money["pool_prop_selfpay"])


def test_setldetail_rows(worked: tuple[Case, dict[str, Any]]) -> None:
    case, out = worked
    got = tuple(
        (row["fund_pay_type"], row["inscp_scp_amt"], row["crt_payb_lmt_amt"], row["fund_payamt"])
        for row in out["setldetail"]
    )
    assert sorted(got, key=lambda row: row[0]) == sorted(case.setldetail, key=lambda row: row[0])
    assert all(isinstance(row["setl_proc_info"], str) and row["setl_proc_info"]
               for row in out["setldetail"])


#: The accumulators of the benefits extension (SETTLEMENT.md §1): neutral when a case uses none.
NEUTRAL_YTD: Final = {"matn_op_paid": "0.00", "cmi_dedc_used": "0.00", "cmi_paid": "0.00",
                      "opsp_paid": {}, "opsp_dedc_used": {}}


def test_ytd_after(worked: tuple[Case, dict[str, Any]]) -> None:
    case, out = worked
    assert out["ytd_after"] == {**case.ytd_after, **NEUTRAL_YTD}
