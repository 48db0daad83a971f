"""Group one case: the definition. The column grouper (`batch.py`) must equal it on every case.

Steps (docs/drg.md): the checks before grouping; the MDCs in the scheme's order, each kept by its
entry rule; inside an MDC the first ADRG whose rule holds; a case no MDC keeps is `0000`; then the
DRG digit by MCC/CC after the exclusion tables. Every step is written to the trace (zh-CN).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Final

from yibao.core.checks import InvariantError
from yibao.core.codes import check_diagnosis, check_procedure
from yibao.payment.drg.model import (
    REASON_TEXT,
    UNGROUPABLE_DRG,
    Adrg,
    Case,
    Condition,
    Drg,
    GroupResult,
    Mdc,
    Pack,
    Predicate,
    Reason,
    Rule,
    SplitTest,
    Status,
)


def check_case(pack: Pack, case: Case) -> tuple[Reason, str] | None:
    """The first check a case fails (precedence of `Reason`), with a detail; None if it passes."""
    if case.gender not in (1, 2):
        return Reason.GENDER_INVALID, f"性别为 {case.gender!r}"
    if case.age is None or case.age < 0:
        return Reason.AGE_MISSING, f"年龄为 {case.age!r}"
    newborn_days = case.age_days is not None and case.age_days >= 0
    if case.age == 0 and not newborn_days:
        return Reason.AGE_DAYS_MISSING, f"天龄为 {case.age_days!r}"
    young = newborn_days and (case.age_days or 0) <= pack.newborn_age_days_max
    if case.age == 0 and young and (case.weight_g is None or case.weight_g <= 0):
        return Reason.WEIGHT_MISSING, f"天龄 {case.age_days}，出生体重为 {case.weight_g!r}"
    if not case.diagnoses or not case.diagnoses[0]:
        return Reason.NO_DIAGNOSIS, "没有主要诊断"
    for code in case.diagnoses:
        if code not in pack.known_diagnoses and (why := check_diagnosis(code)):
            return Reason.DIAGNOSIS_CODE_INVALID, why
    for code in case.procedures:
        if code not in pack.known_procedures and (why := check_procedure(code)):
            return Reason.PROCEDURE_CODE_INVALID, why
    return None


def _codes(pack: Pack, condition: Condition) -> frozenset[str]:
    return pack.lists[condition.lists[0]].codes


#: The scalar meaning of each test: (pack, condition, case) -> bool.
HOLDS: Final[Mapping[Predicate, Callable[[Pack, Condition, Case], bool]]] = MappingProxyType(
    {
        Predicate.PRINCIPAL_DIAGNOSIS_IN: lambda p, k, c: c.diagnoses[0] in _codes(p, k),
        Predicate.PRINCIPAL_PROCEDURE_IN: lambda p, k, c: (
            bool(c.procedures) and c.procedures[0] in _codes(p, k)
        ),
        Predicate.ANY_DIAGNOSIS_IN: lambda p, k, c: not _codes(p, k).isdisjoint(c.diagnoses),
        Predicate.ANY_PROCEDURE_IN: lambda p, k, c: not _codes(p, k).isdisjoint(c.procedures),
        Predicate.NO_PROCEDURE_IN: lambda p, k, c: _codes(p, k).isdisjoint(c.procedures),
        Predicate.DIAGNOSIS_REGIONS_AT_LEAST: lambda p, k, c: len(_regions(p, k, c)) >= k.value,
        Predicate.GENDER_IS: lambda p, k, c: c.gender == k.value,
        Predicate.AGE_YEARS_IS: lambda p, k, c: c.age == k.value,
        Predicate.AGE_DAYS_AT_MOST: lambda p, k, c: (
            c.age_days is not None and 0 <= c.age_days <= k.value
        ),
        Predicate.WEIGHT_G_BELOW: lambda p, k, c: (
            c.weight_g is not None and 0 < c.weight_g < k.value
        ),
        Predicate.WEIGHT_G_AT_LEAST: lambda p, k, c: (
            c.weight_g is not None and c.weight_g > 0 and c.weight_g >= k.value
        ),
    }
)


def holds(pack: Pack, condition: Condition, case: Case) -> bool:
    """Whether one condition holds for a case."""
    return HOLDS[condition.test](pack, condition, case)


def _hits(pack: Pack, condition: Condition, case: Case) -> list[str]:
    """The codes of the case that a list test looks at and finds in its list."""
    test = condition.test
    codes = pack.lists[condition.lists[0]].codes
    if test is Predicate.PRINCIPAL_DIAGNOSIS_IN:
        return [case.diagnoses[0]] if case.diagnoses[0] in codes else []
    if test is Predicate.PRINCIPAL_PROCEDURE_IN:
        first = case.procedures[0] if case.procedures else None
        return [first] if first is not None and first in codes else []
    if test is Predicate.ANY_DIAGNOSIS_IN:
        return [c for c in case.diagnoses if c in codes]
    return [c for c in case.procedures if c in codes]  # ANY_PROCEDURE_IN, NO_PROCEDURE_IN


def _regions(pack: Pack, condition: Condition, case: Case) -> list[str]:
    """The labels of the region lists that hold some diagnosis of the case."""
    return [
        pack.lists[i].label
        for i in condition.lists
        if any(c in pack.lists[i].codes for c in case.diagnoses)
    ]


def describe(pack: Pack, condition: Condition, case: Case) -> str:
    """What one condition found in the case, as a trace phrase (zh-CN)."""
    test, value = condition.test, condition.value
    label = pack.lists[condition.lists[0]].label if condition.lists else ""
    if test is Predicate.GENDER_IS:
        return f"性别 {case.gender}（要求 {value}）"
    if test is Predicate.AGE_YEARS_IS:
        return f"年龄 {case.age} 岁（要求 {value} 岁）"
    if test is Predicate.AGE_DAYS_AT_MOST:
        return f"天龄 {case.age_days}（要求不超过 {value} 天）"
    if test in (Predicate.WEIGHT_G_BELOW, Predicate.WEIGHT_G_AT_LEAST):
        bound = "低于" if test is Predicate.WEIGHT_G_BELOW else "不低于"
        return f"出生体重 {case.weight_g} 克（要求{bound} {value} 克）"
    if test is Predicate.DIAGNOSIS_REGIONS_AT_LEAST:
        found = _regions(pack, condition, case)
        return f"诊断涉及 {len(found)} 个部位{_listed(found)}（要求至少 {value} 个）"
    found = _hits(pack, condition, case)
    where = "在" if found else "不在"
    if test is Predicate.PRINCIPAL_DIAGNOSIS_IN:
        return f"主要诊断 {case.diagnoses[0]} {where} {label}"
    if test is Predicate.PRINCIPAL_PROCEDURE_IN:
        first = case.procedures[0] if case.procedures else "（无）"
        return f"主要手术操作 {first} {where} {label}"
    kind = "诊断" if test is Predicate.ANY_DIAGNOSIS_IN else "手术操作"
    return f"{kind} {'、'.join(found)} 在 {label}" if found else f"没有{kind}在 {label}"


def _listed(items: list[str]) -> str:
    return f"（{'、'.join(items)}）" if items else ""


def rule_holds(pack: Pack, rule: Rule, case: Case) -> bool:
    """Whether some alternative of the rule has all its conditions hold."""
    return any(all(holds(pack, c, case) for c in alt) for alt in rule.alternatives)


def explain(pack: Pack, rule: Rule, case: Case) -> list[str]:
    """The trace phrases of the alternative that holds, or of the first alternative up to its
    first failing condition (marked 不符合)."""
    first_failure: list[str] | None = None
    for alternative in rule.alternatives:
        steps = []
        for condition in alternative:
            ok = holds(pack, condition, case)
            phrase = describe(pack, condition, case)
            steps.append(phrase if ok else f"不符合：{phrase}")
            if not ok:
                break
        else:
            return steps
        first_failure = first_failure if first_failure is not None else steps
    return first_failure or []


def _enter(pack: Pack, mdc: Mdc, case: Case, trace: list[str]) -> bool:
    if rule_holds(pack, mdc.entry, case):
        trace.append(f"{mdc.code}（{mdc.name}）入组：" + "，".join(explain(pack, mdc.entry, case)))
        return True
    first = mdc.entry.alternatives[0]
    if len(first) > 1 and holds(pack, first[0], case):  # say why the MDC still did not keep it
        trace.append(f"{mdc.code} 未入组：" + "，".join(explain(pack, mdc.entry, case)))
    return False


def _first_adrg(pack: Pack, mdc: Mdc, case: Case, trace: list[str]) -> Adrg | None:
    for adrg in mdc.adrgs:
        if rule_holds(pack, adrg.rule, case):
            why = (
                "，".join(explain(pack, adrg.rule, case)) or "本 MDC 前面的 ADRG 均不符合，兜底入组"
            )
            trace.append(f"ADRG {adrg.code}（{adrg.name}）：{why}")
            return adrg
    trace.append(f"{mdc.code} 内没有 ADRG 符合，尝试下一个 MDC")
    return None


def complications(pack: Pack, case: Case) -> tuple[list[str], list[str], list[str]]:
    """(MCCs, CCs, excluded codes) among the other diagnoses, after the exclusion tables."""
    principal_table = pack.cce.get(case.diagnoses[0])
    mccs: list[str] = []
    ccs: list[str] = []
    excluded: list[str] = []
    for code in case.diagnoses[1:]:
        table = pack.mcc.get(code)
        found = mccs
        if table is None:
            table, found = pack.cc.get(code), ccs
        if table is None:
            continue
        if table == principal_table:
            excluded.append(code)
        else:
            found.append(code)
    return mccs, ccs, excluded


def split(pack: Pack, adrg: Adrg, case: Case, trace: list[str]) -> Drg:
    """The DRG of the ADRG: its digits in the scheme's order, the first whose test holds."""
    mccs, ccs, excluded = complications(pack, case)
    table = pack.cce.get(case.diagnoses[0])
    trace.append(
        f"主要诊断排除表 {table if table is not None else '无'}，MCC：{'、'.join(mccs) or '无'}，"
        f"CC：{'、'.join(ccs) or '无'}，与主要诊断同表而排除：{'、'.join(excluded) or '无'}"
    )
    for drg in adrg.drgs:
        if (
            drg.when is SplitTest.ALWAYS
            or (drg.when is SplitTest.MCC and mccs)
            or (drg.when is SplitTest.MCC_OR_CC and (mccs or ccs))
        ):
            trace.append(f"DRG {drg.code}（{drg.name}）")
            return drg
    raise InvariantError(f"{adrg.code} has no DRG that always applies")  # checked at load


