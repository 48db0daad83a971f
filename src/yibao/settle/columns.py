"""The batch engine's columnar layout: one row per request, one row per fee line, in int64.

Money is integer fen, ratios 10^-4 units, `cnt` 10^-4 and prices 10^-6 units (see `fixed`).
Codes: `employee` (310) vs resident (390); `med` 0/1/2 for med_type 11/14/21; `lv` 0/1/2 for
levels 1/2/3; `offsite` the index in `OFFSITE_KINDS`; `groups` a bit mask over
`ASSISTANCE_ORDER`; fee `item` 0/1/2 for 01/02/03; `-1` marks a missing optional value.
`docs/batch.md` documents the same layout as Parquet files.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Final

import numpy as np
import numpy.typing as npt

from yibao.core.money import scaled_int, to_fen
from yibao.policy.model import ASSISTANCE_ORDER, LEVELS, OFFSITE_KINDS, Policy
from yibao.settle.fixed import I64
from yibao.settle.model import MED_TYPES, YTD_KEYS, SettleRequest

BoolArray = npt.NDArray[np.bool_]
MISSING: Final = -1
GROUP_BITS: Final = {name: 1 << index for index, name in enumerate(ASSISTANCE_ORDER)}
ITEMS: Final = ("01", "02", "03")
#: The per-request columns of `RequestColumns` (all but `policies` and `fees`).
REQUEST_FIELDS: Final = ("policy", "person_key", "year", "employee", "retired", "civil_servant",
                         "groups", "med", "lv", "offsite", "acct_balc", "use_acct", "ytd")


@dataclass(frozen=True, slots=True)
class FeeColumns:
    """Fee lines of all requests, grouped by request in request order."""

    request: I64  # index of the request the line belongs to, non-decreasing
    item: I64
    cnt_e4: I64
    pric_e6: I64
    selfpay_prop_e4: I64  # MISSING: the policy's class_b_selfpay applies
    pric_uplmt_e6: I64  # MISSING: no price cap


@dataclass(frozen=True, slots=True)
class RequestColumns:
    """Requests in input order; `policies[policy[i]]` is request i's policy."""

    policies: tuple[Policy, ...]
    policy: I64
    person_key: I64  # dense code of psn_no
    year: I64  # settlement year (enddate, else begndate), 0 when neither is given
    employee: BoolArray
    retired: BoolArray
    civil_servant: BoolArray
    groups: I64
    med: I64
    lv: I64
    offsite: I64
    acct_balc: I64
    use_acct: BoolArray
    ytd: I64  # shape (n, len(YTD_KEYS)): admissions, then the fen accumulators
    fees: FeeColumns

    @property
    def size(self) -> int:
        return len(self.policy)


def _codes(values: Sequence[str], alphabet: Sequence[str]) -> I64:
    index = {value: code for code, value in enumerate(alphabet)}
    return np.fromiter((index[v] for v in values), dtype=np.int64, count=len(values))


def _fees(requests: Sequence[SettleRequest]) -> FeeColumns:
    lines = [(i, line) for i, req in enumerate(requests) for line in req.fees]
    n = len(lines)

    def column(values: list[int]) -> I64:
        return np.fromiter(values, dtype=np.int64, count=n)

    return FeeColumns(
        request=column([i for i, _ in lines]),
        item=_codes([line.chrg_itm_lv for _, line in lines], ITEMS),
        cnt_e4=column([scaled_int(line.cnt, 4) for _, line in lines]),
        pric_e6=column([scaled_int(line.pric, 6) for _, line in lines]),
        selfpay_prop_e4=column([
            MISSING if line.selfpay_prop is None else scaled_int(line.selfpay_prop, 4)
            for _, line in lines]),
        pric_uplmt_e6=column([
            MISSING if line.pric_uplmt_amt is None else scaled_int(line.pric_uplmt_amt, 6)
            for _, line in lines]),
    )


def _ytd_row(req: SettleRequest) -> list[int]:
    return [req.ytd.admissions] + [to_fen(getattr(req.ytd, key)) for key in YTD_KEYS[1:]]


def uses_benefits(req: SettleRequest, policy: Policy) -> bool:
    """Whether a request needs the benefits extension (SETTLEMENT.md §3 steps 0, 2M–3M, 7b, 9b),
    which the batch path does not carry yet."""
    person = req.person
    return (req.visit.med_type in ("51", "52") or person.cmi_prod is not None
            or req.acct_mulaid is not None
            or (req.visit.med_type == "14" and policy.opsp is not None)
            or any(line.prd_days is not None for line in req.fees))


def build_columns(
    requests: Sequence[SettleRequest], policies: Sequence[Policy]
) -> RequestColumns:
    """Lay validated requests out as columns; `policies[i]` is the policy of `requests[i]`."""
    if any(uses_benefits(r, p) for r, p in zip(requests, policies, strict=True)):
        raise ValueError("批量结算暂不支持门诊慢特病、生育、惠民保和家庭共济的请求")
    catalogue: dict[str, int] = {}
    for policy in policies:
        catalogue.setdefault(policy.id + "\0" + policy.source, len(catalogue))
    distinct = {code: policy for policy in policies
                for code in [catalogue[policy.id + "\0" + policy.source]]}
    n = len(requests)
    _, person_key = np.unique(np.array([r.person.psn_no for r in requests], dtype=object),
                              return_inverse=True)

    def flags(values: list[bool]) -> BoolArray:
        return np.fromiter(values, dtype=np.bool_, count=n)

    return RequestColumns(
        policies=tuple(distinct[code] for code in range(len(distinct))),
        policy=np.fromiter((catalogue[p.id + "\0" + p.source] for p in policies), np.int64, n),
        person_key=person_key.astype(np.int64).reshape(n),
        year=np.fromiter((r.visit.year or 0 for r in requests), np.int64, n),
        employee=flags([r.person.insutype == "310" for r in requests]),
        retired=flags([r.person.psn_type == "retired" for r in requests]),
        civil_servant=flags([r.person.civil_servant for r in requests]),
        groups=np.fromiter((sum(GROUP_BITS[g] for g in r.person.groups) for r in requests),
                           np.int64, n),
        med=_codes([r.visit.med_type for r in requests], MED_TYPES),
        lv=_codes([r.visit.hosp_lv for r in requests], LEVELS),
        offsite=_codes([r.visit.offsite for r in requests], OFFSITE_KINDS),
        acct_balc=np.fromiter((to_fen(r.acct_balc) for r in requests), np.int64, n),
        use_acct=flags([r.use_acct for r in requests]),
        ytd=np.array([_ytd_row(r) for r in requests], dtype=np.int64).reshape(n, len(YTD_KEYS)),
        fees=_fees(requests),
    )


def subset(cols: RequestColumns, rows: I64) -> RequestColumns:
    """The requests at `rows` (ascending) with their fee lines, re-indexed from zero."""
    local = np.full(cols.size, -1, dtype=np.int64)
    local[rows] = np.arange(len(rows), dtype=np.int64)
    fees = cols.fees
    lines = np.flatnonzero(local[fees.request] >= 0)
    return replace(
        cols, **{name: getattr(cols, name)[rows] for name in REQUEST_FIELDS},
        fees=FeeColumns(
            request=local[fees.request[lines]], item=fees.item[lines],
            cnt_e4=fees.cnt_e4[lines], pric_e6=fees.pric_e6[lines],
            selfpay_prop_e4=fees.selfpay_prop_e4[lines],
            pric_uplmt_e6=fees.pric_uplmt_e6[lines]),
    )
