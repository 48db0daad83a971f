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
    line_query,
    num,
    quote,
    selector_sql,
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


#: (visit, code) pairs with more than one line: every duplicate key refines one of them.
REPEATED_CODES = Stage("SELECT vno, cno FROM lines GROUP BY vno, cno HAVING count(*) > 1",
                       ("vno", "cno"))


def _dup_sql(rule: Rule) -> Part:
    """A line repeats an earlier one (lower `feedetl_sn`) of the same key in the visit; the key
    holds the code, so the selector is the same for every line of a key: the stage (shared by
    every rule with the same key) groups the lines of repeated codes, the predicate applies the
    selector."""
    keys = ["vno", "cno"] + (["cnt_e4"] if rule.param("same_quantity", True) else [])
    keys += ["fee_date"] if rule.param("same_day", True) else []
    cols = ", ".join(keys)
    stage = Stage(f"SELECT {cols}, min(feedetl_sn) AS first_sn FROM lines "
                  f"WHERE (vno, cno) IN (SELECT (vno, cno) FROM {REPEATED_CODES.name}) "
                  f"GROUP BY {cols} HAVING count(*) > 1", tuple(keys), ("first_sn",),
                  (REPEATED_CODES,))
    return line_query(rule, f"l.feedetl_sn > {stage.col('first_sn')}", stages=(stage,))


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


def _has_code(code: str) -> Stage:
    """Visits with a line of `code`."""
    return Stage(f"SELECT DISTINCT vno FROM lines WHERE hilist_code = {quote(code)}")


def _excl_sql(rule: Rule) -> Part:
    stages = tuple(_has_code(a) for a, _ in _pairs(rule))
    parts = [f"(l.hilist_code = {quote(b)} AND {st.col('vno')} IS NOT NULL)"
             for (_, b), st in zip(_pairs(rule), stages, strict=True)]
    return line_query(rule, " OR ".join(parts) or "FALSE", stages)


def _qty_check(rule: Rule, ctx: Context) -> Iterator[Hit]:
    if not applies(rule, ctx):
        return
    limit = num(rule, "max_units") * E4
    for line in ctx.lines:
        if rule.selector.match(line.hilist_code) and line.cnt_e4 > limit:
            yield Hit(rule.id, ctx.visit.mdtrt_id, line.feedetl_sn)


def _qty_sql(rule: Rule) -> Part:
    return line_query(rule, f"l.cnt_e4 > {num(rule, 'max_units') * E4}")


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
                  f"WHERE {selector_sql(rule.selector)} GROUP BY vno", cols=("units",))
    return line_query(rule, f"{stage.col('units')} > (v.los_days + {slack}) * {E4}", (stage,))


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
