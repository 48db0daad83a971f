"""Properties of grouping over random cases built from the codes of the CHS-DRG 1.1 tables.

- The column grouper equals the scalar grouper (`group_case`, the definition) on every case.
- Every case gets exactly one result, in input order: `ok` with a DRG of its ADRG, or `0000`
  with status `ungroupable` or `invalid` and a reason (some generated cases fail the checks).
- The group does not depend on the order of the secondary diagnoses.
- Removing a secondary diagnosis that is an MCC never makes the split more severe: when the case
  keeps its ADRG, the DRG's split digit never moves up the order 5/9 → 3 → 1 (severity
  1 > 3 > 5 = 9), i.e. never from 5 or 9 to 3 or 1, nor from 3 to 1.
"""

from __future__ import annotations

from dataclasses import replace

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.payment.drg.strategies import Pools, batches, cases, settlement
from yibao.payment.drg import (
    Case,
    GroupResult,
    RulePack,
    Status,
    cases_from_frame,
    group_batch,
    group_case,
    to_settlement,
)

SEVERITY = {"1": 2, "3": 1, "5": 0, "9": 0}
SETTINGS = settings(max_examples=80, deadline=None)


def _key(result: GroupResult) -> tuple[str, str, str, str, str]:
    return (result.status, result.mdc, result.adrg, result.drg, result.reason or "")


@SETTINGS
@given(data=st.data())
def test_column_grouper_equals_scalar(
    rules: RulePack, code_pools: Pools, data: st.DataObject
) -> None:
    batch = data.draw(batches(code_pools))
    out = group_batch(rules, settlement(batch))
    expected = [_key(group_case(rules.pack, case)) for case in batch]
    got = list(out.select("status", "mdc", "adrg", "drg", "reason").iter_rows())
    assert got == expected


@SETTINGS
@given(data=st.data())
def test_every_case_gets_exactly_one_result(
    rules: RulePack, code_pools: Pools, data: st.DataObject
) -> None:
    batch = data.draw(batches(code_pools))
    out = group_batch(rules, settlement(batch))
    assert out["Index"].to_list() == [case.index for case in batch]
    drgs = {d.code for a in rules.pack.adrgs() for d in a.drgs}
    for row in out.iter_rows(named=True):
        if row["status"] == "ok":
            assert row["drg"] in drgs and row["drg"][:3] == row["adrg"]
            assert row["mdc"] == f"MDC{row['adrg'][0]}" and not row["reason"]
        else:
            assert row["status"] in ("ungroupable", "invalid")
            assert (row["drg"], row["mdc"], row["adrg"]) == ("0000", "", "")
            assert row["reason"]


@SETTINGS
@given(data=st.data())
def test_order_of_secondary_diagnoses_does_not_matter(
    rules: RulePack, code_pools: Pools, data: st.DataObject
) -> None:
    case = data.draw(cases(code_pools))
    others = data.draw(st.permutations(case.diagnoses[1:]))
    shuffled = replace(case, diagnoses=(case.diagnoses[0], *others))
    assert _key(group_case(rules.pack, shuffled)) == _key(group_case(rules.pack, case))


@SETTINGS
@given(data=st.data())
def test_removing_an_mcc_never_raises_the_split(
    rules: RulePack, code_pools: Pools, data: st.DataObject
) -> None:
    case = data.draw(cases(code_pools))
    mccs = data.draw(st.lists(st.sampled_from(code_pools.mcc[::7]), min_size=1, max_size=3))
    spots = [data.draw(st.integers(1, len(case.diagnoses))) for _ in mccs]
    diagnoses = list(case.diagnoses)
    for code, spot in zip(mccs, spots, strict=True):
        diagnoses.insert(spot, code)
    with_mcc = replace(case, diagnoses=tuple(diagnoses))
    removed = data.draw(st.sampled_from([i for i, c in enumerate(diagnoses) if i and c in mccs]))
    without = replace(with_mcc, diagnoses=tuple(c for i, c in enumerate(diagnoses) if i != removed))
    before, after = group_case(rules.pack, with_mcc), group_case(rules.pack, without)
    if before.status is Status.OK and after.status is Status.OK and before.adrg == after.adrg:
        assert SEVERITY[after.drg[3]] <= SEVERITY[before.drg[3]], (before.trace, after.trace)


