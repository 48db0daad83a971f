"""DRG values: the rule tests, the scheme as loaded, a case (病案) and its grouping result.

A rule is data: an ADRG matches when one of its alternatives holds, and an alternative holds when
every one of its conditions does. A condition is a named test over the case with the lists or the
number it needs, so the scalar grouper and the column grouper read one definition.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Final

#: The DRG of a case that no MDC keeps, or that fails the checks (无法入组).
UNGROUPABLE_DRG: Final = "0000"


class Predicate(StrEnum):
    """The tests a condition can name; list tests read `Condition.lists`, the others `value`."""

    PRINCIPAL_DIAGNOSIS_IN = "principal_diagnosis_in"
    PRINCIPAL_PROCEDURE_IN = "principal_procedure_in"
    ANY_DIAGNOSIS_IN = "any_diagnosis_in"
    ANY_PROCEDURE_IN = "any_procedure_in"
    NO_PROCEDURE_IN = "no_procedure_in"
    DIAGNOSIS_REGIONS_AT_LEAST = "diagnosis_regions_at_least"
    GENDER_IS = "gender_is"
    AGE_YEARS_IS = "age_years_is"
    AGE_DAYS_AT_MOST = "age_days_at_most"
    WEIGHT_G_BELOW = "weight_g_below"
    WEIGHT_G_AT_LEAST = "weight_g_at_least"


#: Tests over one list of diagnosis codes or of procedure codes.
DIAGNOSIS_LIST_TESTS: Final = frozenset(
    {
        Predicate.PRINCIPAL_DIAGNOSIS_IN,
        Predicate.ANY_DIAGNOSIS_IN,
        Predicate.DIAGNOSIS_REGIONS_AT_LEAST,
    }
)
PROCEDURE_LIST_TESTS: Final = frozenset(
    {Predicate.PRINCIPAL_PROCEDURE_IN, Predicate.ANY_PROCEDURE_IN, Predicate.NO_PROCEDURE_IN}
)
LIST_TESTS: Final = DIAGNOSIS_LIST_TESTS | PROCEDURE_LIST_TESTS


class SplitTest(StrEnum):
    """When a DRG digit applies (docs/drg.md, split): with MCC, with CC or MCC, always."""

    MCC = "mcc"
    MCC_OR_CC = "mcc_or_cc"
    ALWAYS = "always"


class Status(StrEnum):
    OK = "ok"
    UNGROUPABLE = "ungroupable"
    INVALID = "invalid"


class Reason(StrEnum):
    """Why a case got `0000`, in order of precedence: the first that applies is reported."""

    GENDER_INVALID = "gender_invalid"
    AGE_MISSING = "age_missing"
    AGE_DAYS_MISSING = "age_days_missing"
    WEIGHT_MISSING = "weight_missing"
    NO_DIAGNOSIS = "no_diagnosis"
    DIAGNOSIS_CODE_INVALID = "diagnosis_code_invalid"
    PROCEDURE_CODE_INVALID = "procedure_code_invalid"
    NO_MDC = "no_mdc"


REASON_TEXT: Final = MappingProxyType(
    {
        Reason.GENDER_INVALID: "性别缺失或不是 1（男）/2（女）",
        Reason.AGE_MISSING: "年龄缺失",
        Reason.AGE_DAYS_MISSING: "年龄为 0 岁但缺少天龄",
        Reason.WEIGHT_MISSING: "新生儿（天龄不超过上限）缺少出生体重",
        Reason.NO_DIAGNOSIS: "没有诊断",
        Reason.DIAGNOSIS_CODE_INVALID: "诊断编码无效",
        Reason.PROCEDURE_CODE_INVALID: "手术操作编码无效",
        Reason.NO_MDC: "不符合任何 MDC 的入组条件，无法入组",
    }
)


@dataclass(frozen=True, slots=True)
class CodeList:
    """A list of codes from the rule pack, `kind` "diagnosis" or "procedure"; `label` is zh-CN."""

    label: str
    kind: str
    codes: frozenset[str]


@dataclass(frozen=True, slots=True)
class Condition:
    """One test; `lists` are indexes into `Pack.lists`."""

    test: Predicate
    lists: tuple[int, ...] = ()
    value: int = 0


@dataclass(frozen=True, slots=True)
class Rule:
    """Holds when some alternative holds; an alternative holds when all its conditions do."""

    alternatives: tuple[tuple[Condition, ...], ...]


@dataclass(frozen=True, slots=True)
class Drg:
    code: str
    name: str
    when: SplitTest


@dataclass(frozen=True, slots=True)
class Adrg:
    """An ADRG with its rule and its DRGs in the order the split tries them."""

    code: str
    name: str
    rule: Rule
    drgs: tuple[Drg, ...]


@dataclass(frozen=True, slots=True)
class Mdc:
    code: str
    name: str
    entry: Rule
    adrgs: tuple[Adrg, ...]


class Pack:
    """A grouping scheme loaded from a rule pack: MDCs in trial order, code lists, CC tables.

    Read-only: attributes cannot be set twice, mappings are proxies and lists are frozensets.
    `mcc` and `cc` map a code to its exclusion table, `cce` a principal diagnosis to its table.
    """

    __slots__ = (
        "cc",
        "cce",
        "known_diagnoses",
        "known_procedures",
        "lists",
        "mcc",
        "mdcs",
        "newborn_age_days_max",
        "scheme_id",
        "ss_valid",
    )

    def __init__(
        self,
        scheme_id: str,
        mdcs: tuple[Mdc, ...],
        lists: tuple[CodeList, ...],
        tables: tuple[Mapping[str, int], Mapping[str, int], Mapping[str, int]],
        ss_valid: int,
        newborn_age_days_max: int,
    ) -> None:
        self.scheme_id = scheme_id
        self.mdcs = mdcs
        self.lists = lists
        self.mcc = MappingProxyType(dict(tables[0]))
        self.cc = MappingProxyType(dict(tables[1]))
        self.cce = MappingProxyType(dict(tables[2]))
        self.ss_valid = ss_valid  # index in `lists` of the valid operating-room procedures
        self.newborn_age_days_max = newborn_age_days_max
        diagnoses = [c.codes for c in lists if c.kind == "diagnosis"]
        procedures = [c.codes for c in lists if c.kind == "procedure"]
        self.known_diagnoses: frozenset[str] = frozenset().union(
            *diagnoses, self.mcc, self.cc, self.cce
        )
        self.known_procedures: frozenset[str] = frozenset().union(*procedures)

    def __setattr__(self, name: str, value: Any) -> None:
        if hasattr(self, name):
            raise AttributeError(f"Pack is read-only: {name}")
        object.__setattr__(self, name, value)

    def __reduce__(self) -> tuple[Any, ...]:
        tables = (dict(self.mcc), dict(self.cc), dict(self.cce))
        args = (self.scheme_id, self.mdcs, self.lists, tables, self.ss_valid)
        return (Pack, (*args, self.newborn_age_days_max))

    def adrgs(self) -> tuple[Adrg, ...]:
        return tuple(adrg for mdc in self.mdcs for adrg in mdc.adrgs)


@dataclass(frozen=True, slots=True)
class Case:
    """One inpatient stay as the grouper sees it (a row of the settlement list, 医保结算清单).

    `gender` 1 male, 2 female; `weight_g` is the birth weight of a newborn; diagnoses and
    procedures are codes, principal first. A missing number is None.
    """

    index: str
    gender: int | None
    age: int | None
    age_days: int | None
    weight_g: int | None
    diagnoses: tuple[str, ...]
    procedures: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class GroupResult:
    """The group of one case and the steps that led there (zh-CN)."""

    index: str
    status: Status
    mdc: str
    adrg: str
    drg: str
    reason: Reason | None
    trace: tuple[str, ...]
