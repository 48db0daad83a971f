"""The scalar one-stop settlement engine (一站式结算): docs/settlement.md §3, step by step.

`settle(request, policy)` is pure and is the definition: the batch engine, the stateful service and
the HTTP transactions all reach the same answer through it or are proven equal to it. Every money
quantity is rounded half-up to the cent once, when it is computed; ratios are never rounded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, localcontext

from yibao.core.checks import invariant
from yibao.core.money import MONEY_CONTEXT, ONE, ZERO, cents, clamp, fmt
from yibao.policy.benefits import CmiProduct, MaternityScheme, OpspDisease, OpspGroup
from yibao.policy.model import Benefit, Policy, SeriousIllness
from yibao.settle.model import (
    DEFAULT_LONG_RX_DAYS,
    FUND_ASSISTANCE,
    FUND_CIVIL_SERVANT,
    FUND_CMI,
    FUND_EMPLOYEE_POOL,
    FUND_LARGE_EXPENSE,
    FUND_MATERNITY,
    FUND_RESIDENT_POOL,
    FUND_SERIOUS_ILLNESS,
    MONEY_FIELDS,
    FeeLine,
    FundDetail,
    SettleRequest,
    SettleResult,
    Ytd,
    add_opsp,
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
    opsp_uncovered_amt: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class Pooling:
    """Steps 2–3: deductible, basic pooling fund payment and what lies above its cap."""

    act_pay_dedc: Decimal
    hifp_pay: Decimal
    ratio: Decimal
    over_cap: Decimal
    room: Decimal | None


@dataclass(frozen=True, slots=True)
class OpspVisit:
    """Step 0: a `14` visit under a policy with `[opsp]`. `benefit` is the group's table for the
    person's scheme when the visit is certified, else None (nothing is covered)."""

    code: str
    disease: OpspDisease | None
    group: OpspGroup | None
    benefit: Benefit | None

    def covers(self, line: FeeLine) -> bool:
        return self.benefit is not None and line.dise_codg in (None, self.code)


def opsp_visit(req: SettleRequest, policy: Policy) -> OpspVisit | None:
    """Step 0: 门诊慢特病 coverage: the disease, its group and whether the visit is certified."""
    opsp, visit = policy.opsp, req.visit
    if opsp is None or visit.med_type != "14":
        return None
    code = visit.dise_codg or ""
    disease = opsp.disease(code)
    group = opsp.group(disease.group) if disease is not None else None
    day = visit.begndate
    certified = day is not None and any(
        cert.opsp_dise_code == code and cert.holds_on(day) for cert in req.person.opsp_certs)
    table = None
    if certified and group is not None:
        table = group.employee if req.person.insutype == "310" else group.resident
    return OpspVisit(code, disease, group, table)


def long_prescriptions(fees: tuple[FeeLine, ...], policy: Policy) -> tuple[str, ...]:
    """Step 1's 长期处方 flag: lines whose `prd_days` exceed the policy's `long_rx_days`."""
    limit = policy.opsp.long_rx_days if policy.opsp is not None else DEFAULT_LONG_RX_DAYS
    return tuple(line.feedetl_sn for line in fees
                 if line.prd_days is not None and line.prd_days > limit)


def split_lines(fees: tuple[FeeLine, ...], class_b_selfpay: Decimal,
                covered: Callable[[FeeLine], bool] | None = None) -> LineTotals:
    """Step 1: 全自费, 超限价, 先行自付 and 政策范围内 amounts of the visit; with `covered` (a
    `14` visit under `[opsp]`), a line it refuses is wholly self-paid (`opsp_uncovered_amt`)."""
    total = ownpay = over = pre = inscp = uncovered = ZERO
    for line in fees:
        amount = cents(line.cnt * line.pric)
        total += amount
        if covered is not None and not covered(line):
            ownpay += amount
            uncovered += amount
            continue
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
    return LineTotals(total, ownpay, over, pre, inscp, uncovered)


