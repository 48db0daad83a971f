"""The vectorised batch settlement engine: docs/settlement.md §3 over columns of int64.

Step 1 runs once over all fee lines. Steps 2–10 depend on the accumulators of the person's earlier
requests, so requests are grouped by key (person, scheme, year) and ranked by input order within
their key; the engine then makes one vectorised pass per rank, over every key that has a request of
that rank, carrying each key's accumulators forward. The number of passes is the largest number of
requests of one key, not the number of requests. Results equal `engine.settle` to the cent.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from itertools import pairwise
from typing import Final

import numpy as np

from yibao.settle.columns import REQUEST_FIELDS, RequestColumns, subset
from yibao.settle.fixed import I64, line_amount, mul_ratio, over_cap
from yibao.settle.params import UNBOUNDED, PolicyArrays, policy_arrays

#: Accumulator columns, in `YTD_KEYS` order.
ADM, HIFP, OP_HIFP, OP_DEDC, SI_BASE, HIFMI, HIFOB, CVLSERV, MAF_DEDC, MAF = range(10)
NO_ROOM: Final = -1  # a fund without an annual cap for this visit
#: Below this many requests a batch is settled in one thread: splitting would cost more.
PARALLEL_MIN_REQUESTS: Final = 100_000


@dataclass(frozen=True, slots=True)
class BatchResult:
    """Per-request results in fen (and `pool_prop_selfpay` in 10^-4), in input order: the
    output fields, and for each fund the base it paid on and its remaining annual room (NO_ROOM:
    none), as `batch_output.DETAIL_LINES` names them, so that nothing downstream recomputes
    them."""

    values: dict[str, I64]
    ytd_after: I64  # (n, 10)


def line_totals(cols: RequestColumns, params: PolicyArrays) -> dict[str, I64]:
    """Step 1 for every fee line at once, summed per request."""
    fees = cols.fees
    assert cols.size > 0 and np.all(np.diff(fees.request) >= 0), "fees must be grouped by request"
    own = fees.item == 2
    amount = line_amount(fees.cnt_e4, fees.pric_e6)
    excess = np.zeros_like(amount)  # computed only on the lines with a price cap
    capped = np.flatnonzero((fees.pric_uplmt_e6 >= 0) & ~own)
    excess[capped] = line_amount(fees.cnt_e4[capped], np.maximum(
        fees.pric_e6[capped] - fees.pric_uplmt_e6[capped], 0))
    base = amount - excess
    pre = np.zeros_like(amount)  # 先行自付, only on 乙类 lines
    class_b = np.flatnonzero(fees.item == 1)
    given = fees.selfpay_prop_e4[class_b]
    default = params.class_b[cols.policy[fees.request[class_b]]]
    pre[class_b] = mul_ratio(base[class_b], np.where(given >= 0, given, default))
    starts = np.flatnonzero(np.r_[True, fees.request[1:] != fees.request[:-1]])
    assert len(starts) == cols.size, "every request needs at least one fee line"

    def per_request(values: I64) -> I64:
        return np.add.reduceat(values, starts)

    return {
        "medfee_sumamt": per_request(amount),
        "fulamt_ownpay_amt": per_request(np.where(own, amount, 0)),
        "overlmt_selfpay": per_request(excess),
        "preselfpay_amt": per_request(pre),
        "inscp_scp_amt": per_request(np.where(own, 0, base - pre)),
    }


def request_params(cols: RequestColumns, params: PolicyArrays) -> dict[str, I64]:
    """Each request's own parameters, gathered from its policy, scheme, benefit and level."""
    pi, scheme, med = cols.policy, cols.employee.astype(np.int64), cols.med
    covered = params.covered[pi, scheme, med] == 1
    ratio = (params.ratio[pi, scheme, med, cols.lv] + params.offsite[pi, cols.offsite]
             + np.where(cols.retired, params.retired_add[pi, scheme, med], 0))
    chosen = np.full(cols.size, -1, dtype=np.int64)
    for group in reversed(range(params.aid.shape[1])):  # the first named group wins
        named = ((cols.groups >> group) & 1 == 1) & (params.aid[pi, group, 0] == 1)
        chosen = np.where(named, group, chosen)
    aid = params.aid[pi, np.maximum(chosen, 0)]
    si = params.si[pi]
    tilt = (cols.groups & si[:, 3]) != 0
    return {
        "deductible": params.deductible[pi, scheme, med, cols.lv],
        "ratio": np.where(covered, np.clip(ratio, 0, 10_000), 0),
        "cap": params.annual_cap[pi, scheme, med],
        "factor": params.repeat_factor[pi, scheme, med],
        "le_on": params.le[pi, 0], "le_ratio": params.le[pi, 1], "le_cap": params.le[pi, 2],
        "cs_on": params.cs[pi, 0], "cs_ratio": params.cs[pi, 1], "cs_cap": params.cs[pi, 2],
        "si_on": si[:, 0], "si_cap": si[:, 2], "tilt": tilt.astype(np.int64),
        "si_threshold": np.where(tilt, mul_ratio(si[:, 1], si[:, 4]), si[:, 1]),
        "si_add": np.where(tilt, si[:, 5], 0), "si_uncapped": (tilt & (si[:, 6] == 1)) * 1,
        "aid_group": chosen, "aid_threshold": aid[:, 1], "aid_ratio": aid[:, 2],
        "aid_cap": aid[:, 3], "account_all": params.account_all[pi],
    }


