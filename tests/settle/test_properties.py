"""Every invariant of docs/settlement.md §3 holds for thousands of generated policies and requests.

For random valid policies and requests (see `tests.settle.strategies`, with year-to-date
accumulators drawn around the caps): every amount is ≥ 0; the conservation equations hold; no fund
pays past the room its cap leaves (computed here from the policy and the generated `ytd`);
`hifp_pay ≤ inscp_scp_amt`; `ytd_after − ytd` is exactly what step 10 adds; every money string has
two places; `setldetail` has one row per paying fund; and the order of fee lines does not matter.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.settle.strategies import GROUPS, YTD_MONEY, settlement_cases
from yibao.policy.model import Assistance, Policy
from yibao.settle.engine import settle
from yibao.settle.model import SettleRequest, SettleResult
from yibao.settle.request import parse_request

MONEY = ("medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt",
         "inscp_scp_amt", "act_pay_dedc", "hifp_pay", "hifob_pay", "hifmi_pay", "cvlserv_pay",
         "maf_pay", "fund_pay_sumamt", "psn_part_amt", "acct_pay", "psn_cash_pay", "balc")
FUNDS = ("hifp_pay", "hifob_pay", "hifmi_pay", "cvlserv_pay", "maf_pay")
TWO_PLACES = re.compile(r"^\d+\.\d{2}$")
ZERO = Decimal(0)
FUND_OF_CODE = {"310100": "hifp_pay", "390100": "hifp_pay", "330100": "hifob_pay",
                "390200": "hifmi_pay", "320100": "cvlserv_pay", "610100": "maf_pay"}

INVARIANTS = settings(max_examples=2000, deadline=None,
                      suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FEWER = settings(INVARIANTS, max_examples=300)


def run(policy: Policy, doc: dict[str, Any]) -> tuple[SettleRequest, SettleResult]:
    request = parse_request(doc)
    return request, settle(request, policy)


def cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def room(cap: Decimal, used: Decimal) -> Decimal:
    return max(ZERO, cap - used)


def chosen_aid(policy: Policy, req: SettleRequest) -> Assistance | None:
    """Step 7: the first of the person's groups, in the contract's order, the policy names."""
    named = dict(policy.assistance)
    group = next((g for g in GROUPS if g in req.person.groups and g in named), None)
    return None if group is None else named[group]


def expected_rooms(policy: Policy, req: SettleRequest) -> dict[str, Decimal | None]:
    """Per fund, the room under its annual cap before this visit; absent when the fund cannot
    pay for this visit (the payment must then be 0); None when it pays without a cap."""
    employee, med, ytd = req.person.insutype == "310", req.visit.med_type, req.ytd
    serious = med in ("14", "21")
    rooms: dict[str, Decimal | None] = {}
    benefit = policy.scheme(req.person.insutype).benefit(med)
    if benefit is not None:
        rooms["hifp_pay"] = room(benefit.annual_cap,
                                 ytd.op_hifp_paid if med == "11" else ytd.hifp_paid)
    le, si, cs = policy.large_expense, policy.serious_illness, policy.civil_servant
    if employee and serious and le is not None:
        rooms["hifob_pay"] = room(le.annual_cap, ytd.hifob_paid)
    if not employee and serious and si is not None:
        tilt = si.tilt
        uncapped = tilt is not None and tilt.no_cap and bool(req.person.groups & tilt.groups)
        rooms["hifmi_pay"] = None if uncapped else room(si.annual_cap, ytd.hifmi_paid)
    if employee and serious and req.person.civil_servant and cs is not None:
        rooms["cvlserv_pay"] = room(cs.annual_cap, ytd.cvlserv_paid)
    aid = chosen_aid(policy, req)
    if serious and aid is not None:
        rooms["maf_pay"] = room(aid.annual_cap, ytd.maf_paid)
    return rooms


def check_non_negative_and_conserved(req: SettleRequest, r: SettleResult) -> None:
    assert all(getattr(r, name) >= 0 for name in MONEY)
    assert 0 <= r.pool_prop_selfpay <= 1
    assert all(getattr(r.ytd_after, key) >= 0 for key in YTD_MONEY)
    assert r.medfee_sumamt == (r.fulamt_ownpay_amt + r.overlmt_selfpay + r.preselfpay_amt
                               + r.inscp_scp_amt)
    assert r.fund_pay_sumamt == sum((getattr(r, name) for name in FUNDS), ZERO)
    assert r.medfee_sumamt == r.fund_pay_sumamt + r.psn_part_amt
    assert r.psn_part_amt == r.acct_pay + r.psn_cash_pay
    assert r.hifp_pay <= r.inscp_scp_amt
    assert r.act_pay_dedc <= r.inscp_scp_amt
    assert r.balc == req.acct_balc - r.acct_pay


def check_caps(policy: Policy, req: SettleRequest, r: SettleResult) -> None:
    rooms = expected_rooms(policy, req)
    for fund in FUNDS:
        paid: Decimal = getattr(r, fund)
        if fund not in rooms:
            assert paid == 0, fund
            continue
        limit = rooms[fund]
        assert limit is None or paid <= limit, (fund, paid, limit)
    # pooling never pays more than its ratio of what lies above the deductible
    assert r.hifp_pay <= cents((r.inscp_scp_amt - r.act_pay_dedc) * r.pool_prop_selfpay)
    # the account pays only what it holds, only for employees who asked, only what it may
    employee = req.person.insutype == "310"
    assert r.acct_pay <= (req.acct_balc if employee and req.use_acct else 0)
    if not policy.account_pays_selfpay_items:
        assert r.acct_pay <= r.psn_part_amt - r.fulamt_ownpay_amt - r.overlmt_selfpay
    # each setldetail row reports the room before the visit, or null when uncapped
    for row in r.setldetail:
        assert row.crt_payb_lmt_amt == rooms[FUND_OF_CODE[row.fund_pay_type]], row


def check_setldetail(req: SettleRequest, r: SettleResult) -> None:
    pool = "310100" if req.person.insutype == "310" else "390100"
    codes = {pool: "hifp_pay", "330100": "hifob_pay", "390200": "hifmi_pay",
             "320100": "cvlserv_pay", "610100": "maf_pay"}
    rows = {row.fund_pay_type: row for row in r.setldetail}
    assert len(rows) == len(r.setldetail)
    assert set(rows) == {code for code, fund in codes.items() if getattr(r, fund) > 0}
    for code, row in rows.items():
        assert row.fund_payamt == getattr(r, codes[code])
        assert row.inscp_scp_amt >= 0 and row.setl_proc_info
    if pool in rows:
        assert rows[pool].inscp_scp_amt == r.inscp_scp_amt - r.act_pay_dedc
    if "390200" in rows:
        assert rows["390200"].inscp_scp_amt == r.inscp_scp_amt - r.hifp_pay
    if "320100" in rows:
        assert rows["320100"].inscp_scp_amt == r.inscp_scp_amt - r.hifp_pay - r.hifob_pay
    if "330100" in rows:  # step 3's over_cap, the exact value rounded once
        base, ratio = r.inscp_scp_amt - r.act_pay_dedc, r.pool_prop_selfpay
        over_cap = ZERO
        if r.hifp_pay < cents(base * ratio):
            with localcontext() as exact:
                exact.prec = 80
                over_cap = cents(base - r.hifp_pay / ratio)
        assert rows["330100"].inscp_scp_amt == over_cap
    if "610100" in rows:  # m − t, with t what step 10 adds to maf_dedc_used
        m = r.inscp_scp_amt - r.hifp_pay - r.hifob_pay - r.hifmi_pay - r.cvlserv_pay
        t = r.ytd_after.maf_dedc_used - req.ytd.maf_dedc_used
        assert rows["610100"].inscp_scp_amt == m - t


def step_10(policy: Policy, req: SettleRequest, r: SettleResult) -> dict[str, object]:
    """What step 10 adds to each accumulator, from the contract's own words."""
    med, resident = req.visit.med_type, req.person.insutype == "390"
    serious = med in ("14", "21")
    t = ZERO
    aid = chosen_aid(policy, req)
    if serious and aid is not None:
        m = r.inscp_scp_amt - r.hifp_pay - r.hifob_pay - r.hifmi_pay - r.cvlserv_pay
        t = min(m, max(ZERO, aid.threshold - req.ytd.maf_dedc_used))
    return {
        "admissions": 1 if med == "21" else 0,
        "hifp_paid": r.hifp_pay if serious else ZERO,
        "op_hifp_paid": r.hifp_pay if med == "11" else ZERO,
        "op_dedc_used": r.act_pay_dedc if med in ("11", "14") else ZERO,
        "si_base": r.inscp_scp_amt - r.hifp_pay if resident and serious else ZERO,  # e
        "hifmi_paid": r.hifmi_pay,
        "hifob_paid": r.hifob_pay,
        "cvlserv_paid": r.cvlserv_pay,
        "maf_dedc_used": t,
        "maf_paid": r.maf_pay,
    }


