"""Group many cases at once, in columns. Same rules as `group_case`, as array operations.

Codes are encoded once to the compiled pack's integer ids (each distinct input string is looked up
once). Every list a case is tested against over all its codes is a bit, so one OR per case
answers them all. The MDCs are then tried in order over the index array of the cases still
pending, each ADRG over the cases its MDC kept and no earlier ADRG took; a condition is one
gather. A property test proves that this equals the scalar grouper on random cases.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from yibao.core.checks import invariant
from yibao.core.codes import check_diagnosis, check_procedure
from yibao.payment.drg.grouper import group_case
from yibao.payment.drg.layout import cases_from_frame
from yibao.payment.drg.loader import RulePack
from yibao.payment.drg.model import (
    UNGROUPABLE_DRG,
    Condition,
    Pack,
    Predicate,
    Reason,
    Rule,
    SplitTest,
    Status,
)

REASONS = tuple(Reason)  # reason code r > 0 is REASONS[r - 1]
NO_MDC_CODE = REASONS.index(Reason.NO_MDC) + 1
WHEN_CODES = {SplitTest.MCC: 0, SplitTest.MCC_OR_CC: 1, SplitTest.ALWAYS: 2}


@dataclass(frozen=True, slots=True)
class Columns:
    """A batch encoded for the grouper; a missing number is -1, an unknown code id 0."""

    gender: NDArray[np.int32]
    age: NDArray[np.int32]
    age_days: NDArray[np.int32]
    weight_g: NDArray[np.int32]
    principal_diagnosis: NDArray[np.int32]  # id
    principal_procedure: NDArray[np.int32]  # id, 0 when the case has none
    diagnosis_any: NDArray[np.uint64]  # bits of the any-lists holding some diagnosis
    procedure_any: NDArray[np.uint64]
    secondary: NDArray[np.int32]  # ids of the other diagnoses, flattened
    secondary_case: NDArray[np.int64]  # the case of each
    reason: NDArray[np.int8]  # 0 passes the checks, else 1 + position in `Reason`


def _arrow(series: pl.Series) -> pa.Array:
    array = series.to_arrow()
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def _list_values(series: pl.Series) -> tuple[pa.Array, np.ndarray]:
    array = _arrow(series)
    offsets = array.offsets.to_numpy()
    return array.flatten().cast(pa.large_string()), (offsets - offsets[0]).astype(np.int64)


def _encode(
    values: pa.Array, ids: Mapping[str, int], check: Callable[[object], str | None]
) -> tuple[np.ndarray, np.ndarray]:
    """(id, malformed) of every value; each distinct string is looked up once."""
    encoded = pc.dictionary_encode(pc.fill_null(values, ""))
    words = encoded.dictionary.to_pylist()
    code_ids = np.fromiter((ids.get(w, 0) for w in words), np.int32, len(words))
    bad = np.fromiter((w not in ids and check(w) is not None for w in words), bool, len(words))
    index = encoded.indices.to_numpy(zero_copy_only=False)
    return code_ids[index], bad[index]


def _segment_or(values: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """OR of each case's slice `values[offsets[i]:offsets[i+1]]` (0 for an empty slice)."""
    lengths = np.diff(offsets)
    padded = np.append(values, np.zeros(1, values.dtype))
    out = np.bitwise_or.reduceat(padded, offsets[:-1]) if lengths.size else padded[:0]
    out[lengths == 0] = 0
    return out


def _number(frame: pl.DataFrame, name: str) -> np.ndarray:
    return frame[name].cast(pl.Int32).fill_null(-1).to_numpy().astype(np.int32)


def encode(rules: RulePack, frame: pl.DataFrame) -> Columns:
    """Encode a settlement-layout frame (`layout.to_settlement`)."""
    compiled = rules.compiled
    n = frame.height
    principal = _arrow(frame["principal_diagnosis"]).cast(pa.large_string())
    secondary, dx_offsets = _list_values(frame["secondary_diagnoses"])
    procedures, pr_offsets = _list_values(frame["procedures"])
    dx, dx_bad = _encode(
        pa.concat_arrays([principal, secondary]), compiled.diagnosis_ids, check_diagnosis
    )
    pr, pr_bad = _encode(procedures, compiled.procedure_ids, check_procedure)
    pdx, sdx = dx[:n], dx[n:]
    first = np.append(pr, np.zeros(1, np.int32))[pr_offsets[:-1]]
    columns = Columns(
        gender=_number(frame, "gender"),
        age=_number(frame, "age"),
        age_days=_number(frame, "age_days"),
        weight_g=_number(frame, "weight_g"),
        principal_diagnosis=pdx,
        principal_procedure=np.where(np.diff(pr_offsets) > 0, first, 0).astype(np.int32),
        diagnosis_any=compiled.diagnosis_any[pdx]
        | _segment_or(compiled.diagnosis_any[sdx], dx_offsets),
        procedure_any=_segment_or(compiled.procedure_any[pr], pr_offsets),
        secondary=sdx,
        secondary_case=np.repeat(np.arange(n, dtype=np.int64), np.diff(dx_offsets)),
        reason=np.zeros(n, np.int8),
    )
    no_principal = pc.fill_null(pc.equal(principal, ""), True).to_numpy(zero_copy_only=False)
    dx_bad_case = dx_bad[:n] | _segment_or(dx_bad[n:], dx_offsets)
    checks = _check(rules.pack, columns, no_principal, dx_bad_case, _segment_or(pr_bad, pr_offsets))
    return replace(columns, reason=checks)