def pooling(req: SettleRequest, policy: Policy, benefit: Benefit | None, inscp: Decimal,
            opsp: OpspVisit | None = None) -> Pooling:
    """Steps 2 and 3: the deductible (起付线) and the basic pooling fund (统筹基金); for a
    certified `14` visit under `[opsp]` the deductible is the disease's, and so is the cap
    unless the group shares the pooling fund's annual maximum."""
    if benefit is None:
        return Pooling(ZERO, ZERO, ZERO, ZERO, None)
    visit, ytd, level = req.visit, req.ytd, req.visit.hosp_lv
    own_cap = opsp is not None and opsp.group is not None and not opsp.group.shared_cap
    if visit.med_type == "21":
        deductible = benefit.deductible.of(level)
        if ytd.admissions >= 1:
            deductible = cents(deductible * benefit.repeat_admission_factor)
        dedc = min(inscp, deductible)
    else:
        dedc_used = ytd.op_dedc_used if opsp is None else ytd.opsp("opsp_dedc_used", opsp.code)
        dedc = min(inscp, max(ZERO, benefit.deductible.of(level) - dedc_used))
    ratio = benefit.ratio.of(level) + policy.offsite.of(visit.offsite)
    if req.person.psn_type == "retired":
        ratio += benefit.retired_ratio_add
    ratio = clamp(ratio, ZERO, ONE)
    want = cents((inscp - dedc) * ratio)
    if own_cap:
        assert opsp is not None
        used = ytd.opsp("opsp_paid", opsp.code)
    else:
        used = ytd.op_hifp_paid if visit.med_type == "11" else ytd.hifp_paid
    room = benefit.annual_cap - used
    hifp = min(want, max(ZERO, room))
    binds = hifp < want and not own_cap  # above a disease's own limit is not a large expense
    over_cap = cents((inscp - dedc) - hifp / ratio) if binds else ZERO
    return Pooling(dedc, hifp, ratio, over_cap, max(ZERO, room))


def _maternity_scheme(req: SettleRequest, policy: Policy) -> MaternityScheme | None:
    m = policy.maternity
    if m is None:
        return None
    return m.employee if req.person.insutype == "310" else m.resident


def maternity(req: SettleRequest, policy: Policy, inscp: Decimal) -> tuple[Pooling, str]:
    """Steps 2M–3M: prenatal care (`51`, a yearly cap) or a delivery (`52`, a cap per delivery
    raised per extra fetus); no deductible, offsite delta or retiree addition. The trace."""
    scheme, visit = _maternity_scheme(req, policy), req.visit
    if scheme is not None and visit.med_type == "51" and scheme.prenatal is not None:
        ratio = scheme.prenatal.ratio
        room = max(ZERO, scheme.prenatal.cap - req.ytd.matn_op_paid)
        hifp = min(cents(inscp * ratio), room)
        text = f"产前检查，比例{pct(ratio)}，{room_text(room)}"
        return Pooling(ZERO, hifp, ratio, ZERO, room), text
    delivery = dict(scheme.delivery) if scheme is not None else {}
    if scheme is not None and visit.med_type == "52" and visit.matn_type in delivery:
        entry = delivery[visit.matn_type]
        limit = entry.cap + scheme.extra_fetus * (visit.fetus_cnt - 1)
        hifp = min(cents(inscp * entry.ratio), limit)
        text = (f"生育类别{visit.matn_type}，胎儿数{visit.fetus_cnt}，比例{pct(entry.ratio)}，"
                f"限额{fmt(limit)}")
        return Pooling(ZERO, hifp, entry.ratio, ZERO, limit), text
    return Pooling(ZERO, ZERO, ZERO, ZERO, None), ""


def maternity_allowance(req: SettleRequest, policy: Policy) -> tuple[int, Decimal]:
    """生育津贴 (employees, `52`): days by 生育类别 plus extra fetuses, times the employer's
    average monthly wage / 30, rounded once. Paid outside the bill."""
    person, visit, m = req.person, req.visit, policy.maternity
    if (person.insutype != "310" or visit.med_type != "52" or person.emp_avg_wage is None
            or m is None or m.employee is None):
        return 0, ZERO
    days_by_type = dict(m.employee.allowance_days)
    if visit.matn_type not in days_by_type:
        return 0, ZERO
    days = days_by_type[visit.matn_type] + m.employee.extra_fetus_days * (visit.fetus_cnt - 1)
    return days, cents(person.emp_avg_wage * days / 30)


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


@dataclass(frozen=True, slots=True)
class Commercial:
    """Step 7b: 惠民保, in and out of the catalogue, and the deductible each part used."""

    paid: Paid = Paid()
    cmi_out: Decimal = ZERO
    dedc_used: Decimal = ZERO


def commercial(req: SettleRequest, policy: Policy, lines: LineTotals, funds: Decimal
               ) -> Commercial:
    """Step 7b: what the person's 惠民保 product pays of the self-pay left after every fund."""
    product_id = req.person.cmi_prod
    product: CmiProduct | None = policy.cmi_product(product_id) if product_id else None
    if product is None or req.visit.med_type not in product.med_types:
        return Commercial()
    h_in = lines.inscp_scp_amt - funds + lines.preselfpay_amt
    h_out = lines.fulamt_ownpay_amt + lines.overlmt_selfpay if product.out_ratio > 0 else ZERO
    left = max(ZERO, product.deductible - req.ytd.cmi_dedc_used)
    t_in = min(h_in, left)
    t_out = min(h_out, left - t_in)
    room = max(ZERO, product.annual_cap - req.ytd.cmi_paid)
    cmi_in = min(cents((h_in - t_in) * product.in_ratio), room)
    cmi_out = min(cents((h_out - t_out) * product.out_ratio), room - cmi_in)
    text = (f"惠民保{product.name}（{product.id}），免赔额剩余{fmt(left)}，"
            f"目录内{pct(product.in_ratio)}，目录外{pct(product.out_ratio)}，{room_text(room)}")
    base = (h_in - t_in) + (h_out - t_out)
    return Commercial(_row(FUND_CMI, base, room, cmi_in + cmi_out, text), cmi_out, t_in + t_out)


