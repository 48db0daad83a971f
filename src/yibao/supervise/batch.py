"""The batch engine (事后): the same rules compiled to one SQL query over the relations `visits`,
`lines` and `items` (see `kinds.base`). The domain writes the SQL; a service executes it."""

from __future__ import annotations

from yibao.supervise.kinds import KINDS
from yibao.supervise.model import RuleBase


def rule_sql(base: RuleBase, rule_id: str) -> str:
    rule = base.by_id(rule_id)
    return KINDS[rule.kind].sql(rule)


def compile_sql(base: RuleBase, scene: str | None = None) -> str:
    """One query yielding `rule_id, mdtrt_id, feedetl_sn` for every hit of every rule."""
    rules = base.rules if scene is None else base.for_scene(scene)
    parts = [f"({KINDS[r.kind].sql(r)})" for r in rules]
    return "SELECT DISTINCT rule_id, mdtrt_id, feedetl_sn FROM (\n" + "\nUNION ALL\n".join(
        parts) + "\n)"