def growth(req: SettleRequest, r: SettleResult) -> dict[str, object]:
    """`ytd_after − ytd`, accumulator by accumulator."""
    return {key: getattr(r.ytd_after, key) - getattr(req.ytd, key)
            for key in ("admissions", *YTD_MONEY)}


def check_step_10_except_si_base(policy: Policy, req: SettleRequest, r: SettleResult) -> None:
    got, want = growth(req, r), step_10(policy, req, r)
    del got["si_base"], want["si_base"]  # checked by its own test below
    assert got == want


def check_two_places(r: SettleResult) -> None:
    out = r.to_json()
    texts = [out[name] for name in MONEY]
    for row in out["setldetail"]:
        assert isinstance(row, dict)
        texts += [row["inscp_scp_amt"], row["fund_payamt"]]
        if row["crt_payb_lmt_amt"] is not None:
            texts.append(row["crt_payb_lmt_amt"])
    ytd_after = out["ytd_after"]
    assert isinstance(ytd_after, dict)
    texts += [ytd_after[key] for key in YTD_MONEY]
    assert all(isinstance(t, str) and TWO_PLACES.match(t) for t in texts), texts
    assert isinstance(ytd_after["admissions"], int)
    assert Decimal(str(out["pool_prop_selfpay"])) == r.pool_prop_selfpay


