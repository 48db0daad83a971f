"""The batch engine (事后): the rule base compiled to one plan over the relations `visits`,
`lines` and `items` (see `kinds.base`, made by `KEYED`). The domain writes the SQL;
`yibao.analytics` executes it.

Rules of the same shape share the work: one pass over the lines, joined once to visits, items
and the stage tables, evaluates every line rule's predicate on each row; one pass over the
visits does the same for visit rules, one over pairs of a visit and an earlier stay for the
readmission and overlap rules, one over the repeated lines for the duplicate rules; each stage
(a per-visit aggregate, the repeated (person, code) lines, the repeated claims, the idle stays)
is computed once for every rule that reads it. Window rules keep a query of their own.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from yibao.supervise.kinds import KINDS
from yibao.supervise.kinds.base import (
    Part,
    Stage,
    in_list,
    quote,
    selector_sql,
    visit_filter,
)
from yibao.supervise.model import Rule, RuleBase

#: The rule relations with their dictionary keys (kinds/base.py), made from the input tables
#: `visits_src`, `lines_src` and `items_src` (columns as `yibao.services.audit`'s Claims):
#: `vno` numbers visits by (begin date, `mdtrt_id`), `pno` numbers persons (on visits and, as
#: the person's key a fee line carries, on lines), `cno` the codes of lines and items.
KEYED = (
    ("visits", "WITH k AS (SELECT mdtrt_id, row_number() OVER (ORDER BY begndate, mdtrt_id) "
               "AS vno FROM visits_src), p AS (SELECT psn_no, row_number() OVER () AS pno "
               "FROM (SELECT DISTINCT psn_no FROM visits_src)) SELECT k.vno, p.pno, v.* "
               "FROM visits_src v JOIN k ON k.mdtrt_id = v.mdtrt_id "
               "JOIN p ON p.psn_no = v.psn_no"),
    ("codes", "SELECT hilist_code, row_number() OVER (ORDER BY hilist_code) AS cno FROM "
              "(SELECT hilist_code FROM lines_src UNION SELECT hilist_code FROM items_src)"),
    ("items", "SELECT c.cno, i.* FROM items_src i JOIN codes c USING (hilist_code)"),
    ("lines", "SELECT v.vno, v.pno, c.cno, l.mdtrt_id, l.feedetl_sn, l.hilist_code, l.cnt_e4, "
              "l.pric_e6, l.fee_fen, COALESCE(l.fee_date, v.begndate) AS fee_date "
              "FROM lines_src l LEFT JOIN visits v USING (mdtrt_id) "
              "JOIN codes c USING (hilist_code)"),
)
#: One row per code (`codes`): the catalogue's columns and the line rules' code masks.
CODE_FACTS = "sv_codes"
#: The visits with the columns of every stage keyed by visit (one join for all of them).
VISIT_FACTS = "sv_visits"


@dataclass(frozen=True, slots=True)
class Plan:
    """Stage tables to create (name, SELECT; every stage after the stages it reads), then the
    parts: SELECTs yielding `rule_id, mdtrt_id, feedetl_sn` for hits (feedetl_sn 0 = the visit
    as a whole); a hit may come from more than one part. A stage or part can run as soon as
    the stages it `reads` exist."""

    stages: tuple[tuple[str, str], ...]
    parts: tuple[str, ...]

    @property
    def query(self) -> str:
        """Every distinct hit, from the stage tables."""
        union = "\nUNION ALL\n".join(f"({s})" for s in self.parts)
        return f"SELECT DISTINCT rule_id, mdtrt_id, feedetl_sn FROM (\n{union}\n)"

    def sql(self) -> str:
        """The plan as one statement, the stages as materialised common table expressions."""
        if not self.stages:
            return self.query
        ctes = ", ".join(f"{name} AS MATERIALIZED ({sql})" for name, sql in self.stages)
        return f"WITH {ctes} {self.query}"

    def reads(self, sql: str) -> tuple[str, ...]:
        """The stages a statement reads (stage names are distinct words of the SQL)."""
        return tuple(n for n, _ in self.stages if re.search(rf"\b{n}\b", sql))


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


#: Rules per mask word (BIGINT; the sign bit is left unused).
MASK_BITS = 63


@dataclass(frozen=True, slots=True)
class _Bit:
    """A line rule's place in the code masks: word `word`, value `value`."""

    word: int
    value: int

    def test(self) -> str:
        return f"(i.cm{self.word} & {self.value}) <> 0"


