"""Kinds that compare a fee line with what the catalogue allows (知识库): restrictions by sex,
age, child use, institution level, indication, scheme and setting; price cap; 串换 by price."""

from __future__ import annotations

from collections.abc import Iterator

from yibao.supervise.kinds.base import (
    Kind,
    Param,
    Part,
    applies,
    dx_any_sql,
    in_list,
    line_query,
    num,
    quote,
    strs,
)
from yibao.supervise.model import Context, Hit, Item, Rule

NO_ITEM = Item("", -1)


def _lines(rule: Rule, ctx: Context) -> Iterator[tuple[int, str, Item]]:
    if not applies(rule, ctx):
        return
    for line in ctx.lines:
        if rule.selector.match(line.hilist_code):
            yield line.feedetl_sn, line.hilist_code, ctx.items.get(line.hilist_code, NO_ITEM)


def _sex_check(rule: Rule, ctx: Context) -> Iterator[Hit]:
    fixed = str(rule.param("sex", ""))
    for sn, _, item in _lines(rule, ctx):
        limit = fixed or item.lmt_sex
        if limit and ctx.visit.sex != limit:
            yield Hit(rule.id, ctx.visit.mdtrt_id, sn)


def _sex_sql(rule: Rule) -> Part:
    fixed = str(rule.param("sex", ""))
    if fixed:
        return line_query(rule, visit=f"v.sex <> {quote(fixed)}")
    return line_query(rule, "v.sex <> i.lmt_sex", code="COALESCE(i.lmt_sex, '') <> ''")


def _age_bounds(rule: Rule, item: Item) -> tuple[int, int]:
    if "age_min" in rule.logic or "age_max" in rule.logic:
        return num(rule, "age_min", -1), num(rule, "age_max", -1)
    return item.age_min, item.age_max


def _age_check(rule: Rule, ctx: Context) -> Iterator[Hit]:
    age = ctx.visit.age
    for sn, _, item in _lines(rule, ctx):
        low, high = _age_bounds(rule, item)
        if (low >= 0 and age < low) or (high >= 0 and age > high):
            yield Hit(rule.id, ctx.visit.mdtrt_id, sn)


def _age_sql(rule: Rule) -> Part:
    if "age_min" in rule.logic or "age_max" in rule.logic:
        low, high = num(rule, "age_min", -1), num(rule, "age_max", -1)
        outside = [f"v.age < {low}"] * (low >= 0) + [f"v.age > {high}"] * (high >= 0)
        return line_query(rule, visit=" OR ".join(outside) or "FALSE")
    low, high = "COALESCE(i.age_min, -1)", "COALESCE(i.age_max, -1)"
    return line_query(rule, f"({low} >= 0 AND v.age < {low}) OR ({high} >= 0 AND v.age > {high})",
                      code=f"{low} >= 0 OR {high} >= 0")


def _child_check(rule: Rule, ctx: Context) -> Iterator[Hit]:
    limit = num(rule, "child_age_max", 14)
    for sn, _, item in _lines(rule, ctx):
        child_only = not rule.selector.every or 0 <= item.age_max <= limit
        if child_only and ctx.visit.age > limit:
            yield Hit(rule.id, ctx.visit.mdtrt_id, sn)


def _child_sql(rule: Rule) -> Part:
    limit = num(rule, "child_age_max", 14)
    child = "TRUE" if not rule.selector.every else (
        f"COALESCE(i.age_max, -1) BETWEEN 0 AND {limit}")
    return line_query(rule, code=child, visit=f"v.age > {limit}")


def _level_bounds(rule: Rule, item: Item) -> tuple[str, str]:
    if "lv_min" in rule.logic or "lv_max" in rule.logic:
        return str(rule.param("lv_min", "")), str(rule.param("lv_max", ""))
    return item.lv_min, item.lv_max


def _level_check(rule: Rule, ctx: Context) -> Iterator[Hit]:
    lv = ctx.visit.hosp_lv
    for sn, _, item in _lines(rule, ctx):
        low, high = _level_bounds(rule, item)
        known = lv in ("1", "2", "3")
        if (low or high) and (not known or (low and lv < low) or (high and lv > high)):
            yield Hit(rule.id, ctx.visit.mdtrt_id, sn)


def _level_sql(rule: Rule) -> Part:
    fixed = "lv_min" in rule.logic or "lv_max" in rule.logic
    if fixed:
        low, high = quote(str(rule.param("lv_min", ""))), quote(str(rule.param("lv_max", "")))
    else:
        low, high = "COALESCE(i.lv_min, '')", "COALESCE(i.lv_max, '')"
    bounded = f"{low} <> '' OR {high} <> ''"
    outside = (f"NOT v.hosp_lv IN ('1', '2', '3') OR ({low} <> '' AND v.hosp_lv < {low}) OR "
               f"({high} <> '' AND v.hosp_lv > {high})")
    if fixed:
        return line_query(rule, visit=f"({bounded}) AND ({outside})")
    return line_query(rule, outside, code=bounded)


def _dx_match(ctx: Context, prefixes: tuple[str, ...]) -> bool:
    v = ctx.visit
    return v.pdx.startswith(prefixes) or any(x.startswith(prefixes) for x in v.sdx)


