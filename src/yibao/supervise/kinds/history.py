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
    Part,
    Stage,
    applies,
    code_in,
    in_list,
    num,
    prefix_any_sql,
    quote,
    strs,
    visit_filter,
)
from yibao.supervise.kinds.groups import GROUPED, SHARED_CODES
from yibao.supervise.model import Context, Hit, Past, Rule, Visit

E4 = 10_000
INPATIENT = "kind = 'inpatient'"
def _pair_query(rule: Rule, condition: str, earlier: str = "TRUE") -> Part:
    """Visits with an earlier visit `p` of the same person (`earlier` filters `p` first)."""
    return Part("pass", f"{visit_filter(rule)} AND ({condition})",
                source=f"visits v JOIN (SELECT * FROM visits WHERE {earlier}) p "
                       f"ON p.pno = v.pno AND p.vno < v.vno",
                row="v.mdtrt_id, 0 AS feedetl_sn")


def _readmit_match(rule: Rule, v: Visit, p: Visit) -> bool:
    k = num(rule, "group_chars", 3)
    gap = (v.begndate - p.enddate).days
    same = p.fixmedins_code == v.fixmedins_code
    return (p.kind == "inpatient" and 0 <= gap <= rule.window_days
            and v.pdx[:k] == p.pdx[:k]
            and (not rule.param("same_institution", False) or same)
            and (not rule.param("other_institution", False) or not same))


def _readmit_check(rule: Rule, ctx: Context) -> Iterator[Hit]:
    v = ctx.visit
    if not applies(rule, ctx) or v.pdx.startswith(strs(rule, "exclude_dx_prefixes")):
        return
    if any(_readmit_match(rule, v, past.visit) for past in ctx.history):
        yield Hit(rule.id, v.mdtrt_id)


def _readmit_sql(rule: Rule) -> Part:
    k = num(rule, "group_chars", 3)
    same = " AND p.fixmedins_code = v.fixmedins_code" if rule.param("same_institution") else ""
    same += " AND p.fixmedins_code <> v.fixmedins_code" if rule.param("other_institution") else ""
    excl = prefix_any_sql("v.pdx", strs(rule, "exclude_dx_prefixes"))
    return _pair_query(rule, f"NOT {excl} AND date_diff('day', p.enddate, v.begndate) "
                             f"BETWEEN 0 AND {rule.window_days} AND "
                             f"left(p.pdx, {k}) = left(v.pdx, {k}){same}", INPATIENT)


def _overlap_match(rule: Rule, v: Visit, p: Visit) -> bool:
    other = not rule.param("other_institution", True) or p.fixmedins_code != v.fixmedins_code
    return p.kind == "inpatient" and p.begndate < v.begndate < p.enddate and other


def _overlap_check(rule: Rule, ctx: Context) -> Iterator[Hit]:
    if applies(rule, ctx) and any(_overlap_match(rule, ctx.visit, p.visit)
                                  for p in ctx.history):
        yield Hit(rule.id, ctx.visit.mdtrt_id)


def _overlap_sql(rule: Rule) -> Part:
    other = (" AND p.fixmedins_code <> v.fixmedins_code"
             if rule.param("other_institution", True) else "")
    return _pair_query(rule, f"p.begndate < v.begndate AND v.begndate < p.enddate{other}",
                       INPATIENT)


def _same_claim(v: Visit, p: Visit) -> bool:
    return (p.fixmedins_code, p.kind, p.begndate, p.enddate, p.total_fen) == (
        v.fixmedins_code, v.kind, v.begndate, v.enddate, v.total_fen)


def _dupset_check(rule: Rule, ctx: Context) -> Iterator[Hit]:
    offsite = strs(rule, "offsite")
    v = ctx.visit
    if (applies(rule, ctx) and (not offsite or v.offsite in offsite)
            and any(_same_claim(v, p.visit) for p in ctx.history)):
        yield Hit(rule.id, v.mdtrt_id)


CLAIM = ("pno", "fixmedins_code", "kind", "begndate", "enddate", "total_fen")
#: Visits repeating an earlier claim: same person and claim columns; an equal begin date makes
#: "earlier" a lower visit number. The visits sharing person, begin date and amount (numbers
#: only, a cheap grouping) are the only candidates.
REPEATED = Stage(
    f"WITH d AS (SELECT v.* FROM visits v SEMI JOIN (SELECT pno, begndate, total_fen FROM "
    f"visits GROUP BY ALL HAVING count(*) > 1) c ON c.pno = v.pno AND c.begndate = v.begndate "
    f"AND c.total_fen = v.total_fen) SELECT v.vno FROM d v JOIN (SELECT {', '.join(CLAIM)}, "
    f"min(vno) AS first_vno FROM d GROUP BY ALL HAVING count(*) > 1) g ON "
    + " AND ".join(f"g.{c} = v.{c}" for c in CLAIM) + " WHERE v.vno > g.first_vno")


