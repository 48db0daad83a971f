"""The batch engine (事后): the rule base compiled to one plan over the relations `visits`,
`lines` and `items` (see `kinds.base`). The domain writes the SQL; a service executes it.

Rules of the same shape share the work: one pass over the lines, joined once to visits, items
and the stage tables, evaluates every line rule's predicate on each row; one pass over the
visits does the same for visit rules; each stage (a per-visit aggregate, the duplicate keys, the
repeated claims, the idle stays) is computed once for every rule that reads it. Cross-visit
rules (pairs of visits, windows per person and code) keep a query of their own.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace

from yibao.supervise.kinds import KINDS
from yibao.supervise.kinds.base import Part, Stage, quote, selector_sql
from yibao.supervise.model import Rule, RuleBase, Selector

#: One row per code (`codes`): the catalogue's columns and a column per line selector.
CODE_FACTS = "sv_codes"
#: The visits with the columns of every stage keyed by visit (one join for all of them).
VISIT_FACTS = "sv_visits"


@dataclass(frozen=True, slots=True)
class Plan:
    """Stage tables to create in order (name, SELECT), then the query yielding
    `rule_id, mdtrt_id, feedetl_sn` for every hit (feedetl_sn 0 = the visit as a whole)."""

    stages: tuple[tuple[str, str], ...]
    query: str

    def sql(self) -> str:
        """The plan as one statement, the stages as materialised common table expressions."""
        if not self.stages:
            return self.query
        ctes = ", ".join(f"{name} AS MATERIALIZED ({sql})" for name, sql in self.stages)
        return f"WITH {ctes} {self.query}"


def _stages(parts: Sequence[Part]) -> tuple[Stage, ...]:
    """The stages the parts read, each once, every stage after those it reads."""
    seen: dict[str, Stage] = {}

    def add(stage: Stage) -> None:
        for first in stage.after:
            add(first)
        seen.setdefault(stage.name, stage)

    for part in parts:
        for stage in part.stages:
            add(stage)
    return tuple(seen.values())


def _selector_col(sel: Selector) -> str:
    return "sel_" + hashlib.sha1(selector_sql(sel).encode()).hexdigest()[:12]


def _code_facts(selectors: Sequence[Selector]) -> str:
    cols = "".join(f", {selector_sql(s, 'c.hilist_code')} AS {_selector_col(s)}"
                   for s in {_selector_col(s): s for s in selectors}.values())
    return (f"SELECT c.cno, i.* EXCLUDE (cno){cols} FROM codes c "
            f"LEFT JOIN items i ON i.cno = c.cno")


def _line_sql(part: Part) -> str:
    """A line part's predicate, its selector read from the code table."""
    if part.selector is None or part.selector.every:
        return part.sql
    return f"i.{_selector_col(part.selector)} AND {part.sql}"


def _visit_facts(stages: Sequence[Stage]) -> str:
    """The columns of every stage keyed by visit, one row per visit found in any of them."""
    cols = ", ".join(f"{s.name}.{c} AS {s.col(c)}" for s in stages for c in ("vno", *s.cols))
    keys = " UNION ".join(f"SELECT vno FROM {s.name}" for s in stages)
    joins = "".join(f" LEFT JOIN {s.name} ON {s.name}.vno = k.vno" for s in stages)
    return f"SELECT k.vno, {cols} FROM ({keys}) k{joins}"


def _line_join(stage: Stage) -> str:
    cols = ", ".join(f"{c} AS {stage.col(c)}" for c in stage.keys + stage.cols)
    on = " AND ".join(f"{stage.name}.{stage.col(k)} = l.{k}" for k in stage.keys)
    return f" LEFT JOIN (SELECT {cols} FROM {stage.name}) {stage.name} ON {on}"


def _pass(compiled: Sequence[tuple[Rule, Part]], source: str, row: str) -> str:
    """One scan of `source` yielding a row per (row, rule) whose predicate holds."""
    ids = ", ".join(f"CASE WHEN {p.sql} THEN {quote(r.id)} END" for r, p in compiled)
    hold = " OR ".join(f"({p.sql})" for _, p in compiled)
    return (f"SELECT unnest(list_filter([{ids}], lambda x: x IS NOT NULL)) AS rule_id, "
            f"{row} FROM {source} WHERE {hold}")


def plan(base: RuleBase, scene: str | None = None) -> Plan:
    """The plan of every rule of the base (or of one scene)."""
    rules = base.rules if scene is None else base.for_scene(scene)
    compiled = [(r, KINDS[r.kind].sql(r)) for r in rules]
    stages = _stages([p for _, p in compiled])
    by_visit = [s for s in stages if s.by_visit]
    made = [(s.name, s.sql) for s in stages]
    facts = ""
    if by_visit:
        made.append((VISIT_FACTS, _visit_facts(by_visit)))
        facts = f" LEFT JOIN {VISIT_FACTS} f ON f.vno = v.vno"
    selects = []
    lines = [(r, replace(p, sql=_line_sql(p))) for r, p in compiled if p.level == "line"]
    if lines:
        made.append((CODE_FACTS, _code_facts([p.selector for _, p in lines if p.selector])))
        joins = f" JOIN {CODE_FACTS} i ON i.cno = l.cno"
        direct = {s.name: s for _, p in lines for s in p.stages if not s.by_visit}
        joins += "".join(_line_join(s) for s in direct.values())
        selects.append(_pass(lines, f"lines l JOIN visits v ON v.vno = l.vno{facts}{joins}",
                             "l.mdtrt_id, l.feedetl_sn"))
    visit_parts = [(r, p) for r, p in compiled if p.level == "visit"]
    if visit_parts:
        selects.append(_pass(visit_parts, f"visits v{facts}", "v.mdtrt_id, 0 AS feedetl_sn"))
    selects += [p.sql for _, p in compiled if p.level == "query"]
    if not selects:
        selects.append("SELECT NULL AS rule_id, NULL AS mdtrt_id, NULL AS feedetl_sn LIMIT 0")
    union = "\nUNION ALL\n".join(f"({s})" for s in selects)
    return Plan(tuple(made), f"SELECT DISTINCT rule_id, mdtrt_id, feedetl_sn FROM (\n{union}\n)")


def rule_plan(base: RuleBase, rule_id: str) -> Plan:
    """The plan of one rule alone (to time or inspect it)."""
    rule = base.by_id(rule_id)
    return plan(RuleBase(base.version, base.name, (rule,)))
