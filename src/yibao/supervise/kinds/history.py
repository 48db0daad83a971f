"""Kinds across visits of one person (跨就诊): split admission (分解住院), activity during a stay
at another institution (挂床 / 两院同时住院), duplicate settlement (重复结算), and quantity or
frequency over a window of N days (超量开药, 超频次).

"Earlier" means earlier by (begin date, mdtrt_id): the per-visit engine holds those visits in
memory; the batch query states the same order.
"""

from __future__ import annotations

from collections.abc import Iterator

from yibao.supervise.kinds.base import (
    Kind,
    Param,
    applies,
    in_list,
    num,
    prefix_any_sql,
    quote,
    selector_sql,
    strs,
    visit_filter,
)
from yibao.supervise.model import Context, Hit, Past, Rule, Visit

E4 = 10_000
PRIOR = "(p.begndate < v.begndate OR (p.begndate = v.begndate AND p.mdtrt_id < v.mdtrt_id))"


def _pair_query(rule: Rule, condition: str) -> str:
    return (f"SELECT DISTINCT {quote(rule.id)} AS rule_id, v.mdtrt_id, 0 AS feedetl_sn "
            f"FROM visits v JOIN visits p ON p.psn_no = v.psn_no AND p.mdtrt_id <> v.mdtrt_id "
            f"WHERE {visit_filter(rule)} AND {PRIOR} AND ({condition})")


def _readmit_match(rule: Rule, v: Visit, p: Visit) -> bool:
    k = num(rule, "group_chars", 3)
    gap = (v.begndate - p.enddate).days
    return (p.kind == "inpatient" and 0 <= gap <= rule.window_days
            and v.pdx[:k] == p.pdx[:k]
            and (not rule.param("same_institution", False)
                 or p.fixmedins_code == v.fixmedins_code))


def _readmit_check(rule: Rule, ctx: Context) -> Iterator[Hit]:
    v = ctx.visit
    if not applies(rule, ctx) or v.pdx.startswith(strs(rule, "exclude_dx_prefixes")):
        return
    if any(_readmit_match(rule, v, past.visit) for past in ctx.history):
        yield Hit(rule.id, v.mdtrt_id)


def _readmit_sql(rule: Rule) -> str:
    k = num(rule, "group_chars", 3)
    same = " AND p.fixmedins_code = v.fixmedins_code" if rule.param("same_institution") else ""
    excl = prefix_any_sql("v.pdx", strs(rule, "exclude_dx_prefixes"))
    return _pair_query(rule, f"p.kind = 'inpatient' AND NOT {excl} AND "
                             f"date_diff('day', p.enddate, v.begndate) BETWEEN 0 AND "
                             f"{rule.window_days} AND left(p.pdx, {k}) = left(v.pdx, {k}){same}")


def _overlap_match(rule: Rule, v: Visit, p: Visit) -> bool:
    other = not rule.param("other_institution", True) or p.fixmedins_code != v.fixmedins_code
    return p.kind == "inpatient" and p.begndate < v.begndate < p.enddate and other


def _overlap_check(rule: Rule, ctx: Context) -> Iterator[Hit]:
    if applies(rule, ctx) and any(_overlap_match(rule, ctx.visit, p.visit)
                                  for p in ctx.history):
        yield Hit(rule.id, ctx.visit.mdtrt_id)


def _overlap_sql(rule: Rule) -> str:
    other = (" AND p.fixmedins_code <> v.fixmedins_code"
             if rule.param("other_institution", True) else "")
    return _pair_query(rule, f"p.kind = 'inpatient' AND p.begndate < v.begndate "
                             f"AND v.begndate < p.enddate{other}")


def _same_claim(v: Visit, p: Visit) -> bool:
    return (p.fixmedins_code, p.kind, p.begndate, p.enddate, p.total_fen) == (
        v.fixmedins_code, v.kind, v.begndate, v.enddate, v.total_fen)


def _dupset_check(rule: Rule, ctx: Context) -> Iterator[Hit]:
    offsite = strs(rule, "offsite")
    v = ctx.visit
    if (applies(rule, ctx) and (not offsite or v.offsite in offsite)
            and any(_same_claim(v, p.visit) for p in ctx.history)):
        yield Hit(rule.id, v.mdtrt_id)


def _dupset_sql(rule: Rule) -> str:
    offsite = strs(rule, "offsite")
    where = in_list("v.offsite", offsite) + " AND " if offsite else ""
    return _pair_query(rule, f"{where}p.fixmedins_code = v.fixmedins_code AND p.kind = v.kind "
                             "AND p.begndate = v.begndate AND p.enddate = v.enddate "
                             "AND p.total_fen = v.total_fen")