def _witness(rules: RulePack, mdc_index: int, adrg_index: int) -> Case:
    """A case built to satisfy the first alternative of an ADRG and its MDC's entry."""
    pack = rules.pack
    mdc = pack.mdcs[mdc_index]
    adrg = mdc.adrgs[adrg_index]
    conditions = (*mdc.entry.alternatives[0], *adrg.rule.alternatives[0])
    fields: dict[str, object] = {"gender": 1, "age": 40, "age_days": 40 * 365, "weight_g": None}
    principal: set[str] | None = None
    first_procedure: set[str] | None = None
    diagnoses: list[str] = []
    procedures: list[str] = []
    for condition in conditions:
        codes = [pack.lists[i].codes for i in condition.lists]
        test = condition.test.value
        if test == "principal_diagnosis_in":
            principal = codes[0] if principal is None else principal & codes[0]
        elif test == "principal_procedure_in":
            first_procedure = codes[0] if first_procedure is None else first_procedure & codes[0]
        elif test == "any_diagnosis_in":
            diagnoses.append(min(codes[0]))
        elif test == "diagnosis_regions_at_least":
            diagnoses.extend(min(c) for c in codes[: condition.value])
        elif test == "any_procedure_in":
            procedures.append(min(codes[0]))
        elif test == "gender_is":
            fields["gender"] = condition.value
        elif test == "age_years_is":
            fields.update(age=0, age_days=10, weight_g=3000)
        elif test == "age_days_at_most":
            fields["age_days"] = condition.value
        elif test == "weight_g_below":
            fields["weight_g"] = condition.value - 1
        elif test == "weight_g_at_least":
            fields["weight_g"] = max(condition.value, int(str(fields["weight_g"] or 0)))
    first = [min(first_procedure)] if first_procedure else []
    pdx = min(principal) if principal else (diagnoses[0] if diagnoses else "K22.301")
    return Case(
        f"{adrg.code}", diagnoses=(pdx, *diagnoses), procedures=(*first, *procedures), **fields
    )  # type: ignore[arg-type]


def test_a_witness_of_every_adrg(rules: RulePack) -> None:
    """One case per ADRG built from its own rule: the column grouper equals the scalar one on all
    376, and nearly all land in their ADRG (an earlier MDC or ADRG may take a few first)."""
    witnesses = [
        _witness(rules, m, a)
        for m, mdc in enumerate(rules.pack.mdcs)
        for a in range(len(mdc.adrgs))
    ]
    assert len(witnesses) == 376
    scalar = [group_case(rules.pack, case) for case in witnesses]
    out = group_batch(rules, settlement(witnesses))
    assert list(out.select("status", "mdc", "adrg", "drg", "reason").iter_rows()) == [
        _key(r) for r in scalar
    ]
    landed = sum(r.adrg == case.index for r, case in zip(scalar, witnesses, strict=True))
    assert landed >= 365, [(c.index, r.adrg) for r, c in zip(scalar, witnesses, strict=True)]


def test_empty_and_chunked_frames(rules: RulePack, sample: pl.DataFrame) -> None:
    sample_frame_cases = cases_from_frame(to_settlement(sample))
    assert group_batch(rules, settlement([])).height == 0
    frame = settlement(sample_frame_cases)
    chunked = pl.concat([frame.head(7), frame.slice(7)], rechunk=False)
    assert chunked.n_chunks() == 2
    assert group_batch(rules, chunked).equals(group_batch(rules, frame))
