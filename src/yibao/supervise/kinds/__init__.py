"""The engine's rule kinds: each has a parameter schema, the windows it accepts, a Python check
(per visit, 事前/事中) and a SQL compiler (batch, 事后). One definition drives both."""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

from yibao.supervise.kinds import days, history, items, lines, visits
from yibao.supervise.kinds.base import Kind

KINDS: Final = MappingProxyType({
    kind.name: kind
    for module in (items, lines, days, visits, history)
    for kind in module.KINDS
})

__all__ = ["KINDS", "Kind"]