def _checked(pack: Pack, case: Case) -> str:
    unknown = [c for c in case.diagnoses if c not in pack.known_diagnoses]
    unknown += [c for c in case.procedures if c not in pack.known_procedures]
    listed = "、".join(dict.fromkeys(unknown))
    return f"校验通过（不在方案任何表中的编码：{listed}）" if unknown else "校验通过"


def group_case(pack: Pack, case: Case) -> GroupResult:
    """Group one case, with the full trace."""
    problem = check_case(pack, case)
    if problem is not None:
        reason, detail = problem
        step = f"校验不通过（{reason}）：{REASON_TEXT[reason]}：{detail}"
        return GroupResult(case.index, Status.INVALID, "", "", UNGROUPABLE_DRG, reason, (step,))
    trace = [_checked(pack, case)]
    for mdc in pack.mdcs:
        if not _enter(pack, mdc, case, trace):
            continue
        adrg = _first_adrg(pack, mdc, case, trace)
        if adrg is not None:
            drg = split(pack, adrg, case, trace)
            return GroupResult(
                case.index, Status.OK, mdc.code, adrg.code, drg.code, None, tuple(trace)
            )
    trace.append(REASON_TEXT[Reason.NO_MDC])
    return GroupResult(
        case.index, Status.UNGROUPABLE, "", "", UNGROUPABLE_DRG, Reason.NO_MDC, tuple(trace)
    )
