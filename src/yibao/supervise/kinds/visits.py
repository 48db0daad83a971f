"""Kinds over one visit as a whole: billing after death, low-threshold admission (低标准入院:
a mild diagnosis, a short stay, no substantive treatment),
secondary diagnoses unsupported by the record (高套: MCC without evidence) and its DRG form: a
stay grouped with MCC (DRG ending in 1) that regrouping without the unsupported diagnoses
places in another, lower split (the service precomputes `Visit.drg_regrouped`)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator

from yibao.supervise.kinds.base import (
    Kind,
    Param,
    Part,
    Stage,
    applies,
    code_in,
    in_list,
    num,
    prefix_any_sql,
    strs,
    visit_query,
)
from yibao.supervise.model import Context, Hit, Rule, Visit


def _death_check(rule: Rule, ctx: Context) -> Iterator[Hit]:
    v = ctx.visit
    grace = num(rule, "grace_days", 0)
    if applies(rule, ctx) and v.death_date is not None and (
            (v.begndate - v.death_date).days > grace):
        yield Hit(rule.id, v.mdtrt_id)


def _death_sql(rule: Rule) -> Part:
    grace = num(rule, "grace_days", 0)
    return visit_query(rule, f"v.death_date IS NOT NULL AND "
                             f"date_diff('day', v.death_date, v.begndate) > {grace}")


def _low_check(rule: Rule, ctx: Context) -> Iterator[Hit]:
    v, treated = ctx.visit, strs(rule, "treatment_prefixes")
    if (applies(rule, ctx) and v.pdx.startswith(strs(rule, "dx_prefixes"))
            and v.los_days <= num(rule, "max_los_days")
            and not (treated and any(x.hilist_code.startswith(treated) for x in ctx.lines))):
        yield Hit(rule.id, v.mdtrt_id)


def _low_sql(rule: Rule) -> Part:
    """A mild principal diagnosis, a short stay and, with `treatment_prefixes`, no line of
    substantive treatment (the visits with one are a stage)."""
    cond = (f"{prefix_any_sql('v.pdx', strs(rule, 'dx_prefixes'))} AND "
            f"v.los_days <= {num(rule, 'max_los_days')}")
    treated = strs(rule, "treatment_prefixes")
    if not treated:
        return visit_query(rule, cond)
    stage = Stage(f"SELECT DISTINCT vno FROM lines l "
                  f"WHERE {code_in(prefix_any_sql('c.hilist_code', treated))}")
    return visit_query(rule, f"{cond} AND {stage.col('vno')} IS NULL", (stage,))


def supported(rule: Rule, v: Visit, codes: Collection[str]) -> bool:
    """The record supports the rule's diagnoses: ICU or ventilation hours, or an evidence code
    among the visit's line `codes`."""
    icu, vent = num(rule, "icu_hours_min", 0), num(rule, "vent_hours_min", 0)
    return ((icu > 0 and v.icu_hours >= icu) or (vent > 0 and v.vent_hours >= vent)
            or any(c in codes for c in strs(rule, "evidence_codes")))


def unsupported_secondaries(rules: Iterable[Rule], v: Visit, codes: Collection[str]
                            ) -> tuple[str, ...]:
    """The secondary diagnoses of `v` that an applicable `unsupported_diagnosis` rule finds
    without support; a service regroups the stay without them (`Visit.drg_regrouped`)."""
    out: list[str] = []
    for rule in rules:
        if rule.kind != "unsupported_diagnosis" or not _visit_applies(rule, v):
            continue
        if not supported(rule, v, codes):
            out += [x for x in v.sdx if x.startswith(strs(rule, "dx_prefixes"))]
    return tuple(dict.fromkeys(out))


def _visit_applies(rule: Rule, v: Visit) -> bool:
    return ((not rule.visit_kinds or v.kind in rule.visit_kinds)
            and (not rule.insutypes or v.insutype in rule.insutypes))


def _dx_check(rule: Rule, ctx: Context) -> Iterator[Hit]:
    v = ctx.visit
    prefixes = strs(rule, "dx_prefixes")
    if (applies(rule, ctx) and any(x.startswith(prefixes) for x in v.sdx)
            and not supported(rule, v, {x.hilist_code for x in ctx.lines})):
        yield Hit(rule.id, v.mdtrt_id)


def _dx_sql(rule: Rule) -> Part:
    icu, vent = num(rule, "icu_hours_min", 0), num(rule, "vent_hours_min", 0)
    codes = strs(rule, "evidence_codes")
    support = [f"({icu} > 0 AND v.icu_hours >= {icu})", f"({vent} > 0 AND v.vent_hours >= {vent})"]
    stages: tuple[Stage, ...] = ()
    if codes:
        stages = (Stage(f"SELECT DISTINCT vno FROM lines l "
                        f"WHERE {code_in(in_list('c.hilist_code', codes))}"),)
        support.append(f"{stages[0].col('vno')} IS NOT NULL")
    has = f"len(list_filter(v.sdx, lambda x: {prefix_any_sql('x', strs(rule, 'dx_prefixes'))})) > 0"
    return visit_query(rule, f"{has} AND NOT ({' OR '.join(support)})", stages)


def _drg_check(rule: Rule, ctx: Context) -> Iterator[Hit]:
    v = ctx.visit
    if applies(rule, ctx) and v.drg.endswith("1") and v.drg_regrouped not in ("", v.drg):
        yield Hit(rule.id, v.mdtrt_id)


def _drg_sql(rule: Rule) -> Part:
    return visit_query(rule, "right(v.drg, 1) = '1' AND v.drg_regrouped NOT IN ('', v.drg)")


KINDS = (
    Kind("after_death", "死亡后就诊结算", {"grace_days": Param("int", default=0)},
         ("visit", "stay"), _death_check, _death_sql, uses_items=False),
    Kind("low_threshold_admission", "低标准入院",
         {"dx_prefixes": Param("strs", True), "max_los_days": Param("int", True),
          "treatment_prefixes": Param("strs")},
         ("stay",), _low_check, _low_sql, uses_items=False),
    Kind("unsupported_diagnosis", "诊断无诊疗依据（高套编码）",
         {"dx_prefixes": Param("strs", True), "icu_hours_min": Param("int", default=0),
          "vent_hours_min": Param("int", default=0), "evidence_codes": Param("strs")},
         ("stay",), _dx_check, _dx_sql, uses_items=False),
    Kind("drg_unsupported_mcc", "仅因无依据的严重并发症进入伴 MCC 分组（DRG 高套）", {},
         ("stay",), _drg_check, _drg_sql, uses_items=False),
)