def _bits(count: int) -> list[_Bit]:
    return [_Bit(k // MASK_BITS, 1 << (k % MASK_BITS)) for k in range(count)]


def _both(*conds: str) -> str:
    """The conjunction of the conditions that test something."""
    kept = [f"({c})" for c in conds if c != "TRUE"]
    return " AND ".join(kept) or "TRUE"


def _code_facts(parts: Sequence[Part], bits: Sequence[_Bit]) -> str:
    """The code table: one row per code with the catalogue's columns and, per mask word, `cm`
    (the line rules whose selector and code condition hold for the code) and `free` (those of
    them with no line condition: every line of the code may hit them)."""
    cols = []
    for w in sorted({b.word for b in bits}):
        mine = [(p, b) for p, b in zip(parts, bits, strict=True) if b.word == w]
        same: dict[str, int] = {}  # rules with the same condition share one test
        for p, b in mine:
            cond = _both(_selector(p), p.code)
            same[cond] = same.get(cond, 0) | b.value
        terms = [f"CASE WHEN {cond} THEN {value} ELSE 0 END" for cond, value in same.items()]
        free = sum(b.value for p, b in mine if p.line == "TRUE")
        cols.append(f"({' | '.join(terms)})::BIGINT AS cm{w}")
        cols.append(f"(cm{w} & {free})::BIGINT AS free{w}")
    return (f"SELECT c.cno, i.* EXCLUDE (cno), {', '.join(cols)} "
            f"FROM codes c LEFT JOIN items i ON i.cno = c.cno")


def _selector(part: Part) -> str:
    if part.selector is None or part.selector.every:
        return "TRUE"
    return selector_sql(part.selector, "c.hilist_code")


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


def _pass(compiled: Sequence[tuple[Rule, Part]], source: str, row: str, where: bool = True,
          scope: str = "TRUE") -> str:
    """One scan of `source` yielding a row per (row, rule) whose predicate holds. With `where`
    the rows are first filtered by `scope` (a condition every rule shares) and the disjunction
    of the predicates; without it every row's list is built and empty lists unnest to nothing
    (cheaper over a join, where DuckDB would evaluate the disjunction inside the join)."""
    ids = ", ".join(f"CASE WHEN {p.sql} THEN {quote(r.id)} END" for r, p in compiled)
    hold = " OR ".join(f"({p.sql})" for _, p in compiled)
    return (f"SELECT unnest(list_filter([{ids}], lambda x: x IS NOT NULL)) AS rule_id, "
            f"{row} FROM {source}" + (f" WHERE {scope} AND ({hold})" if where else ""))


def _by_kinds(compiled: Sequence[tuple[Rule, Part]]) -> list[tuple[str, list[tuple[Rule, Part]]]]:
    """Visit rules grouped by the visit kinds they apply to, each group with that scope: a
    scan for the stays' rules reads the stays, not every visit."""
    groups: dict[tuple[str, ...], list[tuple[Rule, Part]]] = {}
    for r, p in compiled:
        groups.setdefault(r.visit_kinds, []).append((r, p))
    return [(in_list("v.kind", kinds) if kinds else "TRUE", group)
            for kinds, group in groups.items()]


def _line_pass(lines: Sequence[tuple[Rule, Part]], facts: str, stages: Sequence[Stage]
               ) -> tuple[str, str]:
    """The code table and the one scan of the lines evaluating every line rule. A line is kept
    first by its code and itself alone (its code frees some rule, or its code's rule has its
    line condition); only the lines kept are joined to their visit and tested rule by rule,
    into a mask of the rules they hit; only the lines that hit some rule list them."""
    bits = _bits(len(lines))
    parts = [p for _, p in lines]
    by_line: dict[tuple[str, int], int] = {}  # rules sharing a line condition, per word
    for b, p in zip(bits, parts, strict=True):
        if p.line != "TRUE":
            by_line[p.line, b.word] = by_line.get((p.line, b.word), 0) | b.value
    kept = [f"i.free{w} <> 0" for w in sorted({b.word for b in bits})]
    kept += [f"((i.cm{w} & {value}) <> 0 AND ({line}))" for (line, w), value in by_line.items()]
    tests = [_both(b.test(), visit_filter(r), p.visit, p.line, p.sql)
             for b, (r, p) in zip(bits, lines, strict=True)]
    words = sorted({b.word for b in bits})
    hits = ", ".join(
        "(" + " | ".join(f"CASE WHEN {t} THEN {b.value} ELSE 0 END"
                         for t, b in zip(tests, bits, strict=True) if b.word == w)
        + f")::BIGINT AS hit{w}" for w in words)
    ids = ", ".join(f"CASE WHEN (hit{b.word} & {b.value}) <> 0 THEN {quote(r.id)} END"
                    for b, (r, _) in zip(bits, lines, strict=True))
    code = f"JOIN {CODE_FACTS} i ON i.cno = l.cno"
    # OFFSET 0 keeps DuckDB from evaluating `kept` inside the join (row by row, twice slower),
    # and the masks once (pushed below their projection, the filter would compute them again).
    scan = f"(SELECT l.*, {' OR '.join(kept)} AS kept FROM lines l {code} OFFSET 0) l"
    joins = f"{code} JOIN visits v ON v.vno = l.vno{facts}"
    joins += "".join(_line_join(s) for s in stages)
    query = (f"SELECT unnest(list_filter([{ids}], lambda x: x IS NOT NULL)) AS rule_id, "
             f"mdtrt_id, feedetl_sn FROM (SELECT {hits}, v.mdtrt_id, l.feedetl_sn FROM {scan} "
             f"{joins} WHERE l.kept OFFSET 0) WHERE {' OR '.join(f'hit{w} <> 0' for w in words)}")
    return _code_facts(parts, bits), query


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
    lines = [(r, p) for r, p in compiled if p.level == "line"]
    if lines:
        direct = {s.name: s for _, p in lines for s in p.stages if not s.by_visit}
        codes, query = _line_pass(lines, facts, list(direct.values()))
        made.append((CODE_FACTS, codes))
        selects.append(query)
    for scope, group in _by_kinds([(r, p) for r, p in compiled if p.level == "visit"]):
        selects.append(_pass(group, f"visits v{facts}", "v.mdtrt_id, 0 AS feedetl_sn",
                             scope=scope))
    for source, row in dict.fromkeys((p.source, p.row) for _, p in compiled
                                     if p.level == "pass"):
        same = [(r, p) for r, p in compiled
                if p.level == "pass" and (p.source, p.row) == (source, row)]
        selects.append(_pass(same, source, row, where=False))
    selects += [p.sql for _, p in compiled if p.level == "query"]
    if not selects:
        selects.append("SELECT NULL AS rule_id, NULL AS mdtrt_id, NULL AS feedetl_sn LIMIT 0")
    return Plan(tuple(made), tuple(selects))


def rule_plan(base: RuleBase, rule_id: str) -> Plan:
    """The plan of one rule alone (to time or inspect it)."""
    rule = base.by_id(rule_id)
    return plan(RuleBase(base.version, base.name, (rule,)))
