"""The kind contract and the SQL pieces every kind shares.

Batch SQL reads three relations the service registers: `visits` (one row per visit, the
`model.Visit` fields), `lines` (`mdtrt_id` + the `model.Line` fields) and `items` (the
`model.Item` fields). Every compiled query yields `rule_id, mdtrt_id, feedetl_sn`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from yibao.supervise.model import Context, Hit, Rule, Selector

Check = Callable[[Rule, Context], Iterator[Hit]]
Compile = Callable[[Rule], str]


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
    parts = ["TRUE"]
    if rule.visit_kinds:
        parts.append(in_list(f"{alias}.kind", rule.visit_kinds))
    if rule.insutypes:
        parts.append(in_list(f"{alias}.insutype", rule.insutypes))
    return " AND ".join(parts)


def applies(rule: Rule, ctx: Context) -> bool:
    v = ctx.visit
    return ((not rule.visit_kinds or v.kind in rule.visit_kinds)
            and (not rule.insutypes or v.insutype in rule.insutypes))


def line_query(rule: Rule, condition: str, join_items: bool = True) -> str:
    """Lines of applicable visits chosen by the selector where `condition` holds."""
    items = " LEFT JOIN items i ON i.hilist_code = l.hilist_code" if join_items else ""
    return (f"SELECT {quote(rule.id)} AS rule_id, l.mdtrt_id, l.feedetl_sn FROM lines l "
            f"JOIN visits v ON v.mdtrt_id = l.mdtrt_id{items} WHERE {visit_filter(rule)} "
            f"AND {selector_sql(rule.selector)} AND ({condition})")


def visit_query(rule: Rule, condition: str) -> str:
    return (f"SELECT {quote(rule.id)} AS rule_id, v.mdtrt_id, 0 AS feedetl_sn FROM visits v "
            f"WHERE {visit_filter(rule)} AND ({condition})")


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
