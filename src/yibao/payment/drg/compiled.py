"""The pack compiled into integer lookup arrays, for the column grouper.

Every code of the pack gets an integer id (0 = a code the pack does not know, which is in no list
and no table). A list becomes a boolean row over the ids; a list that a test reads over all the
codes of a case ("any diagnosis in", regions, "no procedure in") also gets a bit, so that one OR
over a case's codes answers all of them at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from types import MappingProxyType
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from yibao.payment.drg.model import Pack, Predicate

#: Lists read over all the codes of a case, per kind: one bit each in a uint64.
MAX_ANY_LISTS: Final = 64
ANY_TESTS: Final = frozenset(
    {
        Predicate.ANY_DIAGNOSIS_IN,
        Predicate.ANY_PROCEDURE_IN,
        Predicate.NO_PROCEDURE_IN,
        Predicate.DIAGNOSIS_REGIONS_AT_LEAST,
    }
)


@dataclass(frozen=True, slots=True)
class Compiled:
    """Lookup arrays; `member[i]` is the boolean row of list i over its kind's ids."""

    diagnosis_ids: Mapping[str, int]
    procedure_ids: Mapping[str, int]
    member: tuple[NDArray[np.bool_], ...]
    any_bit: tuple[int, ...]  # per list: its bit, or -1
    diagnosis_any: NDArray[np.uint64]  # per diagnosis id
    procedure_any: NDArray[np.uint64]  # per procedure id
    mcc_table: NDArray[np.int32]  # per diagnosis id, 0 = not an MCC
    cc_table: NDArray[np.int32]
    cce_table: NDArray[np.int32]  # per diagnosis id, 0 = no exclusion table

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, dict):
                object.__setattr__(self, item.name, MappingProxyType(value))
            arrays = value if isinstance(value, tuple) else (value,)
            for array in arrays:
                if isinstance(array, np.ndarray):
                    array.flags.writeable = False

    def __reduce__(self) -> tuple[Any, ...]:
        values = [getattr(self, item.name) for item in fields(self)]
        plain = [dict(v) if isinstance(v, Mapping) else v for v in values]
        return (Compiled, tuple(plain))


def _ids(codes: frozenset[str]) -> dict[str, int]:
    return {code: i for i, code in enumerate(sorted(codes), 1)}


def _any_lists(pack: Pack) -> set[int]:
    used: set[int] = set()
    for mdc in pack.mdcs:
        for rule in (mdc.entry, *(adrg.rule for adrg in mdc.adrgs)):
            for alternative in rule.alternatives:
                for condition in alternative:
                    if condition.test in ANY_TESTS:
                        used.update(condition.lists)
    return used


def compile_pack(pack: Pack) -> Compiled:
    """Build the lookup arrays of `pack`."""
    ids = {"diagnosis": _ids(pack.known_diagnoses), "procedure": _ids(pack.known_procedures)}
    any_lists = _any_lists(pack)
    any_bit = [-1] * len(pack.lists)
    next_bit = {"diagnosis": 0, "procedure": 0}
    bits = {kind: np.zeros(len(ids[kind]) + 1, dtype=np.uint64) for kind in ids}
    member = []
    for index, code_list in enumerate(pack.lists):
        table = ids[code_list.kind]
        row = np.zeros(len(table) + 1, dtype=bool)
        row[[table[c] for c in code_list.codes]] = True
        member.append(row)
        if index in any_lists:
            bit = next_bit[code_list.kind]
            if bit >= MAX_ANY_LISTS:
                raise ValueError(
                    f"more than {MAX_ANY_LISTS} {code_list.kind} lists read by any-tests"
                )
            bits[code_list.kind][row] |= np.uint64(1 << bit)
            any_bit[index] = bit
            next_bit[code_list.kind] = bit + 1
    return Compiled(
        diagnosis_ids=ids["diagnosis"],
        procedure_ids=ids["procedure"],
        member=tuple(member),
        any_bit=tuple(any_bit),
        diagnosis_any=bits["diagnosis"],
        procedure_any=bits["procedure"],
        mcc_table=_table(pack.mcc, ids["diagnosis"]),
        cc_table=_table(pack.cc, ids["diagnosis"]),
        cce_table=_table(pack.cce, ids["diagnosis"]),
    )


def _table(table: Mapping[str, int], ids: Mapping[str, int]) -> NDArray[np.int32]:
    out = np.zeros(len(ids) + 1, dtype=np.int32)
    for code, number in table.items():
        out[ids[code]] = number
    return out