@INVARIANTS
@given(settlement_cases())
def test_invariants(case: tuple[Policy, dict[str, Any]]) -> None:
    """All of §3's invariants (but si_base, below) on one generated policy and request."""
    policy, doc = case
    req, result = run(policy, doc)
    check_non_negative_and_conserved(req, result)
    check_caps(policy, req, result)
    check_setldetail(req, result)
    check_step_10_except_si_base(policy, req, result)
    check_two_places(result)


@FEWER
@given(settlement_cases())
def test_si_base_grows_by_e_for_residents(case: tuple[Policy, dict[str, Any]]) -> None:
    """Step 10: `si_base += e (14, 21, residents)`, e = inscp_scp_amt − hifp_pay (step 5),
    whether or not the policy has a serious-illness section."""
    policy, doc = case
    req, result = run(policy, doc)
    assert growth(req, result)["si_base"] == step_10(policy, req, result)["si_base"]


@FEWER
@given(settlement_cases(), st.randoms(use_true_random=False))
def test_fee_line_order_does_not_matter(case: tuple[Policy, dict[str, Any]], rnd: Any) -> None:
    policy, doc = case
    shuffled = {**doc, "fees": rnd.sample(doc["fees"], len(doc["fees"]))}
    assert run(policy, shuffled)[1].to_json() == run(policy, doc)[1].to_json()
