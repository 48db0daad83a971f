"""Worked examples of the benefits extension (SETTLEMENT.md §3 steps 0, 1, 2M–3M, 7b, 9b, 10),
each computed by hand from the contract, agree with the scalar engine to the cent.

The arithmetic sits in the comments beside each case; "→" marks a half-up rounding to the cent.
Every output amount is compared (those a case does not name must be exactly "0.00"), with
`pool_prop_selfpay`, `long_rx`, `acct_mulaid_balc`, `matn_alwn_days`, every `setldetail` row
(fund_pay_type, base, room, paid) and the whole `ytd_after`. The policy is written below as
TOML text: the §5 example of the contract with employee tables added.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

import pytest

from yibao.policy.loader import parse_policy
from yibao.policy.model import Policy
from yibao.settle.engine import settle
from yibao.settle.model import MONEY_FIELDS
from yibao.settle.request import RequestError, parse_request

POLICY: Final = """
[policy]
id = "990015-2024"
region = "990015"
year = 2024
class_b_selfpay = "0.10"

[resident.inpatient]
deductible = { "1" = "100", "2" = "250", "3" = "600" }
ratio = { "1" = "0.85", "2" = "0.77", "3" = "0.65" }
annual_cap = "220000"
repeat_admission_factor = "0.5"

[resident.chronic]
deductible = { "1" = "0", "2" = "0", "3" = "0" }
ratio = { "1" = "0.70", "2" = "0.65", "3" = "0.60" }
annual_cap = "220000"

[resident.serious_illness]
threshold = "12500"
tiers = [ { above = "0", ratio = "0.60" }, { above = "50000", ratio = "0.65" } ]
annual_cap = "300000"

[employee.inpatient]
deductible = { "1" = "200", "2" = "450", "3" = "750" }
ratio = { "1" = "0.92", "2" = "0.88", "3" = "0.84" }
retired_ratio_add = "0.03"
annual_cap = "150000"

[employee.large_expense]
ratio = "0.90"
annual_cap = "400000"

[employee.account]
family_sharing = true

[assistance.groups.yinbing]
threshold = "4000"
ratio = "0.60"
annual_cap = "30000"

[opsp]
long_rx_days = 28

[opsp.groups.mente]
name = "门诊特殊疾病"
shared_cap = true

[opsp.groups.mente.resident]
deductible = { "1" = "0", "2" = "100", "3" = "200" }
ratio = { "1" = "0.70", "2" = "0.65", "3" = "0.60" }
annual_cap = "220000"

[opsp.groups.mente.employee]
deductible = { "1" = "100", "2" = "200", "3" = "300" }
ratio = { "1" = "0.90", "2" = "0.85", "3" = "0.80" }
annual_cap = "150000"

[opsp.groups.liangbing]
name = "两病"

[opsp.groups.liangbing.resident]
deductible = { "1" = "0", "2" = "0", "3" = "0" }
ratio = { "1" = "0.50", "2" = "0.50", "3" = "0.50" }
annual_cap = "300"

[opsp.groups.liangbing.employee]
deductible = { "1" = "0", "2" = "0", "3" = "0" }
ratio = { "1" = "0.60", "2" = "0.60", "3" = "0.60" }
annual_cap = "500"

[opsp.diseases.M03900]
name = "高血压"
group = "liangbing"
icd10 = ["I10"]

[opsp.diseases.M01600]
name = "糖尿病"
group = "liangbing"
icd10 = ["E10-E14"]

[opsp.diseases.M00500]
name = "恶性肿瘤门诊放化疗"
group = "mente"
icd10 = ["C00-C97"]

[maternity.employee]
prenatal = { ratio = "1", annual_cap = "1000" }
extra_fetus = "500"
allowance_days = { "1" = 98, "2" = 113, "3" = 15, "4" = 42 }
extra_fetus_days = 15

[maternity.employee.delivery]
"1" = { ratio = "1", cap = "2500" }
"2" = { ratio = "1", cap = "3500" }

[maternity.resident.delivery]
"1" = { ratio = "1", cap = "800" }