def _indication_check(rule: Rule, ctx: Context) -> Iterator[Hit]:
    prefixes = strs(rule, "dx_prefixes")
    if _dx_match(ctx, prefixes):
        return
    for sn, _, _ in _lines(rule, ctx):
        yield Hit(rule.id, ctx.visit.mdtrt_id, sn)


def _indication_sql(rule: Rule) -> Part:
    return line_query(rule, visit=f"NOT {dx_any_sql(strs(rule, 'dx_prefixes'))}")


def _scheme_check(rule: Rule, ctx: Context) -> Iterator[Hit]:
    allowed = strs(rule, "allowed_insutypes")
    if ctx.visit.insutype not in allowed:
        for sn, _, _ in _lines(rule, ctx):
            yield Hit(rule.id, ctx.visit.mdtrt_id, sn)


def _scheme_sql(rule: Rule) -> Part:
    return line_query(rule, visit="NOT " + in_list("v.insutype", strs(rule, "allowed_insutypes")))


def _setting_check(rule: Rule, ctx: Context) -> Iterator[Hit]:
    if ctx.visit.kind not in strs(rule, "allowed_kinds"):
        for sn, _, _ in _lines(rule, ctx):
            yield Hit(rule.id, ctx.visit.mdtrt_id, sn)


def _setting_sql(rule: Rule) -> Part:
    return line_query(rule, visit="NOT " + in_list("v.kind", strs(rule, "allowed_kinds")))


def _cap_check(rule: Rule, ctx: Context) -> Iterator[Hit]:
    if not applies(rule, ctx):
        return
    for line in ctx.lines:
        item = ctx.items.get(line.hilist_code, NO_ITEM)
        if rule.selector.match(line.hilist_code) and 0 <= item.cap_e6 < line.pric_e6:
            yield Hit(rule.id, ctx.visit.mdtrt_id, line.feedetl_sn)


def _cap_sql(rule: Rule) -> Part:
    return line_query(rule, code="COALESCE(i.cap_e6, -1) >= 0", line="l.pric_e6 > i.cap_e6")


def _swap_check(rule: Rule, ctx: Context) -> Iterator[Hit]:
    tol = num(rule, "tolerance_e4", 0)
    unknown = bool(rule.param("flag_unknown", True))
    if not applies(rule, ctx):
        return
    for line in ctx.lines:
        item = ctx.items.get(line.hilist_code)
        if not rule.selector.match(line.hilist_code):
            continue
        if (item is None and unknown) or (
                item is not None and item.ref_pric_e6 >= 0
                and abs(line.pric_e6 - item.ref_pric_e6) * 10_000 > tol * item.ref_pric_e6):
            yield Hit(rule.id, ctx.visit.mdtrt_id, line.feedetl_sn)


def _swap_sql(rule: Rule) -> Part:
    tol = num(rule, "tolerance_e4", 0)
    unknown = "i.hilist_code IS NULL OR " if rule.param("flag_unknown", True) else ""
    return line_query(rule, line=f"{unknown}(i.hilist_code IS NOT NULL AND i.ref_pric_e6 >= 0 "
                                 f"AND abs(l.pric_e6 - i.ref_pric_e6) * 10000 "
                                 f"> {tol} * i.ref_pric_e6)")


LINE_WINDOWS = ("visit", "stay")
KINDS = (
    Kind("restrict_sex", "限性别", {"sex": Param("str")}, LINE_WINDOWS, _sex_check, _sex_sql,
         own_logic=("sex",)),
    Kind("restrict_age", "限年龄", {"age_min": Param("int"), "age_max": Param("int")},
         LINE_WINDOWS, _age_check, _age_sql, own_logic=("age_min", "age_max")),
    Kind("restrict_child", "儿童专用", {"child_age_max": Param("int", default=14)},
         LINE_WINDOWS, _child_check, _child_sql),
    Kind("restrict_level", "限医疗机构等级", {"lv_min": Param("str"), "lv_max": Param("str")},
         LINE_WINDOWS, _level_check, _level_sql, own_logic=("lv_min", "lv_max")),
    Kind("restrict_indication", "限适应症/诊断", {"dx_prefixes": Param("strs", True)},
         LINE_WINDOWS, _indication_check, _indication_sql, uses_items=False),
    Kind("restrict_scheme", "限险种（工伤/生育）", {"allowed_insutypes": Param("strs", True)},
         LINE_WINDOWS, _scheme_check, _scheme_sql, uses_items=False),
    Kind("restrict_setting", "限就诊类型（如限住院）", {"allowed_kinds": Param("strs", True)},
         LINE_WINDOWS, _setting_check, _setting_sql, uses_items=False),
    Kind("price_over_cap", "超限价收费", {}, LINE_WINDOWS, _cap_check, _cap_sql),
    Kind("price_mismatch", "串换项目（价格与目录不符）",
         {"tolerance_e4": Param("int", default=0), "flag_unknown": Param("bool", default=True)},
         LINE_WINDOWS, _swap_check, _swap_sql),
)
