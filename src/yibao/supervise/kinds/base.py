"""The kind contract and the SQL pieces every kind shares.

Batch SQL reads the relations a service registers: `visits` (one row per visit, the
`model.Visit` fields), `lines` (`mdtrt_id` + the `model.Line` fields, `fee_date` filled with the
begin date when absent), `items` (the `model.Item` fields) and `codes` (`cno`, `hilist_code`:
every code of a line or the catalogue), with dictionary keys: `vno` on visits and lines numbers
visits by (begin date, `mdtrt_id`), so "earlier" is a lower `vno`; `pno` on visits and lines
numbers persons; `cno` on lines and items numbers codes. A kind compiles a rule to a `Part`: a
predicate over one row of the shared line pass (`l`, `v`, `i`), visit pass (`v`) or a pass over
a FROM clause that rules of the same shape share, or a query of its own; each may read `Stage`
tables that the planner (`batch.py`) computes once and shares.

A line part states its condition in factors so the planner can test most of it once per code
and keep only the lines some rule could hit before it joins the visits: `code` (over the
code's catalogue facts), `line` (over the line and its code), `visit` (over the visit and its
stage columns) and `sql` (what needs the line and the visit together).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Final

from yibao.supervise.model import Context, Hit, Rule, Selector

LEVELS: Final = ("line", "visit", "pass", "query")


@dataclass(frozen=True, slots=True)
class Stage:
    """A table computed once before the passes: a SELECT with one row per value of `keys`
    (columns of `lines`; `("vno",)` keys it by visit) and the columns `cols`. A pass reads
    column c as `stage.col(c)`, NULL where the stage has no row for the key; its SELECT may
    read the tables of the stages `after`."""

    sql: str
    keys: tuple[str, ...] = ("vno",)
    cols: tuple[str, ...] = ()
    after: tuple[Stage, ...] = ()  # stages its SELECT reads

    @property
    def name(self) -> str:
        return "sv_" + hashlib.sha1(self.sql.encode()).hexdigest()[:12]

    @property
    def by_visit(self) -> bool:
        return self.keys == ("vno",)

    def col(self, column: str) -> str:
        assert column in self.keys + self.cols, column
        return f"{self.name}_{column}"


@dataclass(frozen=True, slots=True)
class Part:
    """A compiled rule: `line` (a predicate over the line pass: `l` lines, `v` visits,
    `i` items), `visit` (a predicate over the visit pass: `v`), `pass` (a predicate over the
    rows of `source`, a FROM clause, yielding the hit columns `row`: the parts with the same
    source and row share one scan) or `query` (a SELECT yielding `rule_id, mdtrt_id,
    feedetl_sn`); `stages` are the shared tables it reads.

    A line part hits a line of an applicable visit (the rule's visit kinds and schemes, which
    the planner adds) when its `selector`, `code`, `line`, `visit` and `sql` all hold: `code`
    (over `c` codes and `i` items) is tested once per code, `line` (over `l` and `i`) before
    the line is joined to its visit, `visit` (over `v` and the stage columns keyed by visit)
    and `sql` (over `l`, `v`, `i`) only on the lines left ("TRUE" when there is nothing to
    test)."""

    level: str
    sql: str
    stages: tuple[Stage, ...] = ()
    selector: Selector | None = None
    code: str = "TRUE"
    line: str = "TRUE"
    visit: str = "TRUE"
    source: str = ""
    row: str = ""


Check = Callable[[Rule, Context], Iterator[Hit]]
Compile = Callable[[Rule], Part]


@dataclass(frozen=True, slots=True)
class Param:
    """A logic parameter: `type` is int, str, strs (list of str), bool or pairs."""

    type: str
    required: bool = False
    default: object = None


@dataclass(frozen=True, slots=True)
class Kind:
    name: str
    label: str
    params: Mapping[str, Param]
    windows: tuple[str, ...]
    check: Check
    sql: Compile
    uses_items: bool = True
    #: Parameters that, set in a rule's own logic, stand in for the catalogue (the rule then
    #: reads no catalogue knowledge).
    own_logic: tuple[str, ...] = ()
    #: Whether its check reads the person's earlier visits.
    uses_history: bool = False


def quote(text: str) -> str:
    """A SQL string literal; codes are validated at load, this guards anything else."""
    return "'" + text.replace("'", "''") + "'"


def in_list(column: str, values: tuple[str, ...] | frozenset[str]) -> str:
    return f"{column} IN ({', '.join(quote(v) for v in sorted(values))})"


def selector_sql(sel: Selector, column: str = "l.hilist_code") -> str:
    if sel.every:
        return "TRUE"
    parts = [in_list(column, sel.codes)] if sel.codes else []
    parts += [f"starts_with({column}, {quote(p)})" for p in sel.prefixes]
    return "(" + " OR ".join(parts) + ")"


def visit_filter(rule: Rule, alias: str = "v") -> str:
    """The rule's applicability to a visit: visit kinds and schemes (参保险种)."""
    parts = []
    if rule.visit_kinds:
        parts.append(in_list(f"{alias}.kind", rule.visit_kinds))
    if rule.insutypes:
        parts.append(in_list(f"{alias}.insutype", rule.insutypes))
    return " AND ".join(parts) or "TRUE"