def _check(
    pack: Pack, c: Columns, no_principal: np.ndarray, dx_bad: np.ndarray, pr_bad: np.ndarray
) -> np.ndarray:
    """The reason code of each case: the first failing check, as in `grouper.check_case`."""
    newborn = (c.age == 0) & (c.age_days >= 0) & (c.age_days <= pack.newborn_age_days_max)
    failing = [
        ~np.isin(c.gender, (1, 2)),
        c.age < 0,
        (c.age == 0) & (c.age_days < 0),
        newborn & (c.weight_g <= 0),
        no_principal,
        dx_bad,
        pr_bad,
    ]
    codes = [REASONS.index(r) + 1 for r in REASONS[: len(failing)]]
    return np.select(failing, codes, 0).astype(np.int8)


def _mask(rules: RulePack, condition: Condition) -> np.uint64:
    bits = [rules.compiled.any_bit[i] for i in condition.lists]
    invariant(min(bits) >= 0, "a list read by an any-test has no bit", condition)
    return np.uint64(sum(1 << b for b in bits))


def _test(
    rules: RulePack, condition: Condition, c: Columns, idx: NDArray[np.int64]
) -> NDArray[np.bool_]:
    """Whether `condition` holds for the cases `idx` (the column meaning of each `Predicate`)."""
    test, value = condition.test, condition.value
    if test is Predicate.PRINCIPAL_DIAGNOSIS_IN:
        return rules.compiled.member[condition.lists[0]][c.principal_diagnosis[idx]]
    if test is Predicate.PRINCIPAL_PROCEDURE_IN:
        return rules.compiled.member[condition.lists[0]][c.principal_procedure[idx]]
    if test is Predicate.ANY_DIAGNOSIS_IN:
        return (c.diagnosis_any[idx] & _mask(rules, condition)) != 0
    if test is Predicate.ANY_PROCEDURE_IN:
        return (c.procedure_any[idx] & _mask(rules, condition)) != 0
    if test is Predicate.NO_PROCEDURE_IN:
        return (c.procedure_any[idx] & _mask(rules, condition)) == 0
    if test is Predicate.DIAGNOSIS_REGIONS_AT_LEAST:
        return np.bitwise_count(c.diagnosis_any[idx] & _mask(rules, condition)) >= value
    return _value_test(test, value, c, idx)


def _value_test(
    test: Predicate, value: int, c: Columns, idx: NDArray[np.int64]
) -> NDArray[np.bool_]:
    if test is Predicate.GENDER_IS:
        return c.gender[idx] == value
    if test is Predicate.AGE_YEARS_IS:
        return c.age[idx] == value
    if test is Predicate.AGE_DAYS_AT_MOST:
        days = c.age_days[idx]
        return (days >= 0) & (days <= value)
    weight = c.weight_g[idx]
    if test is Predicate.WEIGHT_G_BELOW:
        return (weight > 0) & (weight < value)
    invariant(test is Predicate.WEIGHT_G_AT_LEAST, "unknown test", test)
    return (weight > 0) & (weight >= value)


def _holds(rules: RulePack, rule: Rule, c: Columns, idx: np.ndarray) -> np.ndarray:
    """Whether `rule` holds for the cases `idx`: OR of alternatives, AND of their conditions."""
    result = np.zeros(idx.size, dtype=bool)
    for alternative in rule.alternatives:
        alive = np.flatnonzero(~result)
        for condition in alternative:
            if alive.size == 0:
                break
            alive = alive[_test(rules, condition, c, idx[alive])]
        result[alive] = True
    return result


def assign(rules: RulePack, c: Columns) -> tuple[np.ndarray, np.ndarray]:
    """(MDC index, ADRG index over `pack.adrgs()`) of every case; -1 where none."""
    n = c.gender.size
    mdc_of = np.full(n, -1, np.int16)
    adrg_of = np.full(n, -1, np.int16)
    pending = np.flatnonzero(c.reason == 0)
    first_adrg = 0
    for m, mdc in enumerate(rules.pack.mdcs):
        kept = pending[_holds(rules, mdc.entry, c, pending)] if pending.size else pending
        for a, adrg in enumerate(mdc.adrgs, first_adrg):
            if kept.size == 0:
                break
            hit = _holds(rules, adrg.rule, c, kept)
            adrg_of[kept[hit]] = a
            mdc_of[kept[hit]] = m
            kept = kept[~hit]
        first_adrg += len(mdc.adrgs)
        pending = pending[mdc_of[pending] < 0]
    return mdc_of, adrg_of