def rank_passes(cols: RequestColumns) -> tuple[I64, list[I64]]:
    """(key of each request, the request indexes of each rank) for the per-rank passes."""
    combined = (cols.person_key * 2 + cols.employee) * 10_000 + cols.year
    order = np.argsort(combined, kind="stable")  # input order kept within a key
    sorted_key = combined[order]
    first = np.r_[True, sorted_key[1:] != sorted_key[:-1]]
    starts = np.flatnonzero(first)
    lengths = np.diff(np.r_[starts, cols.size])
    key = np.empty(cols.size, dtype=np.int64)
    key[order] = np.cumsum(first) - 1
    rank = np.empty(cols.size, dtype=np.int64)
    rank[order] = np.arange(cols.size) - np.repeat(starts, lengths)
    small = rank.astype(np.int16) if int(lengths.max()) < 2**15 else rank  # radix-sortable
    by_rank = np.argsort(small, kind="stable")
    bounds = np.flatnonzero(np.diff(rank[by_rank])) + 1
    return key, np.split(by_rank, bounds)


def _pooling(rows: dict[str, I64], state: I64) -> dict[str, I64]:
    """Steps 2 and 3 for one pass."""
    inscp, med, deductible = rows["inscp_scp_amt"], rows["med"], rows["deductible"]
    inpatient, outpatient = med == 2, med == 0
    repeat = np.where(state[:, ADM] >= 1, mul_ratio(deductible, rows["factor"]), deductible)
    dedc = np.where(inpatient, np.minimum(inscp, repeat),
                    np.minimum(inscp, np.maximum(0, deductible - state[:, OP_DEDC])))
    base = inscp - dedc
    want = mul_ratio(base, rows["ratio"])
    room = rows["cap"] - np.where(outpatient, state[:, OP_HIFP], state[:, HIFP])
    hifp = np.minimum(want, np.maximum(0, room))
    binds = hifp < want
    above = np.where(binds, over_cap(base, hifp, np.where(binds, rows["ratio"], 1)), 0)
    return {"act_pay_dedc": dedc, "hifp_pay": hifp, "pool_base": base,
            "pool_room": np.maximum(0, room), "over_cap": above}


def _serious_illness(rows: dict[str, I64], params: PolicyArrays, state: I64,
                     eligible: I64) -> I64:
    """Step 5's claim before the cap: the progressive tiers over (B0, B0 + e]."""
    before = state[:, SI_BASE]
    after = before + eligible
    threshold, pi = rows["si_threshold"], rows["policy"]
    claim = np.zeros(len(pi), dtype=np.int64)
    for tier in range(params.si_ratio.shape[1]):
        low = threshold + params.si_above[pi, tier]
        nxt = params.si_above[pi, tier + 1]
        high = np.where(nxt == UNBOUNDED, UNBOUNDED, threshold + nxt)
        overlap = np.maximum(0, np.minimum(after, high) - np.maximum(before, low))
        ratio = np.minimum(10_000, params.si_ratio[pi, tier] + rows["si_add"])
        claim += mul_ratio(overlap, ratio)
    return claim


