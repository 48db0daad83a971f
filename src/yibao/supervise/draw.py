"""双随机、一公开 (facts/audit.md §5.4): institutions drawn at random, stratified by credit grade
(a higher ratio for lower grades), each paired with inspectors drawn from the register with
conflicts of interest excluded. The draw is a pure function of its inputs and the seed, so anyone
holding the published seed, population and register can replay it."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

#: Sampling ratio by credit grade [U] examples (Ordos 2023: 10 % overall, tied to risk class).
#: Exact decimals: ceil(0.1 × 30) must be 3, which a float product (3.0000000000000004) is not.
RATIOS: Mapping[str, Decimal] = {"A": Decimal("0.05"), "B": Decimal("0.10"), "C": Decimal("0.20"),
                                 "D": Decimal("0.50")}
TEAM_SIZE = 2
MAX_DRAWN = 10_000


@dataclass(frozen=True, slots=True)
class Inspector:
    id: str
    name: str
    conflicts: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Drawn:
    fixmedins_code: str
    grade: str
    inspectors: tuple[str, ...]  # empty when too few inspectors are free of conflicts


@dataclass(frozen=True, slots=True)
class Draw:
    seed: int
    ratios: tuple[tuple[str, Decimal], ...]
    population: int
    drawn: tuple[Drawn, ...]


def draw(grades: Mapping[str, str], register: tuple[Inspector, ...], seed: int,
         ratios: Mapping[str, Decimal] = RATIOS, team_size: int = TEAM_SIZE) -> Draw:
    """Draw `ceil(ratio × n)` institutions of each grade (codes sorted, grades in order) and a
    team of `team_size` inspectors for each, none of whom lists the institution as a conflict."""
    rng = np.random.default_rng(seed)
    out: list[Drawn] = []
    for grade in sorted(ratios):
        pool = sorted(c for c, g in grades.items() if g == grade)
        k = min(len(pool), math.ceil(ratios[grade] * len(pool)))
        for i in sorted(rng.choice(len(pool), size=k, replace=False).tolist()):
            free = [p for p in register if pool[i] not in p.conflicts]
            team = ([free[j].id for j in rng.choice(len(free), size=team_size, replace=False)]
                    if len(free) >= team_size else [])
            out.append(Drawn(pool[i], grade, tuple(sorted(team))))
    assert len(out) <= MAX_DRAWN, "draw larger than the limit"
    return Draw(seed, tuple(sorted(ratios.items())), len(grades), tuple(out))


def published(result: Draw, names: Mapping[str, str]) -> list[str]:
    """The public list (一公开): seed, ratios, then one zh-CN line per drawn institution."""
    ratios = "，".join(f"{g} 级 {r:.0%}" for g, r in result.ratios)
    head = [f"双随机抽查名单（随机种子 {result.seed}，对象 {result.population} 家；"
            f"抽取比例 {ratios}）"]
    return head + [f"{d.fixmedins_code} {names.get(d.fixmedins_code, '')} 信用 {d.grade} 级 "
                   f"检查人员 {'、'.join(d.inspectors) or '（无可回避人员，另行指派）'}"
                   for d in result.drawn]