def complications(rules: RulePack, c: Columns) -> tuple[np.ndarray, np.ndarray]:
    """(has an MCC, has a CC) per case among the other diagnoses, after the exclusion tables."""
    compiled = rules.compiled
    n = c.gender.size
    principal_table = compiled.cce_table[c.principal_diagnosis][c.secondary_case]
    mcc = compiled.mcc_table[c.secondary]
    cc = compiled.cc_table[c.secondary]
    mcc_hit = (mcc > 0) & (mcc != principal_table)
    cc_hit = (mcc == 0) & (cc > 0) & (cc != principal_table)
    has_mcc = np.zeros(n, dtype=bool)
    has_cc = np.zeros(n, dtype=bool)
    has_mcc[c.secondary_case[mcc_hit]] = True
    has_cc[c.secondary_case[cc_hit]] = True
    return has_mcc, has_cc


def _drg_tables(pack: Pack) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Per ADRG, its DRGs (global index, -1 padding) and their tests, in split order."""
    adrgs = pack.adrgs()
    width = max(len(a.drgs) for a in adrgs)
    ids = np.full((len(adrgs), width), -1, np.int32)
    when = np.full((len(adrgs), width), -1, np.int8)
    codes: list[str] = []
    for a, adrg in enumerate(adrgs):
        for k, drg in enumerate(adrg.drgs):
            ids[a, k] = len(codes)
            when[a, k] = WHEN_CODES[drg.when]
            codes.append(drg.code)
    return ids, when, codes


def split(rules: RulePack, c: Columns, adrg_of: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """The DRG (global index, -1 where no ADRG) of every case, and the DRG codes."""
    ids, when, codes = _drg_tables(rules.pack)
    grouped = np.flatnonzero(adrg_of >= 0)
    has_mcc, has_cc = (x[grouped] for x in complications(rules, c))
    tests = (has_mcc, has_mcc | has_cc, np.ones(grouped.size, dtype=bool))
    chosen = np.full(grouped.size, -1, np.int32)
    for k in range(ids.shape[1]):
        candidate = ids[adrg_of[grouped], k]
        kind = when[adrg_of[grouped], k]
        applies = np.zeros(grouped.size, dtype=bool)
        for code, test in enumerate(tests):
            applies |= (kind == code) & test
        take = (candidate >= 0) & (chosen < 0) & applies
        chosen[take] = candidate[take]
    invariant(bool((chosen >= 0).all()), "an ADRG without a DRG that always applies")
    drg_of = np.full(adrg_of.size, -1, np.int32)
    drg_of[grouped] = chosen
    return drg_of, codes


def _names(codes: list[str], index: np.ndarray, name: str, empty: str = "") -> pl.Series:
    """codes[index], `empty` where index is -1."""
    table = pl.Series(name, [*codes, empty], dtype=pl.Utf8)
    return table.gather(np.where(index >= 0, index, len(codes)))


def group_batch(rules: RulePack, frame: pl.DataFrame, *, trace: bool = False) -> pl.DataFrame:
    """Group every row of a settlement-layout frame.

    Returns `Index, mdc, adrg, drg, status, reason, trace`; the trace (steps joined by ";")
    comes from the scalar grouper and is filled only when `trace` is true, in which case the
    scalar DRG is also checked against the column DRG.
    """
    columns = encode(rules, frame)
    mdc_of, adrg_of = assign(rules, columns)
    drg_of, drg_codes = split(rules, columns, adrg_of)
    reason = columns.reason.copy()
    reason[(reason == 0) & (mdc_of < 0)] = NO_MDC_CODE
    status = np.where(reason == 0, 0, np.where(reason == NO_MDC_CODE, 1, 2))
    pack = rules.pack
    out = pl.DataFrame(
        [
            frame["setl_id"].cast(pl.Utf8).alias("Index"),
            _names([m.code for m in pack.mdcs], mdc_of.astype(np.int32), "mdc"),
            _names([a.code for a in pack.adrgs()], adrg_of.astype(np.int32), "adrg"),
            _names(drg_codes, drg_of, "drg", UNGROUPABLE_DRG),
            _names([s.value for s in Status], status, "status"),
            _names([r.value for r in REASONS], reason.astype(np.int32) - 1, "reason"),
        ]
    )
    steps = [";".join(t) for t in case_traces(pack, frame, out["drg"])] if trace \
        else [""] * frame.height
    return out.with_columns(pl.Series("trace", steps, dtype=pl.Utf8))


def case_traces(pack: Pack, frame: pl.DataFrame, drgs: pl.Series) -> list[tuple[str, ...]]:
    """The scalar grouper's steps for every row of `frame`, checked against the column
    grouper's `drgs` (the batch's `drg` column)."""
    results = [group_case(pack, case) for case in cases_from_frame(frame)]
    for result, drg in zip(results, drgs, strict=True):
        invariant(result.drg == drg, "column grouper differs from group_case", result.index)
    return [result.trace for result in results]
