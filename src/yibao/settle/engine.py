"""The scalar one-stop settlement engine (一站式结算): docs/settlement.md §3, step by step.

`settle(request, policy)` is pure and is the definition: the batch engine, the stateful service and
the HTTP transactions all reach the same answer through it or are proven equal to it. Every money
quantity is rounded half-up to the cent once, when it is computed; ratios are never rounded.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, localcontext

from yibao.core.checks import invariant
from yibao.core.money import MONEY_CONTEXT, ONE, ZERO, cents, clamp, fmt
from yibao.policy.model import Benefit, Policy, SeriousIllness
from yibao.settle.model import (
    FUND_ASSISTANCE,
    FUND_CIVIL_SERVANT,
    FUND_EMPLOYEE_POOL,
    FUND_LARGE_EXPENSE,
    FUND_RESIDENT_POOL,
    FUND_SERIOUS_ILLNESS,
    FeeLine,
    FundDetail,
    SettleRequest,
    SettleResult,
    Ytd,
)
from yibao.settle.trace import pct, pooling_info, room_text, simple_info, tier_info


@dataclass(frozen=True, slots=True)
class LineTotals:
    """Step 1: the four buckets every fee line is split into."""

    medfee_sumamt: Decimal
    fulamt_ownpay_amt: Decimal
    overlmt_selfpay: Decimal
    preselfpay_amt: Decimal
    inscp_scp_amt: Decimal


@dataclass(frozen=True, slots=True)
class Pooling:
    """Steps 2–3: deductible, basic pooling fund payment and what lies above its cap."""

    act_pay_dedc: Decimal
    hifp_pay: Decimal
    ratio: Decimal
    over_cap: Decimal
    room: Decimal | None


def split_lines(fees: tuple[FeeLine, ...], class_b_selfpay: Decimal) -> LineTotals:
    """Step 1: 全自费, 超限价, 先行自付 and 政策范围内 amounts of the visit."""
    total = ownpay = over = pre = inscp = ZERO
    for line in fees:
        amount = cents(line.cnt * line.pric)
        total += amount
        if line.chrg_itm_lv == "03":
            ownpay += amount
            continue
        excess = ZERO
        if line.pric_uplmt_amt is not None:
            excess = cents(max(ZERO, (line.pric - line.pric_uplmt_amt) * line.cnt))
        over += excess
        base = amount - excess
        if line.chrg_itm_lv == "02":
            prop = class_b_selfpay if line.selfpay_prop is None else line.selfpay_prop
            part = cents(base * prop)
            pre += part
            inscp += base - part
        else:
            inscp += base
    return LineTotals(total, ownpay, over, pre, inscp)


def pooling(req: SettleRequest, policy: Policy, benefit: Benefit | None, inscp: Decimal) -> Pooling:
    """Steps 2 and 3: the deductible (起付线) and the basic pooling fund (统筹基金)."""
    if benefit is None:
        return Pooling(ZERO, ZERO, ZERO, ZERO, None)
    visit, ytd, level = req.visit, req.ytd, req.visit.hosp_lv
    if visit.med_type == "21":
        deductible = benefit.deductible.of(level)
        if ytd.admissions >= 1:
            deductible = cents(deductible * benefit.repeat_admission_factor)
        dedc = min(inscp, deductible)
    else:
        dedc = min(inscp, max(ZERO, benefit.deductible.of(level) - ytd.op_dedc_used))
    ratio = benefit.ratio.of(level) + policy.offsite.of(visit.offsite)
    if req.person.psn_type == "retired":
        ratio += benefit.retired_ratio_add
    ratio = clamp(ratio, ZERO, ONE)
    want = cents((inscp - dedc) * ratio)
    used = ytd.op_hifp_paid if visit.med_type == "11" else ytd.hifp_paid
    room = benefit.annual_cap - used
    hifp = min(want, max(ZERO, room))
    over_cap = cents((inscp - dedc) - hifp / ratio) if hifp < want else ZERO
    return Pooling(dedc, hifp, ratio, over_cap, max(ZERO, room))


def serious_illness_claim(
    si: SeriousIllness, groups: frozenset[str], base_before: Decimal, eligible: Decimal
) -> tuple[Decimal, Decimal, bool, str]:
    """Step 5 before the cap: (payment, threshold used, capped?, trace) on (B0, B0 + e]."""
    threshold, ratio_add, capped = si.threshold, ZERO, True
    if si.tilt is not None and groups & si.tilt.groups:
        threshold = cents(threshold * si.tilt.threshold_factor)
        ratio_add, capped = si.tilt.ratio_add, not si.tilt.no_cap
    base_after = base_before + eligible
    paid, parts = ZERO, []
    for index, tier in enumerate(si.tiers):
        low = threshold + tier.above
        nxt = si.tiers[index + 1].above if index + 1 < len(si.tiers) else None
        high = None if nxt is None else threshold + nxt
        span = min(base_after, high) if high is not None else base_after
        overlap = max(ZERO, span - max(base_before, low))
        if overlap > 0:
            ratio = min(ONE, tier.ratio + ratio_add)
            part = cents(ratio * overlap)
            paid += part
            parts.append(tier_info(overlap, ratio, part))
    return paid, threshold, capped, "；".join(parts)


def settle(request: SettleRequest, policy: Policy) -> SettleResult:
    """Settle one visit: what each fund pays, what the person pays, and why
    (docs/settlement.md §3)."""
    with localcontext(MONEY_CONTEXT):
        return _settle(request, policy)


@dataclass(frozen=True, slots=True)
class Paid:
    """One fund's payment in a visit and its `setldetail` row (None when nothing was paid)."""

    amount: Decimal = ZERO
    detail: FundDetail | None = None


