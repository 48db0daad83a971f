"""A set of policies laid out as int64 parameter arrays for the batch engine (fen and 10^-4)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

import numpy as np

from yibao.core.money import to_fen
from yibao.policy.model import ASSISTANCE_ORDER, LEVELS, OFFSITE_KINDS, Benefit, Policy
from yibao.settle.fixed import I64, ratio_e4_of

#: Amount standing for "no upper bound" in tier tables; far above any validated amount.
UNBOUNDED: Final = np.int64(2**62)
BENEFITS: Final = ("outpatient", "chronic", "inpatient")  # by med code 0/1/2 (11/14/21)


def _e4(value: Decimal) -> int:
    return ratio_e4_of(value)


@dataclass(frozen=True, slots=True)
class PolicyArrays:
    """Parameters indexed by policy (and scheme 0 resident / 1 employee, med code, level)."""

    covered: I64  # [policy, scheme, med] 1 when the benefit section exists
    deductible: I64  # [policy, scheme, med, lv] fen
    ratio: I64  # [policy, scheme, med, lv] e4
    annual_cap: I64  # [policy, scheme, med] fen
    repeat_factor: I64  # [policy, scheme, med] e4
    retired_add: I64  # [policy, scheme, med] e4
    offsite: I64  # [policy, kind] e4, ≤ 0
    class_b: I64  # [policy] e4
    le: I64  # [policy, (exists, ratio e4, cap fen)]
    cs: I64  # [policy, (exists, ratio e4, cap fen)]
    si: I64  # [policy, (exists, threshold fen, cap fen, tilt groups mask, factor, add, no_cap)]
    si_above: I64  # [policy, tier] fen, UNBOUNDED past the last tier
    si_ratio: I64  # [policy, tier] e4
    aid: I64  # [policy, group, (exists, threshold fen, ratio e4, cap fen)]
    account_all: I64  # [policy] 1 when the account pays self-pay items too


def _benefit_rows(benefit: Benefit | None) -> tuple[list[int], list[int], list[int]]:
    """(scalars, deductible by level, ratio by level) of one benefit."""
    if benefit is None:
        return [0, 0, 0, 0], [0, 0, 0], [0, 0, 0]
    scalars = [1, to_fen(benefit.annual_cap), _e4(benefit.repeat_admission_factor),
               _e4(benefit.retired_ratio_add)]
    return (scalars, [to_fen(benefit.deductible.of(lv)) for lv in LEVELS],
            [_e4(benefit.ratio.of(lv)) for lv in LEVELS])


def _mask(groups: frozenset[str]) -> int:
    return sum(1 << i for i, name in enumerate(ASSISTANCE_ORDER) if name in groups)


def _si_row(policy: Policy) -> list[int]:
    si = policy.serious_illness
    if si is None:
        return [0, 0, 0, 0, 10_000, 0, 0]
    tilt = si.tilt
    if tilt is None:
        return [1, to_fen(si.threshold), to_fen(si.annual_cap), 0, 10_000, 0, 0]
    return [1, to_fen(si.threshold), to_fen(si.annual_cap), _mask(tilt.groups),
            _e4(tilt.threshold_factor), _e4(tilt.ratio_add), int(tilt.no_cap)]


def _tiers(policies: Sequence[Policy]) -> tuple[I64, I64]:
    width = max([len(p.serious_illness.tiers) for p in policies if p.serious_illness] or [1])
    above = np.full((len(policies), width + 1), UNBOUNDED, dtype=np.int64)
    ratio = np.zeros((len(policies), width), dtype=np.int64)
    for i, policy in enumerate(policies):
        for j, tier in enumerate(policy.serious_illness.tiers if policy.serious_illness else ()):
            above[i, j], ratio[i, j] = to_fen(tier.above), _e4(tier.ratio)
    return above, ratio


def _aid(policy: Policy) -> list[list[int]]:
    named = dict(policy.assistance)
    return [[1, to_fen(a.threshold), _e4(a.ratio), to_fen(a.annual_cap)] if a else [0, 0, 0, 0]
            for a in (named.get(group) for group in ASSISTANCE_ORDER)]


def _fund(fund: object) -> list[int]:
    if fund is None:
        return [0, 0, 0]
    ratio, cap = getattr(fund, "ratio"), getattr(fund, "annual_cap")  # noqa: B009
    return [1, _e4(ratio), to_fen(cap)]


def policy_arrays(policies: Sequence[Policy]) -> PolicyArrays:
    """Lay out `policies` (the batch's distinct policies, by index) as parameter arrays."""
    rows = [[[_benefit_rows(p.scheme(s).benefit(m)) for m in ("11", "14", "21")]
             for s in ("390", "310")] for p in policies]
    scalars = np.array([[[b[0] for b in scheme] for scheme in p] for p in rows], dtype=np.int64)
    above, ratio = _tiers(policies)

    def array(values: object) -> I64:
        return np.array(values, dtype=np.int64)

    return PolicyArrays(
        covered=scalars[..., 0], annual_cap=scalars[..., 1], repeat_factor=scalars[..., 2],
        retired_add=scalars[..., 3],
        deductible=array([[[b[1] for b in scheme] for scheme in p] for p in rows]),
        ratio=array([[[b[2] for b in scheme] for scheme in p] for p in rows]),
        offsite=array([[_e4(p.offsite.of(kind)) for kind in OFFSITE_KINDS] for p in policies]),
        class_b=array([_e4(p.class_b_selfpay) for p in policies]),
        le=array([_fund(p.large_expense) for p in policies]).reshape(len(policies), 3),
        cs=array([_fund(p.civil_servant) for p in policies]).reshape(len(policies), 3),
        si=array([_si_row(p) for p in policies]).reshape(len(policies), 7),
        si_above=above, si_ratio=ratio,
        aid=array([_aid(p) for p in policies]).reshape(len(policies), len(ASSISTANCE_ORDER), 4),
        account_all=array([int(p.account_pays_selfpay_items) for p in policies]),
    )
