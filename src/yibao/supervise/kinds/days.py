"""Kinds that read each line's day (`fee_date`): bed days with no clinical activity (挂床) and a
drug quantity beyond the item's usual daily maximum × the days it covers (超量开药)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator

from yibao.supervise.kinds.base import (
    Kind,
    Param,
    Part,
    Stage,
    applies,
    code_in,
    line_query,
    num,
    prefix_any_sql,
    selector_sql,
    strs,
    visit_filter,
)
from yibao.supervise.model import VISIT_KINDS, Context, Hit, Line, Rule, Visit


def line_day(line: Line, visit: Visit) -> dt.date:
    """The day a line was charged (the visit's begin date when the line carries none)."""
    return line.fee_date or visit.begndate


def longest_idle(active: set[int], stay_days: int) -> int:
    """Longest run of stay days 0..stay_days-1 with no active day."""
    points = sorted({-1, stay_days} | {d for d in active if 0 <= d < stay_days})
    return max(b - a - 1 for a, b in itertools.pairwise(points))


def _idle_check(rule: Rule, ctx: Context) -> Iterator[Hit]:
    if not applies(rule, ctx):
        return
    v, basic = ctx.visit, strs(rule, "basic_prefixes")
    active = {(line_day(x, v) - v.begndate).days for x in ctx.lines
              if not rule.selector.match(x.hilist_code) and not x.hilist_code.startswith(basic)}
    if longest_idle(active, v.los_days) > num(rule, "max_idle_days"):
        for line in ctx.lines:
            if rule.selector.match(line.hilist_code):
                yield Hit(rule.id, v.mdtrt_id, line.feedetl_sn)


def _idle_sql(rule: Rule) -> Part:
    """The stage takes each applicable stay's active days (offsets 0..LOS-1; the selector and
    basic codes excluded by code number), the gap before each from the previous one (-1 before
    the first), the gap after the last to LOS, and keeps the stays whose longest gap exceeds
    `max_idle_days` (a stay without active days is idle throughout)."""
    basic = prefix_any_sql("c.hilist_code", strs(rule, "basic_prefixes"))
    clinical = code_in(f"NOT {selector_sql(rule.selector, 'c.hilist_code')} AND NOT {basic}")
    day = "date_diff('day', v.begndate, l.fee_date)"
    active = (f"SELECT DISTINCT l.vno, {day} AS d FROM lines l JOIN visits v ON v.vno = l.vno "
              f"WHERE {visit_filter(rule)} AND {clinical} AND {day} BETWEEN 0 AND v.los_days - 1")
    gaps = (f"SELECT vno, max(d - prev - 1) AS gap, max(d) AS last FROM (SELECT vno, d, "
            f"lag(d, 1, -1) OVER (PARTITION BY vno ORDER BY d) AS prev FROM ({active})) "
            f"GROUP BY vno")
    stage = Stage(f"SELECT v.vno FROM visits v LEFT JOIN ({gaps}) g ON g.vno = v.vno "
                  f"WHERE {visit_filter(rule)} AND greatest(COALESCE(g.gap, -1), "
                  f"v.los_days - COALESCE(g.last, -1) - 1) > {num(rule, 'max_idle_days')}")
    return line_query(rule, stages=(stage,), visit=f"{stage.col('vno')} IS NOT NULL")


def _days_covered(rule: Rule, visit: Visit) -> int:
    if visit.kind == "inpatient":
        return max(visit.los_days, 1)
    if visit.kind == "chronic":
        return num(rule, "chronic_supply_days", 30)
    return num(rule, "supply_days", 7)


def _daily_check(rule: Rule, ctx: Context) -> Iterator[Hit]:
    if not applies(rule, ctx):
        return
    days = _days_covered(rule, ctx.visit)
    for line in ctx.lines:
        item = ctx.items.get(line.hilist_code)
        if (rule.selector.match(line.hilist_code) and item is not None and item.max_day_e4 > 0
                and line.cnt_e4 > item.max_day_e4 * days):
            yield Hit(rule.id, ctx.visit.mdtrt_id, line.feedetl_sn)


def _daily_sql(rule: Rule) -> Part:
    """The line alone must already exceed the daily maximum × the fewest days an applicable
    visit covers (a stay at least one)."""
    chronic, supply = num(rule, "chronic_supply_days", 30), num(rule, "supply_days", 7)
    days = (f"(CASE WHEN v.kind = 'inpatient' THEN greatest(v.los_days, 1) "
            f"WHEN v.kind = 'chronic' THEN {chronic} ELSE {supply} END)")
    covered = {"inpatient": 1, "chronic": chronic, "outpatient": supply, "pharmacy": supply}
    fewest = min(covered.get(k, supply) for k in rule.visit_kinds or VISIT_KINDS)
    return line_query(rule, f"l.cnt_e4 > i.max_day_e4 * {days}", code="i.max_day_e4 > 0",
                      line=f"l.cnt_e4 > i.max_day_e4 * {fewest}")


KINDS = (
    Kind("bed_idle_days", "无诊疗活动的床日（挂床）",
         {"max_idle_days": Param("int", True), "basic_prefixes": Param("strs", default=())},
         ("stay",), _idle_check, _idle_sql, uses_items=False),
    Kind("quantity_over_daily_max", "超过日最大用量×天数",
         {"supply_days": Param("int", default=7), "chronic_supply_days": Param("int", default=30)},
         ("visit", "day", "days"), _daily_check, _daily_sql),
)