def _visit_applies(rule: Rule, v: Visit) -> bool:
    return ((not rule.visit_kinds or v.kind in rule.visit_kinds)
            and (not rule.insutypes or v.insutype in rule.insutypes))


def _window_totals(rule: Rule, ctx: Context, count: bool) -> dict[str, int]:
    """Per selected code: this visit's quantity (or 1) plus earlier visits' within the window."""
    def add(into: dict[str, int], lines: tuple, seen: set[str]) -> None:
        for line in lines:
            code = line.hilist_code
            if rule.selector.match(code) and (not count or code not in seen):
                into[code] = into.get(code, 0) + (1 if count else line.cnt_e4)
                seen.add(code)

    totals: dict[str, int] = {}
    add(totals, ctx.lines, set())
    v = ctx.visit
    for past in ctx.history:
        p = past.visit
        if _visit_applies(rule, p) and 0 <= (v.enddate - p.enddate).days < rule.window_days:
            add(totals, tuple(x for x in past.lines if x.hilist_code in totals), set())
    return totals


def _window_check(rule: Rule, ctx: Context, count: bool, limit: int) -> Iterator[Hit]:
    if not applies(rule, ctx):
        return
    totals = _window_totals(rule, ctx, count)
    for line in ctx.lines:
        if totals.get(line.hilist_code, 0) > limit:
            yield Hit(rule.id, ctx.visit.mdtrt_id, line.feedetl_sn)


def _qwin_check(rule: Rule, ctx: Context) -> Iterator[Hit]:
    yield from _window_check(rule, ctx, False, num(rule, "max_units") * E4)


def _fwin_check(rule: Rule, ctx: Context) -> Iterator[Hit]:
    yield from _window_check(rule, ctx, True, num(rule, "max_times"))


def _window_sql(rule: Rule, count: bool, limit: int) -> str:
    measure = "1" if count else "sum(l.cnt_e4)"
    other = "count(p.mdtrt_id)" if count else "COALESCE(sum(p.q), 0)"
    return (
        f"WITH s AS (SELECT l.mdtrt_id, l.hilist_code, {measure} AS q, v.psn_no, v.begndate, "
        f"v.enddate FROM lines l JOIN visits v ON v.mdtrt_id = l.mdtrt_id WHERE "
        f"{visit_filter(rule)} AND {selector_sql(rule.selector)} GROUP BY l.mdtrt_id, "
        f"l.hilist_code, v.psn_no, v.begndate, v.enddate), "
        f"t AS (SELECT v.mdtrt_id, v.hilist_code, v.q + {other} AS total FROM s v LEFT JOIN s p "
        f"ON p.psn_no = v.psn_no AND p.hilist_code = v.hilist_code AND {PRIOR} AND "
        f"date_diff('day', p.enddate, v.enddate) BETWEEN 0 AND {rule.window_days - 1} "
        f"GROUP BY v.mdtrt_id, v.hilist_code, v.q) "
        f"SELECT {quote(rule.id)} AS rule_id, l.mdtrt_id, l.feedetl_sn FROM lines l JOIN t "
        f"ON t.mdtrt_id = l.mdtrt_id AND t.hilist_code = l.hilist_code WHERE t.total > {limit}")


def _qwin_sql(rule: Rule) -> str:
    return _window_sql(rule, False, num(rule, "max_units") * E4)


def _fwin_sql(rule: Rule) -> str:
    return _window_sql(rule, True, num(rule, "max_times"))


WINDOWED = ("days", "year")
KINDS = (
    Kind("readmission", "分解住院（N 日内同病种再入院）",
         {"group_chars": Param("int", default=3), "exclude_dx_prefixes": Param("strs"),
          "same_institution": Param("bool", default=False)},
         WINDOWED, _readmit_check, _readmit_sql, uses_items=False),
    Kind("stay_overlap", "住院期间他院就诊/住院（挂床、两院同时住院）",
         {"other_institution": Param("bool", default=True)},
         ("stay",), _overlap_check, _overlap_sql, uses_items=False),
    Kind("duplicate_settlement", "重复结算（含异地）", {"offsite": Param("strs")},
         ("days", "visit"), _dupset_check, _dupset_sql, uses_items=False),
    Kind("quantity_window", "周期内超量开药", {"max_units": Param("int", True)},
         WINDOWED, _qwin_check, _qwin_sql, uses_items=False),
    Kind("frequency_window", "周期内超频次", {"max_times": Param("int", True)},
         WINDOWED, _fwin_check, _fwin_sql, uses_items=False),
)

__all__ = ["KINDS", "Past"]