def _funds(rows: dict[str, I64], params: PolicyArrays, state: I64,
           pool: dict[str, I64]) -> dict[str, I64]:
    """Steps 4 to 7 for one pass."""
    inscp, employee = rows["inscp_scp_amt"], rows["employee"] == 1
    serious, hifp = rows["med"] != 0, pool["hifp_pay"]
    le_room = np.maximum(0, rows["le_cap"] - state[:, HIFOB])
    hifob = np.where(employee & serious & (rows["le_on"] == 1),
                     np.minimum(mul_ratio(pool["over_cap"], rows["le_ratio"]), le_room), 0)
    si_on = ~employee & serious & (rows["si_on"] == 1)
    eligible = np.where(~employee & serious, inscp - hifp, 0)  # grows si_base even if SI is off
    claim = _serious_illness(rows, params, state, eligible)
    si_room = np.where(rows["si_uncapped"] == 1, NO_ROOM,
                       np.maximum(0, rows["si_cap"] - state[:, HIFMI]))
    hifmi = np.where(si_on, np.where(si_room == NO_ROOM, claim, np.minimum(claim, si_room)), 0)
    cs_base = inscp - hifp - hifob
    cs_room = np.maximum(0, rows["cs_cap"] - state[:, CVLSERV])
    cs_on = employee & (rows["civil_servant"] == 1) & serious & (rows["cs_on"] == 1)
    cvlserv = np.where(cs_on, np.minimum(mul_ratio(cs_base, rows["cs_ratio"]), cs_room), 0)
    aid_on = serious & (rows["aid_group"] >= 0)
    remaining = cs_base - hifmi - cvlserv
    used = np.where(aid_on, np.minimum(
        remaining, np.maximum(0, rows["aid_threshold"] - state[:, MAF_DEDC])), 0)
    maf_room = np.maximum(0, rows["aid_cap"] - state[:, MAF])
    maf = np.where(aid_on, np.minimum(mul_ratio(remaining - used, rows["aid_ratio"]), maf_room), 0)
    return {"hifob_pay": hifob, "le_room": le_room, "hifmi_pay": hifmi, "si_eligible": eligible,
            "si_room": si_room, "cvlserv_pay": cvlserv, "cs_base": cs_base, "cs_room": cs_room,
            "maf_pay": maf, "maf_dedc": used, "maf_base": remaining - used, "maf_room": maf_room}


def _settle_pass(rows: dict[str, I64], params: PolicyArrays, state: I64) -> dict[str, I64]:
    """Steps 2–10 for the requests of one rank; updates `state` (their keys' rows) in place."""
    pool = _pooling(rows, state)
    funds = _funds(rows, params, state, pool)
    fund = (pool["hifp_pay"] + funds["hifob_pay"] + funds["hifmi_pay"] + funds["cvlserv_pay"]
            + funds["maf_pay"])
    psn_part = rows["medfee_sumamt"] - fund
    payable = psn_part - np.where(rows["account_all"] == 1, 0,
                                  rows["fulamt_ownpay_amt"] + rows["overlmt_selfpay"])
    acct = np.where((rows["employee"] == 1) & (rows["use_acct"] == 1),
                    np.minimum(payable, rows["acct_balc"]), 0)
    inpatient, outpatient = rows["med"] == 2, rows["med"] == 0
    state[:, ADM] += inpatient
    state[:, HIFP] += np.where(outpatient, 0, pool["hifp_pay"])
    state[:, OP_HIFP] += np.where(outpatient, pool["hifp_pay"], 0)
    state[:, OP_DEDC] += np.where(inpatient, 0, pool["act_pay_dedc"])
    state[:, SI_BASE] += funds["si_eligible"]
    for column, name in ((HIFMI, "hifmi_pay"), (HIFOB, "hifob_pay"), (CVLSERV, "cvlserv_pay"),
                         (MAF_DEDC, "maf_dedc"), (MAF, "maf_pay")):
        state[:, column] += funds[name]
    none = np.zeros_like(fund)  # the benefits extension's amounts (not yet in the batch path)
    return {**pool, **funds, "fund_pay_sumamt": fund, "psn_part_amt": psn_part, "acct_pay": acct,
            "psn_cash_pay": psn_part - acct, "balc": rows["acct_balc"] - acct,
            "opsp_uncovered_amt": none, "cmi_pay": none, "acct_mulaid_pay": none,
            "matn_alwn_amt": none}


