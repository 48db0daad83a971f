"""Frozen values of the rule base (规则库) and the facts a rule reads.

A rule carries the 两库 metadata (facts/audit.md §1.3: 逻辑, 规则运行结果类型, 时间区间, 监管环节,
参保险种) and a declarative logic: one of the engine's kinds with its parameters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

CATEGORIES: Final = ("政策类", "管理类", "医疗类")
SCENES: Final = ("事前", "事中", "事后")
WINDOWS: Final = ("visit", "stay", "day", "days", "year")
RESULTS: Final = ("违规", "可疑")
SEVERITIES: Final = ("low", "medium", "high")
VISIT_KINDS: Final = ("outpatient", "chronic", "inpatient", "pharmacy")
INSUTYPES: Final = ("310", "390")
#: A visit-level hit carries this line number (no fee line).
VISIT_LEVEL: Final = 0


@dataclass(frozen=True, slots=True)
class Selector:
    """Fee items a rule looks at: exact codes or code prefixes; empty means every item."""

    codes: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()

    @property
    def every(self) -> bool:
        return not self.codes and not self.prefixes

    def match(self, code: str) -> bool:
        return self.every or code in self.codes or code.startswith(self.prefixes)


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule of the base; `logic` holds the kind's parameters (tuples, never lists)."""

    id: str
    name: str
    category: str
    scenes: tuple[str, ...]
    window: str
    window_days: int
    fund_types: tuple[str, ...]
    insutypes: tuple[str, ...]
    visit_kinds: tuple[str, ...]
    kind: str
    selector: Selector
    logic: Mapping[str, object]
    result: str
    severity: str
    message: str
    source: str
    targets: tuple[str, ...] = ()

    def param(self, key: str, default: object = None) -> object:
        return self.logic.get(key, default)


@dataclass(frozen=True, slots=True)
class RuleBase:
    """A loaded, validated rule file: version, the rules in file order."""

    version: str
    name: str
    rules: tuple[Rule, ...]

    def by_id(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def for_scene(self, scene: str) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if scene in r.scenes)


@dataclass(frozen=True, slots=True)
class Item:
    """Catalogue knowledge of one fee item (知识库): reference price, cap, restrictions and the
    usual maximum units per day (10⁻⁴ units); -1 or "" mean none."""

    hilist_code: str
    ref_pric_e6: int
    cap_e6: int = -1
    lmt_sex: str = ""
    age_min: int = -1
    age_max: int = -1
    lv_min: str = ""
    lv_max: str = ""
    max_day_e4: int = -1


@dataclass(frozen=True, slots=True)
class Line:
    """One fee line (费用明细): quantities in 10⁻⁴ units, prices in 10⁻⁶ yuan, amounts in fen;
    `fee_date` is the day charged (None = the visit's begin date)."""

    feedetl_sn: int
    hilist_code: str
    cnt_e4: int
    pric_e6: int
    fee_fen: int
    fee_date: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Visit:
    """A visit (就诊) with the person's facts and, for a stay, its settlement list; `drg` is the
    stay's group as coded and `drg_regrouped` its group without the secondary diagnoses the
    record does not support ("" when not grouped)."""

    mdtrt_id: str
    psn_no: str
    fixmedins_code: str
    hosp_lv: str
    kind: str
    insutype: str
    offsite: str
    begndate: dt.date
    enddate: dt.date
    los_days: int
    total_fen: int
    chfpdr_code: str
    sex: str
    age: int
    death_date: dt.date | None = None
    pdx: str = ""
    sdx: tuple[str, ...] = ()
    icu_hours: int = 0
    vent_hours: int = 0
    drg: str = ""
    drg_regrouped: str = ""


@dataclass(frozen=True, slots=True)
class Past:
    """An earlier visit of the same person, as held in memory for a per-visit check: the visit
    and its lines (only the codes and counts a window rule needs)."""

    visit: Visit
    lines: tuple[Line, ...] = ()


@dataclass(frozen=True, slots=True)
class Context:
    """Everything a per-visit check reads: the visit, its lines, the person's earlier visits
    (ordered by begin date, then id) and the catalogue knowledge."""

    visit: Visit
    lines: tuple[Line, ...]
    history: tuple[Past, ...]
    items: Mapping[str, Item]


@dataclass(frozen=True, slots=True, order=True)
class Hit:
    """A rule hit: the rule, the visit and the line (`VISIT_LEVEL` for the visit as a whole)."""

    rule_id: str
    mdtrt_id: str
    feedetl_sn: int = VISIT_LEVEL