def applies(rule: Rule, ctx: Context) -> bool:
    v = ctx.visit
    return ((not rule.visit_kinds or v.kind in rule.visit_kinds)
            and (not rule.insutypes or v.insutype in rule.insutypes))


def line_query(rule: Rule, condition: str = "TRUE", stages: tuple[Stage, ...] = (), *,
               code: str = "TRUE", line: str = "TRUE", visit: str = "TRUE") -> Part:
    """Lines chosen by the selector whose code satisfies `code` (over `c`, `i`) and which
    satisfy `line` (over `l`, `i`), in applicable visits satisfying `visit` (over `v`), where
    `condition` (over `l`, `v`, `i`) holds."""
    return Part("line", condition, stages, rule.selector, code=code, line=line, visit=visit)


def code_is(code: str, column: str = "l.cno") -> str:
    """`column` (a code number) is the number of `code` (a scalar lookup, a constant filter)."""
    return f"{column} = (SELECT cno FROM codes WHERE hilist_code = {quote(code)})"


def code_in(selector: Selector | str, column: str = "l.cno") -> str:
    """`column` (a code number) is one of the codes chosen by `selector` (or by a condition over
    `c.hilist_code`): the string tests run once per code, not once per line."""
    if isinstance(selector, Selector) and selector.every:
        return "TRUE"
    cond = selector if isinstance(selector, str) else selector_sql(selector, "c.hilist_code")
    return f"{column} IN (SELECT cno FROM codes c WHERE {cond})"


def visit_query(rule: Rule, condition: str, stages: tuple[Stage, ...] = ()) -> Part:
    return Part("visit", f"{visit_filter(rule)} AND ({condition})", stages)


def prefix_any_sql(column: str, prefixes: tuple[str, ...]) -> str:
    if not prefixes:
        return "FALSE"
    return "(" + " OR ".join(f"starts_with({column}, {quote(p)})" for p in prefixes) + ")"


def dx_any_sql(prefixes: tuple[str, ...], alias: str = "v") -> str:
    """True when the principal or a secondary diagnosis starts with one of `prefixes`."""
    inner = prefix_any_sql("x", prefixes)
    return (f"({prefix_any_sql(f'{alias}.pdx', prefixes)} OR "
            f"len(list_filter({alias}.sdx, lambda x: {inner})) > 0)")


def strs(rule: Rule, key: str) -> tuple[str, ...]:
    value = rule.param(key, ())
    assert isinstance(value, tuple)
    return value


def num(rule: Rule, key: str, default: int = 0) -> int:
    value = rule.param(key, default)
    assert isinstance(value, int)
    return value
