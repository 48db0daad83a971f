"""Random cases built from the codes of the rule pack, for the property tests.

Codes are drawn from the lists each kind of test reads (principal-diagnosis lists, any-diagnosis
and region lists, principal-procedure lists, combination tables), from the MCC/CC tables, and a few
well-formed codes the pack does not know, so that every rule form is reached.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

import polars as pl
from hypothesis import strategies as st

from yibao.payment.drg import Case, to_settlement
from yibao.payment.drg.model import Pack, Predicate

UNKNOWN_DIAGNOSES = ("Z99.999x999", "K22.900x999")
UNKNOWN_PROCEDURES = ("99.9999x999", "96.0800x005")


def _one_of(codes: tuple[str, ...]) -> st.SearchStrategy[str]:
    """A code of a large pool (an index draw: cheaper than sampled_from on 30,000 codes)."""
    return st.integers(0, len(codes) - 1).map(codes.__getitem__)


@dataclass(frozen=True, repr=False)
class Pools:
    """Code pools of a pack, and the strategies over them (built once)."""

    principal: tuple[str, ...]
    any_diagnosis: tuple[str, ...]
    complication: tuple[str, ...]
    mcc: tuple[str, ...]
    diagnosis: tuple[str, ...]
    principal_procedure: tuple[str, ...]
    combination: tuple[str, ...]
    procedure: tuple[str, ...]

    def __repr__(self) -> str:
        return f"Pools({len(self.diagnosis)} diagnoses, {len(self.procedure)} procedures)"

    @cached_property
    def diagnoses(self) -> st.SearchStrategy[str]:
        return st.one_of(
            _one_of(self.principal),
            _one_of(self.any_diagnosis),
            _one_of(self.complication),
            _one_of(self.diagnosis),
            st.sampled_from(UNKNOWN_DIAGNOSES),
        )

    @cached_property
    def principals(self) -> st.SearchStrategy[str]:
        return _one_of(self.principal)

    @cached_property
    def procedures(self) -> st.SearchStrategy[str]:
        return st.one_of(
            _one_of(self.principal_procedure),
            _one_of(self.combination),
            _one_of(self.procedure),
            st.sampled_from(UNKNOWN_PROCEDURES),
        )


def _codes(pack: Pack, tests: set[Predicate]) -> tuple[str, ...]:
    found: set[str] = set()
    for mdc in pack.mdcs:
        for rule in (mdc.entry, *(a.rule for a in mdc.adrgs)):
            for alternative in rule.alternatives:
                for condition in alternative:
                    if condition.test in tests and condition.lists != (pack.ss_valid,):
                        for index in condition.lists:
                            found.update(pack.lists[index].codes)
    return tuple(sorted(found))


def pools(pack: Pack) -> Pools:
    return Pools(
        principal=_codes(pack, {Predicate.PRINCIPAL_DIAGNOSIS_IN}),
        any_diagnosis=_codes(
            pack, {Predicate.ANY_DIAGNOSIS_IN, Predicate.DIAGNOSIS_REGIONS_AT_LEAST}
        ),
        complication=tuple(sorted({*pack.mcc, *pack.cc})),
        mcc=tuple(sorted(pack.mcc)),
        diagnosis=tuple(sorted(pack.known_diagnoses)),
        principal_procedure=_codes(pack, {Predicate.PRINCIPAL_PROCEDURE_IN}),
        combination=_codes(pack, {Predicate.ANY_PROCEDURE_IN}),
        procedure=tuple(sorted(pack.lists[pack.ss_valid].codes)),
    )


@st.composite
def cases(draw: st.DrawFn, p: Pools, index: str = "c") -> Case:
    """A case that passes the checks (valid demographics, known or well-formed codes)."""
    newborn = draw(st.integers(0, 3)) == 0
    age = 0 if newborn else draw(st.integers(1, 100))
    days = draw(st.integers(0, 400)) if newborn else age * 365 + draw(st.integers(0, 364))
    weight = draw(st.integers(500, 5000)) if newborn else draw(st.sampled_from([None, 0]))
    principal = draw(st.one_of(p.principals, p.diagnoses))
    return Case(
        index=index,
        gender=draw(st.sampled_from([1, 2])),
        age=age,
        age_days=days,
        weight_g=weight,
        diagnoses=(principal, *draw(st.lists(p.diagnoses, max_size=6))),
        procedures=tuple(draw(st.lists(p.procedures, max_size=4))),
    )


#: Changes that make a case fail one or more checks (the first in `Reason` order must win).
CORRUPTIONS: tuple[dict[str, object], ...] = (
    {"gender": None},
    {"gender": 3},
    {"age": None},
    {"age": 0, "age_days": None},
    {"age": 0, "age_days": 5, "weight_g": None},
    {"diagnoses": ()},
    {"diagnoses": ("K22.3O1", "E11.900")},
    {"procedures": ("96.08",)},
    {"gender": 0, "procedures": ("bad",)},
)


@st.composite
def batches(draw: st.DrawFn, p: Pools) -> list[Case]:
    """1–40 cases; about one in five fails a check."""
    out = []
    for i in range(draw(st.integers(1, 40))):
        case = draw(cases(p, index=f"c{i}"))
        if draw(st.integers(0, 4)) == 0:
            case = replace(case, **draw(st.sampled_from(CORRUPTIONS)))  # type: ignore[arg-type]
        out.append(case)
    return out


def frame_of(cases: list[Case]) -> pl.DataFrame:
    """Cases in the settlement-list layout."""
    return pl.DataFrame(
        {
            "setl_id": [c.index for c in cases],
            "gender": [c.gender for c in cases],
            "age": [c.age for c in cases],
            "age_days": [c.age_days for c in cases],
            "weight_g": [c.weight_g for c in cases],
            "principal_diagnosis": [c.diagnoses[0] if c.diagnoses else None for c in cases],
            "secondary_diagnoses": [list(c.diagnoses[1:]) for c in cases],
            "procedures": [list(c.procedures) for c in cases],
        },
        schema_overrides={
            "gender": pl.Int8,
            "age": pl.Int16,
            "age_days": pl.Int32,
            "weight_g": pl.Int32,
            "secondary_diagnoses": pl.List(pl.Utf8),
            "procedures": pl.List(pl.Utf8),
        },
    )


def settlement(cases: list[Case]) -> pl.DataFrame:
    """Cases as the column grouper reads them."""
    return to_settlement(frame_of(cases))
