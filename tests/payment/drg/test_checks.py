"""The checks before grouping give `0000` with status invalid and the first failing reason, in
the precedence of `Reason`, identically in the scalar and the column grouper; an invalid code is
reported, never guessed; a well-formed code the pack does not know is not invalid."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.payment.drg.strategies import Pools, cases, settlement
from yibao.payment.drg import Case, Reason, RulePack, Status, group_batch, group_case

ADULT = Case("a", 1, 40, 40 * 365, None, ("K22.301", "E11.900"), ("96.0800x005",))

#: (what, changes to a valid adult, expected reason or None for a case that passes the checks)
ROWS: list[tuple[str, dict[str, object], Reason | None]] = [
    ("valid adult", {}, None),
    ("gender missing", {"gender": None}, Reason.GENDER_INVALID),
    ("gender 0", {"gender": 0}, Reason.GENDER_INVALID),
    ("gender 3", {"gender": 3}, Reason.GENDER_INVALID),
    ("age missing", {"age": None}, Reason.AGE_MISSING),
    ("age negative", {"age": -1}, Reason.AGE_MISSING),
    ("age 0 without days", {"age": 0, "age_days": None}, Reason.AGE_DAYS_MISSING),
    ("age 0, 28 days, no weight", {"age": 0, "age_days": 28}, Reason.WEIGHT_MISSING),
    ("age 0, 28 days, weight 0", {"age": 0, "age_days": 28, "weight_g": 0}, Reason.WEIGHT_MISSING),
    ("age 0, 29 days, no weight", {"age": 0, "age_days": 29}, None),
    ("age 0, 0 days, weight", {"age": 0, "age_days": 0, "weight_g": 3200}, None),
    ("adult missing age in days", {"age_days": None}, None),
    ("no diagnosis", {"diagnoses": ()}, Reason.NO_DIAGNOSIS),
    ("empty principal diagnosis", {"diagnoses": ("",)}, Reason.NO_DIAGNOSIS),
    ("malformed principal", {"diagnoses": ("K22.3O1",)}, Reason.DIAGNOSIS_CODE_INVALID),
    ("3-character principal", {"diagnoses": ("K22.3",)}, Reason.DIAGNOSIS_CODE_INVALID),
    ("blank around a code", {"diagnoses": (" K22.301",)}, Reason.DIAGNOSIS_CODE_INVALID),
    ("malformed secondary", {"diagnoses": ("K22.301", "e11.900")}, Reason.DIAGNOSIS_CODE_INVALID),
    ("malformed procedure", {"procedures": ("96.08",)}, Reason.PROCEDURE_CODE_INVALID),
    ("empty procedure", {"procedures": ("42.0902", "")}, Reason.PROCEDURE_CODE_INVALID),
    ("unknown well-formed codes", {"diagnoses": ("K22.301", "Z99.999x999")}, None),
    ("gender before codes", {"gender": 0, "diagnoses": ("bad",)}, Reason.GENDER_INVALID),
    (
        "diagnosis before procedure",
        {"diagnoses": ("bad",), "procedures": ("bad",)},
        Reason.DIAGNOSIS_CODE_INVALID,
    ),
    ("a code of the tables that is not well formed", {"procedures": ("17.972E0",)}, None),
]


def _case(changes: dict[str, object]) -> Case:
    fields = {name: getattr(ADULT, name) for name in ADULT.__slots__}
    return Case(**{**fields, **changes})  # type: ignore[arg-type]


@pytest.mark.parametrize(("what", "changes", "reason"), ROWS, ids=[r[0] for r in ROWS])
def test_check_table(
    rules: RulePack, what: str, changes: dict[str, object], reason: Reason | None
) -> None:
    case = _case(changes)
    scalar = group_case(rules.pack, case)
    column = group_batch(rules, settlement([case])).row(0, named=True)
    if reason is None:
        assert scalar.status is not Status.INVALID, scalar.trace
        assert column["status"] != "invalid"
        return
    assert (scalar.status, scalar.reason, scalar.drg) == (Status.INVALID, reason, "0000")
    assert scalar.trace[0].startswith(f"校验不通过（{reason}）")
    assert (column["status"], column["reason"], column["drg"]) == ("invalid", reason, "0000")


MALFORMED = st.sampled_from(["K22.3O1", "k22.301", "96.08", "abc", "", "K22.301 ", "9608.00"])


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_malformed_code_makes_the_case_invalid(
    rules: RulePack, code_pools: Pools, data: st.DataObject
) -> None:
    case = data.draw(cases(code_pools))
    bad = data.draw(MALFORMED)
    where = data.draw(st.sampled_from(["principal", "secondary", "procedure"]))
    if where == "procedure":
        spot = data.draw(st.integers(0, len(case.procedures)))
        procedures = (*case.procedures[:spot], bad, *case.procedures[spot:])
        case = _replace(case, procedures=procedures)
        expected = Reason.PROCEDURE_CODE_INVALID
    else:
        spot = 0 if where == "principal" else data.draw(st.integers(1, len(case.diagnoses)))
        diagnoses = (*case.diagnoses[:spot], bad, *case.diagnoses[spot:])
        case = _replace(case, diagnoses=diagnoses)
        empty_principal = where == "principal" and bad == ""
        expected = Reason.NO_DIAGNOSIS if empty_principal else Reason.DIAGNOSIS_CODE_INVALID
    result = group_case(rules.pack, case)
    assert (result.status, result.reason) == (Status.INVALID, expected)
    column = group_batch(rules, settlement([case])).row(0, named=True)
    assert (column["status"], column["reason"]) == ("invalid", expected)


def _replace(case: Case, **changes: object) -> Case:
    fields = {name: getattr(case, name) for name in case.__slots__}
    return Case(**{**fields, **changes})  # type: ignore[arg-type]
