"""Kinds over the lines of one visit: duplicate charge (重复收费: same code, and by default the
same day and quantity), mutually exclusive items
(互斥项目), quantity per line (超量, MUE-like) and bed days beyond the length of stay."""

from __future__ import annotations

from collections.abc import Iterator

from yibao.supervise.kinds.base import (
    Kind,
    Param,
    Part,
    Stage,
    applies,
    code_in,
    code_is,
    line_query,
    num,
    quote,
    selector_sql,
    visit_filter,
)
from yibao.supervise.kinds.groups import REPEATED_LINES, first_lines
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


def _dup_sql(rule: Rule) -> Part:
    """A line repeats an earlier one (lower `feedetl_sn`) of the same key in the visit; the key
    holds the code, so only the lines of a (visit, code) with more than one line are compared
    and the selector is the same for every line of a key. The rules with the same key share
    one pass over those lines joined to their key's first line."""
    keys = (("cnt_e4",) if rule.param("same_quantity", True) else ()) + (
        ("fee_date",) if rule.param("same_day", True) else ())
    first = first_lines(keys)
    on = " AND ".join(f"f.{k} = d.{k}" for k in ("vno", "cno", *keys))
    selected = selector_sql(rule.selector, "c.hilist_code")
    return Part("pass", f"d.feedetl_sn > f.first_sn AND {selected} AND {visit_filter(rule)}",
                (first,),
                source=f"{REPEATED_LINES.name} d JOIN {first.name} f ON {on} "
                       f"JOIN visits v ON v.vno = d.vno JOIN codes c ON c.cno = d.cno",
                row="v.mdtrt_id, d.feedetl_sn")


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


def _excl_sql(rule: Rule) -> Part:
    """Per pair, the lines of B in the visits holding a line of A (materialised: few, and the
    visit join then builds on them)."""
    found = [f"SELECT l.vno, l.feedetl_sn FROM lines l SEMI JOIN (SELECT vno FROM lines a "
             f"WHERE {code_is(a, 'a.cno')}) a ON a.vno = l.vno WHERE {code_is(b, 'l.cno')}"
             for a, b in _pairs(rule)]
    if not found:
        found = ["SELECT NULL::BIGINT AS vno, NULL::BIGINT AS feedetl_sn WHERE FALSE"]
    return Part("query", f"WITH l AS MATERIALIZED ({' UNION '.join(found)}) "
                         f"SELECT {quote(rule.id)} AS rule_id, v.mdtrt_id, l.feedetl_sn FROM l "
                         f"JOIN visits v ON v.vno = l.vno WHERE {visit_filter(rule)}")


def _qty_check(rule: Rule, ctx: Context) -> Iterator[Hit]:
    if not applies(rule, ctx):
        return
    limit = num(rule, "max_units") * E4
    for line in ctx.lines:
        if rule.selector.match(line.hilist_code) and line.cnt_e4 > limit:
            yield Hit(rule.id, ctx.visit.mdtrt_id, line.feedetl_sn)


def _qty_sql(rule: Rule) -> Part:
    return line_query(rule, line=f"l.cnt_e4 > {num(rule, 'max_units') * E4}")


def _bed_check(rule: Rule, ctx: Context) -> Iterator[Hit]:
    if not applies(rule, ctx):
        return
    limit = (ctx.visit.los_days + num(rule, "slack_days", 1)) * E4
    total = sum(x.cnt_e4 for x in ctx.lines if rule.selector.match(x.hilist_code))
    if total > limit:
        for line in ctx.lines:
            if rule.selector.match(line.hilist_code):
                yield Hit(rule.id, ctx.visit.mdtrt_id, line.feedetl_sn)


def _bed_sql(rule: Rule) -> Part:
    slack = num(rule, "slack_days", 1)
    stage = Stage(f"SELECT vno, sum(cnt_e4) AS units FROM lines l "
                  f"WHERE {code_in(rule.selector)} GROUP BY vno", cols=("units",))
    return line_query(rule, stages=(stage,),
                      visit=f"{stage.col('units')} > (v.los_days + {slack}) * {E4}")


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