[cmi.products.EHB2024]
name = "e惠保"
deductible = "15000"
in_ratio = "0.70"
out_ratio = "0.50"
annual_cap = "1000000"
med_types = ["21", "14"]
"""

NO_SHARING: Final = POLICY.replace("family_sharing = true", "family_sharing = false")
INSUTYPE: Final = {"resident": "390", "in_service": "310", "retired": "310"}
YTD_MONEY: Final = ("hifp_paid", "op_hifp_paid", "op_dedc_used", "si_base", "hifmi_paid",
                    "hifob_paid", "cvlserv_paid", "maf_dedc_used", "maf_paid", "matn_op_paid",
                    "cmi_dedc_used", "cmi_paid")


def fee(sn: str, lv: str, cnt: str, pric: str, **extra: str) -> dict[str, str]:
    return {"feedetl_sn": sn, "hilist_code": f"CODE{sn}", "chrg_itm_lv": lv, "cnt": cnt,
            "pric": pric, **extra}


def request(psn_type: str, med_type: str, hosp_lv: str, fees: list[dict[str, str]], *,
            person: dict[str, Any] | None = None, visit: dict[str, Any] | None = None,
            **top: Any) -> dict[str, Any]:
    return {
        "policy": "990015-2024",
        "person": {"psn_no": "P0001", "insutype": INSUTYPE[psn_type], "psn_type": psn_type,
                   **(person or {})},
        "visit": {"mdtrt_id": "M0001", "med_type": med_type, "hosp_lv": hosp_lv,
                  "begndate": "2024-05-06", "enddate": "2024-05-06", **(visit or {})},
        "fees": fees, **top,
    }


def ytd(admissions: int = 0, opsp_paid: dict[str, str] | None = None,
        opsp_dedc_used: dict[str, str] | None = None, **amounts: str) -> dict[str, Any]:
    """A full `ytd_after`: accumulators not named are exactly "0.00" (or empty objects)."""
    assert not set(amounts) - set(YTD_MONEY), amounts
    return {"admissions": admissions, **{k: amounts.get(k, "0.00") for k in YTD_MONEY},
            "opsp_paid": opsp_paid or {}, "opsp_dedc_used": opsp_dedc_used or {}}


Row = tuple[str, str, str | None, str]


@dataclass(frozen=True)
class Case:
    name: str
    request: dict[str, Any]
    money: dict[str, str]  # the amounts that are not 0.00
    ratio: str
    setldetail: tuple[Row, ...]
    ytd_after: dict[str, Any]
    long_rx: tuple[str, ...] = ()
    mulaid_balc: str | None = None
    alwn_days: int = 0
    policy: str = field(default=POLICY, repr=False)


CASES: Final = [
    # SETTLEMENT.md worked example 1. 两病, resident, level 1; certified M03900 since 2024-01-10
    # (open-ended); the visit treats M03900 on 2024-05-06; ytd.opsp_paid.M03900 = 250.00.
    # Step 0: certified (begndate 2024-01-10 ≤ 2024-05-06, no end); group liangbing, resident.
    # Step 1: line 1 甲 2 × 45.50 = 91.00, no dise_codg → covered; prd_days 56 > 28 → long_rx 1
    #         line 2 甲 30.00 for M01600 ≠ M03900 → not covered: 全自费 and uncovered 30.00
    #         medfee 121.00, fulamt 30.00, inscp 91.00
    # Step 3: own cap: dedc = min(91, max(0, 0 − 0)) = 0; r 0.50; want 91.00 × 0.5 = 45.50;
    #         room 300 − 250 = 50.00 → hifp 45.50 (390100: base 91.00, room 50.00)
    # Step 5: e = 91.00 − 45.50 = 45.50; (0, 45.50] below 12500 → 0
    # Step 8: fund 45.50; psn_part 121.00 − 45.50 = 75.50 (all cash)
    # Step 10: hifp_paid +45.50, si_base +45.50, opsp_paid.M03900 295.50, opsp_dedc_used 0.00
    Case("liangbing_line_for_another_disease",
         request("resident", "14", "1",
                 [fee("1", "01", "2", "45.50", prd_days="56"),
                  fee("2", "01", "1", "30.00", dise_codg="M01600")],
                 person={"opsp_certs": [{"opsp_dise_code": "M03900",
                                         "begndate": "2024-01-10"}]},
                 visit={"dise_codg": "M03900"},
                 ytd={"opsp_paid": {"M03900": "250.00"}}),
         {"medfee_sumamt": "121.00", "fulamt_ownpay_amt": "30.00", "inscp_scp_amt": "91.00",
          "hifp_pay": "45.50", "fund_pay_sumamt": "45.50", "psn_part_amt": "75.50",
          "psn_cash_pay": "75.50", "opsp_uncovered_amt": "30.00"},
         "0.50", (("390100", "91.00", "50.00", "45.50"),),
         ytd(hifp_paid="45.50", si_base="45.50", opsp_paid={"M03900": "295.50"},
             opsp_dedc_used={"M03900": "0.00"}),
         long_rx=("1",)),
    # Expired certification: M03900 from 2022-01-01 to 2023-12-31, visit 2024-05-06.
    # Step 0: 2024-05-06 > 2023-12-31 → not certified → P absent, no line covered.
    # Step 1: 甲 100.00 counts as 03: fulamt = uncovered = 100.00; inscp 0; prd_days 28 is not
    #         above 28 → no long_rx.  Steps 2–7: 0.  psn_part 100.00.  No key created in the
    #         per-disease accumulators; si_base + (0 − 0) = 0.
    Case("expired_certification_covers_nothing",
         request("resident", "14", "2", [fee("1", "01", "1", "100.00", prd_days="28")],
                 person={"opsp_certs": [{"opsp_dise_code": "M03900", "begndate": "2022-01-01",
                                         "enddate": "2023-12-31"}]},
                 visit={"dise_codg": "M03900"}),
         {"medfee_sumamt": "100.00", "fulamt_ownpay_amt": "100.00", "psn_part_amt": "100.00",
          "psn_cash_pay": "100.00", "opsp_uncovered_amt": "100.00"},
         "0", (), ytd()),
    # 门特 shares the pooling fund's annual maximum: employee, level 3, M00500 certified,
    # ytd.hifp_paid 148,000 (inpatient and 门特 together). 甲 10,000.00.
    # Step 3: dedc = min(10000, 300 − 0) = 300.00; r 0.80; want 9700 × 0.80 = 7760.00;
    #         shared: room 150000 − 148000 = 2000.00 → hifp 2000.00; the cap binds:
    #         over_cap = 9700 − 2000 / 0.80 = 9700 − 2500 = 7200.00
    # Step 4: 大额 min(7200 × 0.90 = 6480.00, 400000 − 0) = 6480.00
    # Step 8: fund 8480.00; psn_part 1520.00
    # Step 10: hifp_paid 150000.00, hifob_paid 6480.00, opsp_paid.M00500 2000.00,
    #          opsp_dedc_used.M00500 300.00 (op_dedc_used untouched)
    Case("mente_shared_cap_then_large_expense",
         request("in_service", "14", "3", [fee("1", "01", "1", "10000.00")],
                 person={"opsp_certs": [{"opsp_dise_code": "M00500", "begndate": "2024-01-01",
                                         "enddate": "2025-12-31"}]},
                 visit={"dise_codg": "M00500"}, ytd={"hifp_paid": "148000.00"}),
         {"medfee_sumamt": "10000.00", "inscp_scp_amt": "10000.00", "act_pay_dedc": "300.00",
          "hifp_pay": "2000.00", "hifob_pay": "6480.00", "fund_pay_sumamt": "8480.00",
          "psn_part_amt": "1520.00", "psn_cash_pay": "1520.00"},
         "0.80", (("310100", "9700.00", "2000.00", "2000.00"),
                  ("330100", "7200.00", "400000.00", "6480.00")),
         ytd(hifp_paid="150000.00", hifob_paid="6480.00", opsp_paid={"M00500": "2000.00"},
             opsp_dedc_used={"M00500": "300.00"})),
    # A disease's own cap: employee, level 2, M03900 (liangbing, employee: ratio 0.60, cap 500)
    # with ytd.opsp_paid.M03900 450.00. 甲 200.00.
    # Step 3: dedc 0; want 200 × 0.60 = 120.00; room 500 − 450 = 50.00 → hifp 50.00; above a
    #         disease's own limit is no large expense: over_cap 0 → 大额 0 (no row)
    # Step 8: fund 50.00; psn_part 150.00
    # Step 10: hifp_paid +50.00; opsp_paid.M03900 500.00; opsp_dedc_used.M03900 0.00
    Case("liangbing_own_cap_no_large_expense",
         request("in_service", "14", "2", [fee("1", "01", "1", "200.00")],
                 person={"opsp_certs": [{"opsp_dise_code": "M03900", "begndate": "2024-01-01"}]},
                 visit={"dise_codg": "M03900"},
                 ytd={"opsp_paid": {"M03900": "450.00"}}),
         {"medfee_sumamt": "200.00", "inscp_scp_amt": "200.00", "hifp_pay": "50.00",
          "fund_pay_sumamt": "50.00", "psn_part_amt": "150.00", "psn_cash_pay": "150.00"},
         "0.60", (("310100", "200.00", "50.00", "50.00"),),
         ytd(hifp_paid="50.00", opsp_paid={"M03900": "500.00"},
             opsp_dedc_used={"M03900": "0.00"})),
    # Prenatal care (51), employee, yearly cap: ytd.matn_op_paid 800.00; 甲 300.00, 丙 50.00.
    # Step 2M–3M: no deductible; r = 1; want 300.00 × 1 = 300.00; room 1000 − 800 = 200.00
    #             → hifp 200.00 (510100: base 300.00, room 200.00). Steps 4–7 do not apply.
    # Step 8: fund 200.00; psn_part 350.00 − 200.00 = 150.00
    # Step 10: matn_op_paid 1000.00; hifp_paid unchanged
    Case("prenatal_yearly_cap",
         request("in_service", "51", "2",
                 [fee("1", "01", "1", "300.00"), fee("2", "03", "1", "50.00")],
                 ytd={"matn_op_paid": "800.00"}),
         {"medfee_sumamt": "350.00", "fulamt_ownpay_amt": "50.00", "inscp_scp_amt": "300.00",
          "hifp_pay": "200.00", "fund_pay_sumamt": "200.00", "psn_part_amt": "150.00",
          "psn_cash_pay": "150.00"},
         "1", (("510100", "300.00", "200.00", "200.00"),), ytd(matn_op_paid="1000.00")),
    # SETTLEMENT.md worked example 2. Employee delivery, matn_type 2 (lump sum 3,500), twins,
    # in-policy 5,200.00, emp_avg_wage 6,000.00.
    # limit = 3500 + 500 × (2 − 1) = 4000.00; hifp = min(5200.00 × 1, 4000.00) = 4000.00
    # psn_part 1200.00. 生育津贴: 113 + 15 × 1 = 128 days; 6000.00 × 128 / 30 = 25600.00,
    # outside the bill (in no total). A 52 visit changes no pooling accumulator.
    Case("delivery_lump_sum_twins_with_allowance",
         request("in_service", "52", "2", [fee("1", "01", "1", "5200.00")],
                 person={"emp_avg_wage": "6000.00"},
                 visit={"matn_type": "2", "fetus_cnt": 2}),
         {"medfee_sumamt": "5200.00", "inscp_scp_amt": "5200.00", "hifp_pay": "4000.00",
          "fund_pay_sumamt": "4000.00", "psn_part_amt": "1200.00", "psn_cash_pay": "1200.00",
          "matn_alwn_amt": "25600.00"},
         "1", (("510100", "5200.00", "4000.00", "4000.00"),), ytd(), alwn_days=128),
    # 生育津贴 rounded once: matn_type 1 (98 days), one baby, emp_avg_wage 5,123.45:
    # 5123.45 × 98 / 30 = 502098.10 / 30 = 16736.6033… → 16736.60 (a daily wage rounded first
    # would give 170.78 × 98 = 16736.44). Delivery: 甲 2,000.00 under the 2,500 lump sum →
    # hifp 2000.00; 丙 100.00 → psn_part 100.00.
    Case("allowance_rounded_once",
         request("in_service", "52", "1",
                 [fee("1", "01", "1", "2000.00"), fee("2", "03", "1", "100.00")],
                 person={"emp_avg_wage": "5123.45"}, visit={"matn_type": "1"}),
         {"medfee_sumamt": "2100.00", "fulamt_ownpay_amt": "100.00",
          "inscp_scp_amt": "2000.00", "hifp_pay": "2000.00", "fund_pay_sumamt": "2000.00",
          "psn_part_amt": "100.00", "psn_cash_pay": "100.00", "matn_alwn_amt": "16736.60"},
         "1", (("510100", "2000.00", "2500.00", "2000.00"),), ytd(), alwn_days=98),
    # A resident's delivery: the resident pool pays (390100) up to 800; no allowance for a
    # resident even with a wage given. 甲 1,000.00 → hifp min(1000, 800) = 800.00.
    Case("resident_delivery_no_allowance",
         request("resident", "52", "1", [fee("1", "01", "1", "1000.00")],
                 person={"emp_avg_wage": "5000.00"}, visit={"matn_type": "1"}),
         {"medfee_sumamt": "1000.00", "inscp_scp_amt": "1000.00", "hifp_pay": "800.00",
          "fund_pay_sumamt": "800.00", "psn_part_amt": "200.00", "psn_cash_pay": "200.00"},
         "1", (("390100", "1000.00", "800.00", "800.00"),), ytd()),
    # 惠民保 visit A (first of two): resident, level 3, 甲 20,000.00 and 丙 2,000.00, EHB2024.
    # Pooling: dedc 600; 19400 × 0.65 = 12610.00.  大病: e = 7390.00, below 12500 → 0.
    # 7b: h_in = 20000 − 12610 + 0 = 7390.00; h_out = 2000.00 (out_ratio > 0);
    #     left 15000; t_in 7390.00; t_out = min(2000, 15000 − 7390) = 2000.00;
    #     cmi_in = 0 × 0.7 = 0; cmi_out = 0 × 0.5 = 0 → cmi_pay 0 (no row)
    # psn_part 22000 − 12610 = 9390.00.  After: cmi_dedc_used 9390.00
    Case("cmi_first_visit_uses_the_deductible",
         request("resident", "21", "3",
                 [fee("1", "01", "1", "20000.00"), fee("2", "03", "1", "2000.00")],
                 person={"cmi_prod": "EHB2024"}),
         {"medfee_sumamt": "22000.00", "fulamt_ownpay_amt": "2000.00",
          "inscp_scp_amt": "20000.00", "act_pay_dedc": "600.00", "hifp_pay": "12610.00",
          "fund_pay_sumamt": "12610.00", "psn_part_amt": "9390.00", "psn_cash_pay": "9390.00"},
         "0.65", (("390100", "19400.00", "220000.00", "12610.00"),),
         ytd(1, hifp_paid="12610.00", si_base="7390.00", cmi_dedc_used="9390.00")),
    # 惠民保 visit B, with visit A's accumulators: 甲 30,000.00 and 丙 4,000.00, level 3.
    # Pooling: second admission: dedc 600 × 0.5 = 300.00; 29700 × 0.65 = 19305.00
    #          (room 220000 − 12610 = 207390.00).
    # 大病: e = 30000 − 19305 = 10695.00; B 7390 → 18085; (12500, 18085] × 0.60 = 3351.00
    # 7b: h_in = 30000 − 19305 − 3351 = 7344.00; h_out 4000.00; left 15000 − 9390 = 5610.00;
    #     t_in 5610.00, t_out 0; cmi_in = 1734.00 × 0.70 = 1213.80; cmi_out = 4000 × 0.50 =
    #     2000.00; cmi_pay 3213.80 (900100: base 1734 + 4000 = 5734.00, room 1000000.00)
    # psn_part = 34000 − 22656 − 3213.80 = 8130.20
    Case("cmi_second_visit_pays_in_and_out_of_catalogue",
         request("resident", "21", "3",
                 [fee("1", "01", "1", "30000.00"), fee("2", "03", "1", "4000.00")],
                 person={"cmi_prod": "EHB2024"},
                 ytd={"admissions": 1, "hifp_paid": "12610.00", "si_base": "7390.00",
                      "cmi_dedc_used": "9390.00"}),
         {"medfee_sumamt": "34000.00", "fulamt_ownpay_amt": "4000.00",
          "inscp_scp_amt": "30000.00", "act_pay_dedc": "300.00", "hifp_pay": "19305.00",
          "hifmi_pay": "3351.00", "fund_pay_sumamt": "22656.00", "cmi_pay": "3213.80",
          "psn_part_amt": "8130.20", "psn_cash_pay": "8130.20"},
         "0.65", (("390100", "29700.00", "207390.00", "19305.00"),
                  ("390200", "10695.00", "300000.00", "3351.00"),
                  ("900100", "5734.00", "1000000.00", "3213.80")),
         ytd(2, hifp_paid="31915.00", si_base="18085.00", hifmi_paid="3351.00",
             cmi_dedc_used="15000.00", cmi_paid="3213.80")),
    # SETTLEMENT.md worked example 3. 惠民保 and a child's account, resident, level 3:
    # 甲 60,000.00, 丙 3,000.00; ytd.cmi_dedc_used 10,000.00; the bound account holds 2,000.00.
    # Pooling 59400 × 0.65 = 38610.00; 大病 (21390 − 12500) × 0.60 = 5334.00.
    # h_in 16056.00, h_out 3000.00, left 5000 → t_in 5000, t_out 0;
    # cmi_in 11056 × 0.70 = 7739.20, cmi_out 1500.00 → 9239.20.
    # psn_part 63000 − 43944 − 9239.20 = 9816.80; allowed 9816.80 − (3000 − 1500) = 8316.80;
    # own account 0 (resident); family min(8316.80, 2000.00) = 2000.00, balance after 0.00;
    # cash 7816.80.
    Case("cmi_and_family_account",
         request("resident", "21", "3",
                 [fee("1", "01", "1", "60000.00"), fee("2", "03", "1", "3000.00")],
                 person={"cmi_prod": "EHB2024"}, ytd={"cmi_dedc_used": "10000.00"},
                 acct_mulaid={"psn_no": "P0002", "acct_balc": "2000.00"}),
         {"medfee_sumamt": "63000.00", "fulamt_ownpay_amt": "3000.00",
          "inscp_scp_amt": "60000.00", "act_pay_dedc": "600.00", "hifp_pay": "38610.00",
          "hifmi_pay": "5334.00", "fund_pay_sumamt": "43944.00", "cmi_pay": "9239.20",
          "psn_part_amt": "9816.80", "acct_mulaid_pay": "2000.00", "psn_cash_pay": "7816.80"},
         "0.65", (("390100", "59400.00", "220000.00", "38610.00"),
                  ("390200", "21390.00", "300000.00", "5334.00"),
                  ("900100", "14056.00", "1000000.00", "9239.20")),
         ytd(1, hifp_paid="38610.00", si_base="21390.00", hifmi_paid="5334.00",
             cmi_dedc_used="15000.00", cmi_paid="9239.20"),
         mulaid_balc="0.00"),
    # Own account first, then the family account: employee, level 1, use_acct, own balance
    # 100.00, a bound spouse's account 1,000.00; 甲 1,000.00 and 丙 50.00.
    # Pooling: dedc 200; 800 × 0.92 = 736.00.  psn_part 1050 − 736 = 314.00.
    # allowed = 314.00 − (50.00 + 0 − 0) = 264.00; own min(264, 100) = 100.00, balc 0.00;
    # family min(264 − 100, 1000) = 164.00, its balance 836.00; cash 314 − 100 − 164 = 50.00
    Case("own_account_then_family_account",
         request("in_service", "21", "1",
                 [fee("1", "01", "1", "1000.00"), fee("2", "03", "1", "50.00")],
                 use_acct=True, acct_balc="100.00",
                 acct_mulaid={"psn_no": "P0002", "acct_balc": "1000.00"}),
         {"medfee_sumamt": "1050.00", "fulamt_ownpay_amt": "50.00",
          "inscp_scp_amt": "1000.00", "act_pay_dedc": "200.00", "hifp_pay": "736.00",
          "fund_pay_sumamt": "736.00", "psn_part_amt": "314.00", "acct_pay": "100.00",
          "acct_mulaid_pay": "164.00", "psn_cash_pay": "50.00"},
         "0.92", (("310100", "800.00", "150000.00", "736.00"),),
         ytd(1, hifp_paid="736.00"), mulaid_balc="836.00"),
    # The same bill where the policy switches 家庭共济 off: the bound account pays nothing and
    # keeps its balance; cash 314 − 100 = 214.00.
    Case("family_sharing_switched_off",
         request("in_service", "21", "1",
                 [fee("1", "01", "1", "1000.00"), fee("2", "03", "1", "50.00")],
                 use_acct=True, acct_balc="100.00",
                 acct_mulaid={"psn_no": "P0002", "acct_balc": "1000.00"}),
         {"medfee_sumamt": "1050.00", "fulamt_ownpay_amt": "50.00",
          "inscp_scp_amt": "1000.00", "act_pay_dedc": "200.00", "hifp_pay": "736.00",
          "fund_pay_sumamt": "736.00", "psn_part_amt": "314.00", "acct_pay": "100.00",
          "psn_cash_pay": "214.00"},
         "0.92", (("310100", "800.00", "150000.00", "736.00"),),
         ytd(1, hifp_paid="736.00"), mulaid_balc="1000.00", policy=NO_SHARING),
]


def _policy(text: str) -> Policy:
    return parse_policy(text, "<benefits>")


@pytest.fixture(params=CASES, ids=[case.name for case in CASES])
def worked(request: pytest.FixtureRequest) -> tuple[Case, dict[str, Any]]:
    case: Case = request.param
    policy = _policy(case.policy)
    return case, settle(parse_request(case.request, lambda _: policy), policy).to_json()


def test_amounts(worked: tuple[Case, dict[str, Any]]) -> None:
    case, out = worked
    assert not set(case.money) - set(MONEY_FIELDS), case.money
    assert {name: out[name] for name in MONEY_FIELDS} == {
        name: case.money.get(name, "0.00") for name in MONEY_FIELDS}
    assert Decimal(out["pool_prop_selfpay"]) == Decimal(case.ratio)
    assert (out["long_rx"], out["acct_mulaid_balc"], out["matn_alwn_days"]) == (
        list(case.long_rx), case.mulaid_balc, case.alwn_days)


def test_setldetail(worked: tuple[Case, dict[str, Any]]) -> None:
    case, out = worked
    assert tuple((r["fund_pay_type"], r["inscp_scp_amt"], r["crt_payb_lmt_amt"],
                  r["fund_payamt"]) for r in out["setldetail"]) == case.setldetail
    assert all(r["setl_proc_info"] for r in out["setldetail"])


def test_ytd_after(worked: tuple[Case, dict[str, Any]]) -> None:
    case, out = worked
    assert out["ytd_after"] == case.ytd_after


def test_the_disease_and_group_are_named_in_the_trace() -> None:
    case = CASES[0]
    policy = _policy(case.policy)
    out = settle(parse_request(case.request, lambda _: policy), policy).to_json()
    info = out["setldetail"][0]["setl_proc_info"]
    assert "高血压" in info and "两病" in info and "病种单独限额" in info


def test_the_cmi_deductible_carries_from_one_visit_to_the_next() -> None:
    """Visit A's `ytd_after` is visit B's `ytd`: B then pays as its worked example says."""
    first, second = CASES[8], CASES[9]
    policy = _policy(POLICY)
    after = settle(parse_request(first.request, lambda _: policy), policy).to_json()["ytd_after"]
    chained = {**second.request, "ytd": {k: v for k, v in after.items()}}
    out = settle(parse_request(chained, lambda _: policy), policy).to_json()
    assert out["cmi_pay"] == "3213.80" and out["ytd_after"]["cmi_dedc_used"] == "15000.00"


# ---------- refusals of the new fields (SETTLEMENT.md §1 validation) ----------

BASE: Final = request("resident", "14", "1", [fee("1", "01", "1", "10.00")],
                      visit={"dise_codg": "M03900"})

BAD: Final = [
    ("person", {"opsp_certs": "M03900"}, "person.opsp_certs"),
    ("person", {"opsp_certs": [{"begndate": "2024-01-01"}]}, "person.opsp_certs[0].opsp_dise_code"),
    ("person", {"opsp_certs": [{"opsp_dise_code": "M03900", "begndate": "2024-02-30"}]},
     "person.opsp_certs[0].begndate"),
    ("person", {"opsp_certs": [{"opsp_dise_code": "M03900", "begndate": "2024-02-01",
                                "enddate": "2024-01-01"}]}, "person.opsp_certs[0].enddate"),
    ("person", {"emp_avg_wage": "-1"}, "person.emp_avg_wage"),
    ("person", {"emp_avg_wage": "6000.001"}, "person.emp_avg_wage"),
    ("person", {"cmi_prod": "NOPE"}, "person.cmi_prod"),
    ("visit", {"dise_codg": None}, "visit.dise_codg"),
    ("visit", {"dise_codg": "X" * 31}, "visit.dise_codg"),
    ("visit", {"begndate": None, "enddate": None}, "visit.begndate"),
    ("visit", {"med_type": "52"}, "visit.matn_type"),
    ("visit", {"med_type": "52", "matn_type": "1234567"}, "visit.matn_type"),
    ("visit", {"fetus_cnt": 0}, "visit.fetus_cnt"),
    ("visit", {"fetus_cnt": 10}, "visit.fetus_cnt"),
    ("visit", {"fetus_cnt": "2"}, "visit.fetus_cnt"),
    ("fee", {"prd_days": "0"}, "fees[0].prd_days"),
    ("fee", {"prd_days": "85"}, "fees[0].prd_days"),
    ("fee", {"prd_days": "30.125"}, "fees[0].prd_days"),
    ("fee", {"dise_codg": ""}, "fees[0].dise_codg"),
    ("top", {"acct_mulaid": "P0002"}, "acct_mulaid"),
    ("top", {"acct_mulaid": {"acct_balc": "1"}}, "acct_mulaid.psn_no"),
    ("top", {"acct_mulaid": {"psn_no": "P0001", "acct_balc": "1"}}, "acct_mulaid.psn_no"),
    ("top", {"acct_mulaid": {"psn_no": "P0002", "acct_balc": "-5"}}, "acct_mulaid.acct_balc"),
    ("ytd", {"matn_op_paid": "1.001"}, "ytd.matn_op_paid"),
    ("ytd", {"cmi_paid": "-1"}, "ytd.cmi_paid"),
    ("ytd", {"opsp_paid": ["M03900"]}, "ytd.opsp_paid"),
    ("ytd", {"opsp_dedc_used": {"M03900": "abc"}}, "ytd.opsp_dedc_used.M03900"),
]


@pytest.mark.parametrize(("where", "change", "path"), BAD, ids=[b[2] + str(i)
                                                                for i, b in enumerate(BAD)])
def test_a_bad_new_field_is_refused_naming_its_path(where: str, change: dict[str, Any],
                                                     path: str) -> None:
    doc: dict[str, Any] = {**BASE, "person": dict(BASE["person"]), "visit": dict(BASE["visit"]),
                           "fees": [dict(BASE["fees"][0])]}
    target = {"person": doc["person"], "visit": doc["visit"], "fee": doc["fees"][0],
              "top": doc}.get(where)
    if where == "ytd":
        doc["ytd"] = change
    else:
        assert target is not None
        target.update(change)
    policy = _policy(POLICY)
    with pytest.raises(RequestError) as refused:
        parse_request(doc, lambda _: policy)
    assert refused.value.field == path, refused.value.message
    assert refused.value.message  # one zh-CN sentence


def test_without_opsp_a_chronic_visit_needs_no_disease() -> None:
    """Under a policy without `[opsp]` a 14 visit is settled by `[*.chronic]` as before, and
    `dise_codg` is optional."""
    text = POLICY.split("[opsp]")[0]
    policy = _policy(text)
    doc = request("resident", "14", "1", [fee("1", "01", "1", "10.00")])
    out = settle(parse_request(doc, lambda _: policy), policy).to_json()
    # [resident.chronic] level 1: dedc 0, 10.00 × 0.70 = 7.00; op_dedc_used grows by 0
    assert (out["hifp_pay"], out["ytd_after"]["hifp_paid"], out["opsp_uncovered_amt"]) == (
        "7.00", "7.00", "0.00")
