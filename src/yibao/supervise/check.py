"""The per-visit engine (事前/事中): run the rules of a scene over one visit held in memory.

A rule that raises fails the visit closed: it yields an error hit for that rule instead of being
skipped (STYLE.md §11).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from yibao.supervise.kinds import KINDS
from yibao.supervise.kinds.base import Check
from yibao.supervise.model import Context, Hit, Rule, RuleBase

LINES_MAX: Final = 2_000
HISTORY_MAX: Final = 5_000
ERROR_SN: Final = -1


@dataclass(frozen=True, slots=True)
class Compiled:
    """A rule base bound to its kinds' Python checks, for one scene (or every rule)."""

    rules: tuple[tuple[Rule, Check], ...]


def compile_checks(base: RuleBase, scene: str | None = None) -> Compiled:
    rules = base.rules if scene is None else base.for_scene(scene)
    return Compiled(tuple((r, KINDS[r.kind].check) for r in rules))


#: What a rule's check may read beyond the visit and its lines.
NEEDS: Final = ("catalogue", "history")


def needs(rule: Rule) -> tuple[str, ...]:
    """What of NEEDS the rule's check reads: the catalogue (unless its own logic stands in
    for it) and the person's earlier visits."""
    kind = KINDS[rule.kind]
    catalogue = kind.uses_items and not any(key in rule.logic for key in kind.own_logic)
    return ("catalogue",) * catalogue + ("history",) * kind.uses_history


def check_visit(compiled: Compiled, ctx: Context) -> tuple[Hit, ...]:
    """Hits of every rule on the visit, sorted; `feedetl_sn` -1 marks a rule that failed."""
    if len(ctx.lines) > LINES_MAX or len(ctx.history) > HISTORY_MAX:
        return tuple(Hit(r.id, ctx.visit.mdtrt_id, ERROR_SN) for r, _ in compiled.rules)
    hits: list[Hit] = []
    for rule, check in compiled.rules:
        try:
            hits.extend(check(rule, ctx))
        except Exception:
            hits.append(Hit(rule.id, ctx.visit.mdtrt_id, ERROR_SN))
    return tuple(sorted(set(hits)))