def account(req: SettleRequest, policy: Policy, lines: LineTotals, psn_part: Decimal,
            cmi_out: Decimal = ZERO) -> tuple[Decimal, Decimal]:
    """Step 9: (what the accounts may pay, what the person's own account pays): employees with
    `use_acct` pay from their own account (个人账户)."""
    allowed = psn_part
    if not policy.account_pays_selfpay_items:
        allowed -= lines.fulamt_ownpay_amt + lines.overlmt_selfpay - cmi_out
    if req.person.insutype != "310" or not req.use_acct:
        return allowed, ZERO
    return allowed, min(allowed, req.acct_balc)


def family_account(req: SettleRequest, policy: Policy, allowed: Decimal, acct: Decimal
                   ) -> tuple[Decimal, Decimal | None]:
    """Step 9b: 家庭共济, the bound holder's account pays what the person's own did not;
    (payment, holder's balance after), the balance None without `acct_mulaid`."""
    mulaid = req.acct_mulaid
    if mulaid is None:
        return ZERO, None
    if not policy.family_sharing:
        return ZERO, mulaid.acct_balc
    pay = min(allowed - acct, mulaid.acct_balc)
    return pay, mulaid.acct_balc - pay


def _pool_fund(employee: bool, med: str) -> str:
    if med in ("51", "52"):
        return FUND_MATERNITY if employee else FUND_RESIDENT_POOL
    return FUND_EMPLOYEE_POOL if employee else FUND_RESIDENT_POOL


def _pool_info(pool: Pooling, opsp: OpspVisit | None) -> str:
    text = pooling_info(pool.act_pay_dedc, pool.ratio, pool.room)
    if opsp is None or opsp.disease is None or opsp.group is None:
        return text
    cap = "与住院共用年度最高支付限额" if opsp.group.shared_cap else "病种单独限额"
    return f"门诊慢特病{opsp.disease.name}（{opsp.code}，{opsp.group.name}，{cap}），{text}"


def _settle(req: SettleRequest, policy: Policy) -> SettleResult:
    person, visit = req.person, req.visit
    med = visit.med_type
    employee, serious = person.insutype == "310", med in ("14", "21")
    opsp = opsp_visit(req, policy)
    lines = split_lines(req.fees, policy.class_b_selfpay, opsp.covers if opsp else None)
    inscp = lines.inscp_scp_amt
    if med in ("51", "52"):
        pool, info = maternity(req, policy, inscp)
        pool_base = inscp
    else:
        benefit = opsp.benefit if opsp else policy.scheme(person.insutype).benefit(med)
        pool = pooling(req, policy, benefit, inscp, opsp)
        info, pool_base = _pool_info(pool, opsp), inscp - pool.act_pay_dedc
    hifp = pool.hifp_pay
    pool_paid = _row(_pool_fund(employee, med), pool_base, pool.room, hifp, info)
    le = large_expense(req, policy, pool) if serious else Paid()
    # si_base grows by e for residents' 14/21 visits even when the fund is switched off (step 10)
    si_growth = inscp - hifp if not employee and serious else ZERO
    si_on = not employee and serious and policy.serious_illness is not None
    si = serious_illness(req, policy, si_growth) if si_on else Paid()
    cs = civil_servant(req, policy, inscp - hifp - le.amount) if serious else Paid()
    remaining = inscp - hifp - le.amount - si.amount - cs.amount
    maf, maf_dedc = assistance(req, policy, remaining) if serious else (Paid(), ZERO)
    fund = hifp + le.amount + si.amount + cs.amount + maf.amount
    cmi = commercial(req, policy, lines, fund)
    psn_part = lines.medfee_sumamt - fund - cmi.paid.amount
    allowed, acct = account(req, policy, lines, psn_part, cmi.cmi_out)
    mulaid, mulaid_balc = family_account(req, policy, allowed, acct)
    alwn_days, alwn_amt = maternity_allowance(req, policy)
    paid = (le.amount, si.amount, cs.amount, maf.amount, maf_dedc)
    result = SettleResult(
        setl_id=req.setl_id or f"S{visit.mdtrt_id}", mdtrt_id=visit.mdtrt_id,
        psn_no=person.psn_no, insutype=person.insutype, med_type=med,
        medfee_sumamt=lines.medfee_sumamt, fulamt_ownpay_amt=lines.fulamt_ownpay_amt,
        overlmt_selfpay=lines.overlmt_selfpay, preselfpay_amt=lines.preselfpay_amt,
        inscp_scp_amt=inscp, act_pay_dedc=pool.act_pay_dedc, hifp_pay=hifp,
        pool_prop_selfpay=pool.ratio, hifob_pay=le.amount, hifmi_pay=si.amount,
        cvlserv_pay=cs.amount, maf_pay=maf.amount, fund_pay_sumamt=fund, psn_part_amt=psn_part,
        acct_pay=acct, psn_cash_pay=psn_part - acct - mulaid, balc=req.acct_balc - acct,
        setldetail=tuple(p.detail for p in (pool_paid, le, si, cs, maf, cmi.paid) if p.detail),
        ytd_after=_accumulate(req.ytd, med, employee, pool, paid, si_growth, opsp, cmi),
        opsp_uncovered_amt=lines.opsp_uncovered_amt,
        long_rx=long_prescriptions(req.fees, policy), cmi_pay=cmi.paid.amount,
        acct_mulaid_pay=mulaid, acct_mulaid_balc=mulaid_balc,
        matn_alwn_days=alwn_days, matn_alwn_amt=alwn_amt,
    )
    check_invariants(result)
    return result