def _dupset_sql(rule: Rule) -> Part:
    """A pass over the repeated claims (the rules share it), not over every visit."""
    offsite = strs(rule, "offsite")
    where = in_list("v.offsite", offsite) + " AND " if offsite else ""
    return Part("pass", f"{where}{visit_filter(rule)}", (REPEATED,),
                source=f"{REPEATED.name} r JOIN visits v ON v.vno = r.vno",
                row="v.mdtrt_id, 0 AS feedetl_sn")


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


def _window_sql(rule: Rule, count: bool, limit: int) -> Part:
    """Per (visit, code): its quantity (or 1) plus earlier visits' ending 0..N-1 days before.
    A line alone of its code for its person totals its own quantity (or 1): the few over the
    limit are materialised before the visit join, so that DuckDB builds its hash table on
    them; the lines of the shared stage are summed per (visit, code) and joined to the
    person's earlier sums of the same code on integer keys. (A RANGE window per person and
    code measured slower.)"""
    n, alone = rule.window_days, "1" if count else "l.cnt_e4"
    return Part("query", (
        f"WITH c AS MATERIALIZED (SELECT l.vno, l.feedetl_sn FROM lines l ANTI JOIN "
        f"{SHARED_CODES.name} s ON s.pno = l.pno AND s.cno = l.cno WHERE {alone} > {limit} "
        f"AND {code_in(rule.selector, 'l.cno')}), "
        f"s AS (SELECT g.vno, g.cno, g.pno, {'1' if count else 'sum(g.cnt_e4)'} AS q "
        f"FROM {GROUPED.name} g WHERE {code_in(rule.selector, 'g.cno')} "
        f"GROUP BY g.vno, g.cno, g.pno), "
        f"w AS (SELECT s.*, v.enddate, v.mdtrt_id FROM s JOIN visits v ON v.vno = s.vno "
        f"WHERE {visit_filter(rule)}), "
        f"t AS (SELECT v.vno, v.cno, any_value(v.mdtrt_id) AS mdtrt_id FROM w v JOIN w p "
        f"ON p.pno = v.pno AND p.cno = v.cno AND p.vno <= v.vno WHERE date_diff('day', "
        f"p.enddate, v.enddate) BETWEEN 0 AND {n - 1} GROUP BY v.vno, v.cno "
        f"HAVING sum(p.q) > {limit}) "
        f"SELECT {quote(rule.id)} AS rule_id, t.mdtrt_id, g.feedetl_sn FROM {GROUPED.name} g "
        f"JOIN t ON t.vno = g.vno AND t.cno = g.cno UNION ALL "
        f"SELECT {quote(rule.id)}, v.mdtrt_id, c.feedetl_sn FROM c JOIN visits v "
        f"ON v.vno = c.vno WHERE {visit_filter(rule)}"), (GROUPED,))


def _qwin_sql(rule: Rule) -> Part:
    return _window_sql(rule, False, num(rule, "max_units") * E4)


def _fwin_sql(rule: Rule) -> Part:
    return _window_sql(rule, True, num(rule, "max_times"))


WINDOWED = ("days", "year")
KINDS = (
    Kind("readmission", "分解住院（N 日内同病种再入院）",
         {"group_chars": Param("int", default=3), "exclude_dx_prefixes": Param("strs"),
          "same_institution": Param("bool", default=False),
          "other_institution": Param("bool", default=False)},
         WINDOWED, _readmit_check, _readmit_sql, uses_items=False, uses_history=True),
    Kind("stay_overlap", "住院期间他院就诊/住院（挂床、两院同时住院）",
         {"other_institution": Param("bool", default=True)},
         ("stay",), _overlap_check, _overlap_sql, uses_items=False, uses_history=True),
    Kind("duplicate_settlement", "重复结算（含异地）", {"offsite": Param("strs")},
         ("days", "visit"), _dupset_check, _dupset_sql, uses_items=False, uses_history=True),
    Kind("quantity_window", "周期内超量开药", {"max_units": Param("int", True)},
         WINDOWED, _qwin_check, _qwin_sql, uses_items=False, uses_history=True),
    Kind("frequency_window", "周期内超频次", {"max_times": Param("int", True)},
         WINDOWED, _fwin_check, _fwin_sql, uses_items=False, uses_history=True),
)

__all__ = ["KINDS", "Past"]
