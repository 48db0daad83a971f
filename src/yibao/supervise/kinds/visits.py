"""Kinds over one visit as a whole: billing after death, low-threshold admission (低标准入院)
and secondary diagnoses unsupported by the record (高套: MCC without evidence)."""

from __future__ import annotations

from collections.abc import Iterator

from yibao.supervise.kinds.base import (
    Kind,
    Param,
    applies,
    in_list,
    num,
    prefix_any_sql,
    strs,
    visit_query,
)
from yibao.supervise.model import Context, Hit, Rule


def _death_check(rule: Rule, ctx: Context) -> Iterator[Hit]:
    v = ctx.visit
    grace = num(rule, "grace_days", 0)
    if applies(rule, ctx) and v.death_date is not None and (
            (v.begndate - v.death_date).days > grace):
        yield Hit(rule.id, v.mdtrt_id)


def _death_sql(rule: Rule) -> str:
    grace = num(rule, "grace_days", 0)
    return visit_query(rule, f"v.death_date IS NOT NULL AND "
                             f"date_diff('day', v.death_date, v.begndate) > {grace}")


def _low_check(rule: Rule, ctx: Context) -> Iterator[Hit]:
    v = ctx.visit
    if (applies(rule, ctx) and v.pdx.startswith(strs(rule, "dx_prefixes"))
            and v.los_days <= num(rule, "max_los_days")):
        yield Hit(rule.id, v.mdtrt_id)


def _low_sql(rule: Rule) -> str:
    return visit_query(rule, f"{prefix_any_sql('v.pdx', strs(rule, 'dx_prefixes'))} AND "
                             f"v.los_days <= {num(rule, 'max_los_days')}")


def _supported(rule: Rule, ctx: Context) -> bool:
    v = ctx.visit
    icu, vent = num(rule, "icu_hours_min", 0), num(rule, "vent_hours_min", 0)
    evidence = set(strs(rule, "evidence_codes"))
    return ((icu > 0 and v.icu_hours >= icu) or (vent > 0 and v.vent_hours >= vent)
            or any(x.hilist_code in evidence for x in ctx.lines))


def _dx_check(rule: Rule, ctx: Context) -> Iterator[Hit]:
    v = ctx.visit
    prefixes = strs(rule, "dx_prefixes")
    if (applies(rule, ctx) and any(x.startswith(prefixes) for x in v.sdx)
            and not _supported(rule, ctx)):
        yield Hit(rule.id, v.mdtrt_id)


def _dx_sql(rule: Rule) -> str:
    icu, vent = num(rule, "icu_hours_min", 0), num(rule, "vent_hours_min", 0)
    codes = strs(rule, "evidence_codes")
    support = [f"({icu} > 0 AND v.icu_hours >= {icu})", f"({vent} > 0 AND v.vent_hours >= {vent})"]
    if codes:
        support.append(f"v.mdtrt_id IN (SELECT mdtrt_id FROM lines WHERE "
                       f"{in_list('hilist_code', codes)})")
    has = f"len(list_filter(v.sdx, lambda x: {prefix_any_sql('x', strs(rule, 'dx_prefixes'))})) > 0"
    return visit_query(rule, f"{has} AND NOT ({' OR '.join(support)})")


KINDS = (
    Kind("after_death", "死亡后就诊结算", {"grace_days": Param("int", default=0)},
         ("visit", "stay"), _death_check, _death_sql, uses_items=False),
    Kind("low_threshold_admission", "低标准入院",
         {"dx_prefixes": Param("strs", True), "max_los_days": Param("int", True)},
         ("stay",), _low_check, _low_sql, uses_items=False),
    Kind("unsupported_diagnosis", "诊断无诊疗依据（高套编码）",
         {"dx_prefixes": Param("strs", True), "icu_hours_min": Param("int", default=0),
          "vent_hours_min": Param("int", default=0), "evidence_codes": Param("strs")},
         ("stay",), _dx_check, _dx_sql, uses_items=False),
)
