"""Credit (医保信用, facts/audit.md §5): a configurable institution score (indicators, points,
grades A/B/C/D, hard overrides) and cumulative points for doctors and pharmacists (驾照式记分:
12 a year, payment qualification suspended at the limit). The scheme is data
(`rules/credit-example.toml`); every number in the shipped file is an example [U]."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

SCHEME = Path(__file__).parent / "rules" / "credit-example.toml"


@dataclass(frozen=True, slots=True)
class Indicator:
    """Points deducted per unit of a fact (per 1‰ for ratios in e3), at most `cap`."""

    id: str
    name: str
    points_per_unit: int
    cap: int


@dataclass(frozen=True, slots=True)
class Scheme:
    base: int
    indicators: tuple[Indicator, ...]
    grades: tuple[tuple[str, int], ...]  # (grade, lowest score), best first
    override_grade: str  # forced when a fact in `override_facts` is positive
    override_facts: tuple[str, ...]
    staff_limit: int
    staff_points: Mapping[str, int]  # points per confirmed case by severity


@dataclass(frozen=True, slots=True)
class CreditResult:
    fixmedins_code: str
    score: int
    grade: str
    deductions: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class StaffPoints:
    staff_code: str
    points: int
    suspended: bool


def load_scheme(path: Path | None = None) -> Scheme:
    doc = tomllib.loads((path or SCHEME).read_text("utf-8"))
    inds = tuple(Indicator(i["id"], i["name"], int(i["points_per_unit"]), int(i["cap"]))
                 for i in doc["indicator"])
    grades = tuple(sorted(((g, int(v)) for g, v in doc["grades"].items()), key=lambda x: -x[1]))
    staff = doc["staff"]
    return Scheme(int(doc["base"]), inds, grades, doc["override"]["grade"],
                  tuple(doc["override"]["facts"]), int(staff["limit"]),
                  {k: int(v) for k, v in staff["points"].items()})


def grade_of(scheme: Scheme, score: int) -> str:
    for grade, lowest in scheme.grades:
        if score >= lowest:
            return grade
    return scheme.grades[-1][0]


def score_institution(scheme: Scheme, code: str, facts: Mapping[str, int]) -> CreditResult:
    """Base minus each indicator's capped deduction; an override fact forces the low grade."""
    cuts = tuple((i.id, min(i.cap, i.points_per_unit * max(facts.get(i.id, 0), 0)))
                 for i in scheme.indicators)
    score = scheme.base - sum(c for _, c in cuts)
    grade = grade_of(scheme, score)
    if any(facts.get(f, 0) > 0 for f in scheme.override_facts):
        grade = scheme.override_grade
    return CreditResult(code, score, grade, tuple(c for c in cuts if c[1]))


def staff_points(scheme: Scheme, confirmed: Iterable[tuple[str, str]]) -> tuple[StaffPoints, ...]:
    """Points per doctor or pharmacist from confirmed cases `(staff_code, severity)` of one
    natural year, capped at the limit; suspended when the limit is reached."""
    total: dict[str, int] = {}
    for code, severity in confirmed:
        total[code] = total.get(code, 0) + scheme.staff_points.get(severity, 0)
    return tuple(StaffPoints(c, min(p, scheme.staff_limit), p >= scheme.staff_limit)
                 for c, p in sorted(total.items()))