def _row(fund: str, base: Decimal, room: Decimal | None, amount: Decimal, info: str) -> Paid:
    return Paid(amount, FundDetail(fund, base, room, amount, info) if amount > 0 else None)


def large_expense(req: SettleRequest, policy: Policy, pool: Pooling) -> Paid:
    """Step 4: 大额医疗费用补助 on what lies above the pooling cap (employees, 14 and 21)."""
    le = policy.large_expense
    if req.person.insutype != "310" or req.visit.med_type == "11" or le is None:
        return Paid()
    room = max(ZERO, le.annual_cap - req.ytd.hifob_paid)
    amount = min(cents(pool.over_cap * le.ratio), room)
    return _row(FUND_LARGE_EXPENSE, pool.over_cap, room, amount,
                simple_info("统筹封顶线以上", le.ratio, room))


def serious_illness(req: SettleRequest, policy: Policy, eligible: Decimal) -> Paid:
    """Step 5: 大病保险 on the year's cumulative in-policy self-pay (residents, 14 and 21)."""
    si, ytd = policy.serious_illness, req.ytd
    assert si is not None
    claim, threshold, capped, info = serious_illness_claim(
        si, req.person.groups, ytd.si_base, eligible)
    room = max(ZERO, si.annual_cap - ytd.hifmi_paid) if capped else None
    amount = claim if room is None else min(claim, room)
    before, after = fmt(ytd.si_base), fmt(ytd.si_base + eligible)
    text = f"大病起付线{fmt(threshold)}，年度累计{before}→{after}：{info}"
    return _row(FUND_SERIOUS_ILLNESS, eligible, room, amount, text)


def civil_servant(req: SettleRequest, policy: Policy, base: Decimal) -> Paid:
    """Step 6: 公务员医疗补助 on what the person still pays in policy (employees, 14 and 21)."""
    cs = policy.civil_servant
    if not req.person.civil_servant or req.person.insutype != "310" or cs is None:
        return Paid()
    room = max(ZERO, cs.annual_cap - req.ytd.cvlserv_paid)
    amount = min(cents(base * cs.ratio), room)
    return _row(FUND_CIVIL_SERVANT, base, room, amount,
                simple_info("基本医保后政策内自付", cs.ratio, room))


def assistance(req: SettleRequest, policy: Policy, remaining: Decimal) -> tuple[Paid, Decimal]:
    """Step 7: 医疗救助 for the person's first named group; also the threshold `t` used."""
    chosen = policy.assistance_for(req.person.groups)
    if chosen is None:
        return Paid(), ZERO
    group, aid = chosen
    used = min(remaining, max(ZERO, aid.threshold - req.ytd.maf_dedc_used))
    room = max(ZERO, aid.annual_cap - req.ytd.maf_paid)
    amount = min(cents((remaining - used) * aid.ratio), room)
    text = f"救助人群{group}，救助起付{fmt(used)}，比例{pct(aid.ratio)}，{room_text(room)}"
    return _row(FUND_ASSISTANCE, remaining - used, room, amount, text), used


def account(req: SettleRequest, policy: Policy, lines: LineTotals, psn_part: Decimal) -> Decimal:
    """Step 9: what the personal account (个人账户) pays, employees with `use_acct` only."""
    if req.person.insutype != "310" or not req.use_acct:
        return ZERO
    payable = psn_part
    if not policy.account_pays_selfpay_items:
        payable -= lines.fulamt_ownpay_amt + lines.overlmt_selfpay
    return min(payable, req.acct_balc)


