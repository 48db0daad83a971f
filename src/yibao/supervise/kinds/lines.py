"""Kinds over the lines of one visit: duplicate charge (重复收费: same code, and by default the
same day and quantity), mutually exclusive items
(互斥项目), quantity per line (超量, MUE-like) and bed days beyond the length of stay."""

from __future__ import annotations

from collections.abc import Iterator

from yibao.supervise.kinds.base import (
    Kind,
    Param,
    applies,
    line_query,
    num,
    quote,
    selector_sql,
    visit_filter,
)
from yibao.supervise.model import Context, Hit, Rule

E4 = 10_000


def _dup_check(rule: Rule, ctx: Context) -> Iterator[Hit]:
    if not applies(rule, ctx):
        return
    same_qty = bool(rule.param("same_quantity", True))
    same_day = bool(rule.param("same_day", True))
    seen: set[tuple[str, int, object]] = set()
    for line in sorted(ctx.lines, key=lambda x: x.feedetl_sn):
        if not rule.selector.match(line.hilist_code):
            continue
        day = (line.fee_date or ctx.visit.begndate) if same_day else None
        key = (line.hilist_code, line.cnt_e4 if same_qty else 0, day)
        if key in seen:
            yield Hit(rule.id, ctx.visit.mdtrt_id, line.feedetl_sn)
        seen.add(key)


def _dup_sql(rule: Rule) -> str:
    part = "l.mdtrt_id, l.hilist_code" + (", l.cnt_e4" if rule.param("same_quantity", True)
                                          else "")
    if rule.param("same_day", True):
        part += ", COALESCE(l.fee_date, v.begndate)"
    return (f"SELECT rule_id, mdtrt_id, feedetl_sn FROM (SELECT {quote(rule.id)} AS rule_id, "
            f"l.mdtrt_id, l.feedetl_sn, row_number() OVER (PARTITION BY {part} "
            f"ORDER BY l.feedetl_sn) AS k FROM lines l JOIN visits v ON v.mdtrt_id = l.mdtrt_id "
            f"WHERE {visit_filter(rule)} AND {selector_sql(rule.selector)}) WHERE k > 1")


def _pairs(rule: Rule) -> tuple[tuple[str, str], ...]:
    value = rule.param("pairs", ())
    assert isinstance(value, tuple)
    return value


def _excl_check(rule: Rule, ctx: Context) -> Iterator[Hit]:
    if not applies(rule, ctx):
        return
    codes = {line.hilist_code for line in ctx.lines}
    denied = {b for a, b in _pairs(rule) if a in codes}
    for line in ctx.lines:
        if line.hilist_code in denied:
            yield Hit(rule.id, ctx.visit.mdtrt_id, line.feedetl_sn)


def _excl_sql(rule: Rule) -> str:
    parts = [f"(l.hilist_code = {quote(b)} AND l.mdtrt_id IN (SELECT mdtrt_id FROM lines "
             f"WHERE hilist_code = {quote(a)}))" for a, b in _pairs(rule)]
    return line_query(rule, " OR ".join(parts) or "FALSE", join_items=False)


def _qty_check(rule: Rule, ctx: Context) -> Iterator[Hit]:
    if not applies(rule, ctx):
        return
    limit = num(rule, "max_units") * E4
    for line in ctx.lines:
        if rule.selector.match(line.hilist_code) and line.cnt_e4 > limit:
            yield Hit(rule.id, ctx.visit.mdtrt_id, line.feedetl_sn)


def _qty_sql(rule: Rule) -> str:
    return line_query(rule, f"l.cnt_e4 > {num(rule, 'max_units') * E4}", join_items=False)


def _bed_check(rule: Rule, ctx: Context) -> Iterator[Hit]:
    if not applies(rule, ctx):
        return
    limit = (ctx.visit.los_days + num(rule, "slack_days", 1)) * E4
    total = sum(x.cnt_e4 for x in ctx.lines if rule.selector.match(x.hilist_code))
    if total > limit:
        for line in ctx.lines:
            if rule.selector.match(line.hilist_code):
                yield Hit(rule.id, ctx.visit.mdtrt_id, line.feedetl_sn)


def _bed_sql(rule: Rule) -> str:
    slack = num(rule, "slack_days", 1)
    sel = selector_sql(rule.selector)
    over = (f"SELECT l.mdtrt_id FROM lines l JOIN visits v ON v.mdtrt_id = l.mdtrt_id "
            f"WHERE {sel} GROUP BY l.mdtrt_id, v.los_days "
            f"HAVING sum(l.cnt_e4) > (v.los_days + {slack}) * {E4}")
    return line_query(rule, f"l.mdtrt_id IN ({over})", join_items=False)


KINDS = (
    Kind("duplicate_line", "重复收费", {"same_quantity": Param("bool", default=True),
                                        "same_day": Param("bool", default=True)},
         ("visit", "stay", "day"), _dup_check, _dup_sql, uses_items=False),
    Kind("exclusive_pair", "互斥项目同时收费", {"pairs": Param("pairs", True)},
         ("visit", "stay", "day"), _excl_check, _excl_sql, uses_items=False),
    Kind("quantity_per_line", "单次超量", {"max_units": Param("int", True)},
         ("visit", "stay", "day"), _qty_check, _qty_sql, uses_items=False),
    Kind("bed_days_over_stay", "床日数超过住院天数", {"slack_days": Param("int", default=1)},
         ("stay",), _bed_check, _bed_sql, uses_items=False),
)