def _accumulate(
    ytd: Ytd, med: str, employee: bool, pool: Pooling,
    paid: tuple[Decimal, Decimal, Decimal, Decimal, Decimal], si_growth: Decimal,
    opsp: OpspVisit | None = None, cmi: Commercial = Commercial(),
) -> Ytd:
    """Step 10: the accumulators after this visit."""
    hifob, hifmi, cvlserv, maf, maf_dedc = paid
    inpatient, outpatient = med == "21", med == "11"
    certified = opsp is not None and opsp.benefit is not None
    opsp_paid, opsp_dedc = ytd.opsp_paid, ytd.opsp_dedc_used
    if certified:
        assert opsp is not None
        opsp_paid = add_opsp(opsp_paid, opsp.code, pool.hifp_pay)
        opsp_dedc = add_opsp(opsp_dedc, opsp.code, pool.act_pay_dedc)
    op_dedc = pool.act_pay_dedc if outpatient or (med == "14" and opsp is None) else ZERO
    return Ytd(
        admissions=ytd.admissions + (1 if inpatient else 0),
        hifp_paid=ytd.hifp_paid + (pool.hifp_pay if med in ("14", "21") else ZERO),
        op_hifp_paid=ytd.op_hifp_paid + (pool.hifp_pay if outpatient else ZERO),
        op_dedc_used=ytd.op_dedc_used + op_dedc,
        si_base=ytd.si_base + (ZERO if employee else si_growth),
        hifmi_paid=ytd.hifmi_paid + hifmi,
        hifob_paid=ytd.hifob_paid + hifob,
        cvlserv_paid=ytd.cvlserv_paid + cvlserv,
        maf_dedc_used=ytd.maf_dedc_used + maf_dedc,
        maf_paid=ytd.maf_paid + maf,
        matn_op_paid=ytd.matn_op_paid + (pool.hifp_pay if med == "51" else ZERO),
        cmi_dedc_used=ytd.cmi_dedc_used + cmi.dedc_used,
        cmi_paid=ytd.cmi_paid + cmi.paid.amount,
        opsp_paid=opsp_paid, opsp_dedc_used=opsp_dedc,
    )


def check_invariants(r: SettleResult) -> None:
    """The conservation equations of docs/settlement.md §3, asserted on every result."""
    amounts = [getattr(r, name) for name in MONEY_FIELDS]
    if r.acct_mulaid_balc is not None:
        amounts.append(r.acct_mulaid_balc)
    invariant(all(a >= 0 for a in amounts), "negative amount in settlement", r)
    invariant(r.medfee_sumamt == r.fulamt_ownpay_amt + r.overlmt_selfpay + r.preselfpay_amt
              + r.inscp_scp_amt, "line buckets do not add up", r)
    invariant(r.medfee_sumamt == r.fund_pay_sumamt + r.cmi_pay + r.psn_part_amt,
              "fund + commercial + person ≠ total", r)
    invariant(r.psn_part_amt == r.acct_pay + r.acct_mulaid_pay + r.psn_cash_pay,
              "accounts + cash ≠ person part", r)
    invariant(r.hifp_pay <= r.inscp_scp_amt, "pooling pays above the in-policy amount", r)