def _settle(req: SettleRequest, policy: Policy) -> SettleResult:
    person, visit = req.person, req.visit
    employee, serious = person.insutype == "310", visit.med_type in ("14", "21")
    lines = split_lines(req.fees, policy.class_b_selfpay)
    inscp = lines.inscp_scp_amt
    pool = pooling(req, policy, policy.scheme(person.insutype).benefit(visit.med_type), inscp)
    hifp = pool.hifp_pay
    pool_paid = _row(FUND_EMPLOYEE_POOL if employee else FUND_RESIDENT_POOL,
                     inscp - pool.act_pay_dedc, pool.room, hifp,
                     pooling_info(pool.act_pay_dedc, pool.ratio, pool.room))
    le = large_expense(req, policy, pool)
    # si_base grows by e for residents' 14/21 visits even when the fund is switched off (step 10)
    si_growth = inscp - hifp if not employee and serious else ZERO
    si_on = not employee and serious and policy.serious_illness is not None
    si = serious_illness(req, policy, si_growth) if si_on else Paid()
    cs = civil_servant(req, policy, inscp - hifp - le.amount) if serious else Paid()
    remaining = inscp - hifp - le.amount - si.amount - cs.amount
    maf, maf_dedc = assistance(req, policy, remaining) if serious else (Paid(), ZERO)
    fund = hifp + le.amount + si.amount + cs.amount + maf.amount
    psn_part = lines.medfee_sumamt - fund
    acct = account(req, policy, lines, psn_part)
    paid = (le.amount, si.amount, cs.amount, maf.amount, maf_dedc)
    result = SettleResult(
        setl_id=req.setl_id or f"S{visit.mdtrt_id}", mdtrt_id=visit.mdtrt_id,
        psn_no=person.psn_no, insutype=person.insutype, med_type=visit.med_type,
        medfee_sumamt=lines.medfee_sumamt, fulamt_ownpay_amt=lines.fulamt_ownpay_amt,
        overlmt_selfpay=lines.overlmt_selfpay, preselfpay_amt=lines.preselfpay_amt,
        inscp_scp_amt=inscp, act_pay_dedc=pool.act_pay_dedc, hifp_pay=hifp,
        pool_prop_selfpay=pool.ratio, hifob_pay=le.amount, hifmi_pay=si.amount,
        cvlserv_pay=cs.amount, maf_pay=maf.amount, fund_pay_sumamt=fund, psn_part_amt=psn_part,
        acct_pay=acct, psn_cash_pay=psn_part - acct, balc=req.acct_balc - acct,
        setldetail=tuple(p.detail for p in (pool_paid, le, si, cs, maf) if p.detail),
        ytd_after=_accumulate(req.ytd, visit.med_type, employee, pool, paid, si_growth),
    )
    check_invariants(result)
    return result


def _accumulate(
    ytd: Ytd, med: str, employee: bool, pool: Pooling,
    paid: tuple[Decimal, Decimal, Decimal, Decimal, Decimal], si_growth: Decimal,
) -> Ytd:
    """Step 10: the accumulators after this visit."""
    hifob, hifmi, cvlserv, maf, maf_dedc = paid
    inpatient, outpatient = med == "21", med == "11"
    return Ytd(
        admissions=ytd.admissions + (1 if inpatient else 0),
        hifp_paid=ytd.hifp_paid + (ZERO if outpatient else pool.hifp_pay),
        op_hifp_paid=ytd.op_hifp_paid + (pool.hifp_pay if outpatient else ZERO),
        op_dedc_used=ytd.op_dedc_used + (ZERO if inpatient else pool.act_pay_dedc),
        si_base=ytd.si_base + (ZERO if employee else si_growth),
        hifmi_paid=ytd.hifmi_paid + hifmi,
        hifob_paid=ytd.hifob_paid + hifob,
        cvlserv_paid=ytd.cvlserv_paid + cvlserv,
        maf_dedc_used=ytd.maf_dedc_used + maf_dedc,
        maf_paid=ytd.maf_paid + maf,
    )


def check_invariants(r: SettleResult) -> None:
    """The conservation equations of docs/settlement.md §3, asserted on every result."""
    amounts = [getattr(r, name) for name in (
        "medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt",
        "inscp_scp_amt", "act_pay_dedc", "hifp_pay", "hifob_pay", "hifmi_pay", "cvlserv_pay",
        "maf_pay", "fund_pay_sumamt", "psn_part_amt", "acct_pay", "psn_cash_pay", "balc")]
    invariant(all(a >= 0 for a in amounts), "negative amount in settlement", r)
    invariant(r.medfee_sumamt == r.fulamt_ownpay_amt + r.overlmt_selfpay + r.preselfpay_amt
              + r.inscp_scp_amt, "line buckets do not add up", r)
    invariant(r.medfee_sumamt == r.fund_pay_sumamt + r.psn_part_amt, "fund + person ≠ total", r)
    invariant(r.psn_part_amt == r.acct_pay + r.psn_cash_pay, "account + cash ≠ person part", r)
    invariant(r.hifp_pay <= r.inscp_scp_amt, "pooling pays above the in-policy amount", r)
