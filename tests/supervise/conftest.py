"""Shared builders: small visits, lines and a two-engine runner for hand-made cases."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from yibao.services.audit import batch_hits, claims_of
from yibao.supervise.check import check_visit, compile_checks
from yibao.supervise.model import Context, Item, Line, Past, RuleBase, Visit

D = dt.date(2020, 3, 1)
ITEMS = {
    "F1": Item("F1", 35_000_000, lmt_sex="F"),
    "K1": Item("K1", 35_000_000, age_min=0, age_max=14),
    "L2": Item("L2", 10_000_000, lv_min="2"),
    "CAP": Item("CAP", 100_000_000, cap_e6=85_000_000),
    "D1": Item("D1", 2_000_000),
    "E1": Item("E1", 50_000_000),
    "BED": Item("BED", 15_000_000),
    "DR": Item("DR", 1_000_000, max_day_e4=30_000),
}


def visit(mdtrt: str = "V1", **kw: object) -> Visit:
    base = Visit(mdtrt, "P1", "H1", "2", "outpatient", "390", "local", D, D, 0, 10_000, "DR1",
                 "M", 40)
    return replace(base, **kw)  # type: ignore[arg-type]


def line(sn: int, code: str, units: int = 1, price_e6: int | None = None,
         on: dt.date | None = None) -> Line:
    """A line; `on` is its fee date (None = the visit's begin date)."""
    price = ITEMS[code].ref_pric_e6 if price_e6 is None and code in ITEMS else (price_e6 or 1)
    return Line(sn, code, units * 10_000, price, units * price // 10_000, on)


def run_both(base: RuleBase, cases: list[tuple[Visit, list[Line]]]
             ) -> tuple[set[tuple[str, str, int]], set[tuple[str, str, int]]]:
    """Hits of the per-visit engine (history = earlier cases of the same person) and of SQL."""
    compiled = compile_checks(base)
    ordered = sorted(cases, key=lambda c: (c[0].psn_no, c[0].begndate, c[0].mdtrt_id))
    py: set[tuple[str, str, int]] = set()
    for i, (v, ls) in enumerate(ordered):
        past = tuple(Past(p, tuple(pl)) for p, pl in ordered[:i] if p.psn_no == v.psn_no)
        for h in check_visit(compiled, Context(v, tuple(ls), past, ITEMS)):
            py.add((h.rule_id, h.mdtrt_id, h.feedetl_sn))
    claims = claims_of([v for v, _ in cases], {v.mdtrt_id: ls for v, ls in cases}, ITEMS)
    sql = set(batch_hits(base, claims).iter_rows())
    return py, sql


@pytest.fixture
def both():
    return run_both