def _in_pass_order(cols: RequestColumns, order: I64) -> RequestColumns:
    """The request columns permuted so that each rank's requests are contiguous (fees as is)."""
    return replace(cols, **{name: getattr(cols, name)[order] for name in REQUEST_FIELDS})


def settle_columns(cols: RequestColumns, workers: int = 1) -> BatchResult:
    """Settle every request of the batch, carrying accumulators forward per key in input order.

    Each key starts from the `ytd` of its first request; later requests' `ytd` is not read.
    With `workers` > 1 the batch is split by person into that many partitions settled in
    threads (numpy releases the GIL in array operations); keys never span partitions, so the
    result is the same.
    """
    if workers <= 1 or cols.size < PARALLEL_MIN_REQUESTS:
        return _settle_partition(cols)
    parts = [np.flatnonzero(cols.person_key % workers == w) for w in range(workers)]
    parts = [rows for rows in parts if len(rows)]
    if len(parts) == 1:
        return _settle_partition(cols)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(lambda rows: _settle_partition(subset(cols, rows)), parts))
    values = {name: np.empty(cols.size, dtype=np.int64) for name in results[0].values}
    ytd_after = np.empty_like(cols.ytd)
    for rows, result in zip(parts, results, strict=True):
        for name, column in result.values.items():
            values[name][rows] = column
        ytd_after[rows] = result.ytd_after
    return BatchResult(values, ytd_after)


def _settle_partition(cols: RequestColumns) -> BatchResult:
    """One thread's work: requests are permuted once into pass order, so that every pass works
    on contiguous slices, and the results are put back into input order at the end."""
    params = policy_arrays(cols.policies)
    key, passes = rank_passes(cols)
    order = np.concatenate(passes)
    ordered = _in_pass_order(cols, order)
    totals = {name: column[order] for name, column in line_totals(cols, params).items()}
    per_request = {**totals, **request_params(ordered, params),
                   "policy": ordered.policy, "med": ordered.med, "employee": ordered.employee * 1,
                   "civil_servant": ordered.civil_servant * 1, "use_acct": ordered.use_acct * 1,
                   "acct_balc": ordered.acct_balc}
    keys = key[order]
    state = np.zeros((int(key.max()) + 1, cols.ytd.shape[1]), dtype=np.int64)
    first = slice(0, len(passes[0]))
    state[keys[first]] = ordered.ytd[first]
    ytd_after = np.empty_like(cols.ytd)
    values: dict[str, I64] = {}
    bounds = np.cumsum([0, *(len(p) for p in passes)])
    for low, high in pairwise(bounds):
        part = slice(int(low), int(high))
        block = state[keys[part]]
        out = _settle_pass({name: column[part] for name, column in per_request.items()},
                           params, block)
        state[keys[part]] = block
        ytd_after[part] = block
        for name, column in out.items():
            if name not in values:
                values[name] = np.empty(cols.size, dtype=np.int64)
            values[name][part] = column
    for name in ("medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt",
                 "inscp_scp_amt", "ratio", "si_threshold", "si_add", "aid_group", "policy"):
        values[name] = per_request[name]
    values["pool_prop_selfpay"] = values.pop("ratio")
    restored = {name: _unpermute(column, order) for name, column in values.items()}
    return BatchResult(restored, _unpermute(ytd_after, order))


def _unpermute(column: I64, order: I64) -> I64:
    result = np.empty_like(column)
    result[order] = column
    return result
