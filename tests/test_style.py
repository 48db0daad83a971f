"""The house style's mechanical checks (STYLE.md practices 3 and 5), read from the source's syntax
trees: no float and no built-in `round` where money is computed, and no clock, random id or hidden
random generator inside a domain calculation. Each exception below is a whole module that computes
statistics or picture coordinates, never money, and says why."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "yibao"

# Domain rooms (ARCHITECTURE.md): pure calculations over typed values.
DOMAIN_ROOMS = ("core", "policy", "catalog", "settle", "enroll", "fund", "payment", "supervise",
                "indicators", "sim", "actuary")

# Modules whose floats are dimensionless statistics or drawing coordinates, not yuan.
FLOAT_ALLOWED = {
    "catalog/load.py": "asks Polars whether a column's dtype is a float, to refuse it",
    "payment/evaluate.py": "grouping statistics (RIV, CV, rank correlation) are dimensionless",
    "payment/report.py": "chart coordinates of the evaluation report",
    "payment/synthetic.py": "synthetic relative weights drawn for benchmarks and tests",
    "supervise/evaluate.py": "AUC and precision of the detectors",
    "supervise/detect": "detector scores and model fitting",
    "indicators/charts.py": "SVG coordinates and percentage labels",
    "sim": "random multipliers of the simulator; every amount it writes is integer fen",
}
# `round()` rounds half to even; allowed only where it counts rows in the simulator.
ROUND_ALLOWED = {"sim/abuse_world.py": "how many of a few rows an abuse pattern takes"}

CLOCK_CALLS = {("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"),
               ("date", "today"), ("time", "time"), ("time", "time_ns"), ("time", "monotonic"),
               ("time", "perf_counter"), ("uuid", "uuid1"), ("uuid", "uuid4"),
               ("os", "urandom"), ("secrets", "token_hex"), ("secrets", "token_bytes")}
HIDDEN_RANDOM_MODULES = {"random", "secrets", "uuid"}


def _modules(rooms: tuple[str, ...]) -> Iterator[tuple[str, ast.Module]]:
    for room in rooms:
        for path in sorted((SRC / room).rglob("*.py")):
            relative = path.relative_to(SRC).as_posix()
            yield relative, ast.parse(path.read_text(encoding="utf-8"), filename=relative)


def _allowed(relative: str, table: dict[str, str]) -> bool:
    return any(relative == key or relative.startswith(key.rstrip("/") + "/") for key in table)


def _float_uses(tree: ast.Module) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id == "float":
                yield node.lineno, "float("
        elif isinstance(node, ast.Constant) and type(node.value) is float:
            yield node.lineno, f"float literal {node.value!r}"


def _round_uses(tree: ast.Module) -> Iterator[int]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id == "round":
            yield node.lineno


def _clock_uses(tree: ast.Module) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in HIDDEN_RANDOM_MODULES:
                    yield node.lineno, f"import {alias.name}"
        elif isinstance(node, ast.ImportFrom) and node.module in HIDDEN_RANDOM_MODULES:
            yield node.lineno, f"from {node.module} import …"
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
            if (name, node.func.attr) in CLOCK_CALLS:
                yield node.lineno, f"{name}.{node.func.attr}()"
            # A generator must be seeded by the caller: default_rng() alone reads the OS entropy.
            if node.func.attr == "default_rng" and not node.args and not node.keywords:
                yield node.lineno, "default_rng() without a seed"


def test_no_float_in_money_code() -> None:
    found = [f"{rel}:{line} {what}" for rel, tree in _modules(DOMAIN_ROOMS)
             if not _allowed(rel, FLOAT_ALLOWED) for line, what in _float_uses(tree)]
    assert found == []


def test_no_builtin_round_in_domain_rooms() -> None:
    found = [f"{rel}:{line}" for rel, tree in _modules(DOMAIN_ROOMS)
             if not _allowed(rel, ROUND_ALLOWED) for line in _round_uses(tree)]
    assert found == []


def test_no_clock_or_random_id_in_domain_rooms() -> None:
    found = [f"{rel}:{line} {what}" for rel, tree in _modules(DOMAIN_ROOMS)
             for line, what in _clock_uses(tree)]
    assert found == []


@pytest.mark.parametrize("source, expected", [
    ("x = float(y)", ["float("]),
    ("x = 0.5", ["float literal 0.5"]),
    ("x = Decimal('0.5')", []),
])
def test_the_float_check_sees_what_it_should(source: str, expected: list[str]) -> None:
    assert [what for _, what in _float_uses(ast.parse(source))] == expected


@pytest.mark.parametrize("source, expected", [
    ("t = datetime.now()", ["datetime.now()"]),
    ("t = dt.datetime.now(tz)", ["datetime.now()"]),
    ("import uuid", ["import uuid"]),
    ("rng = np.random.default_rng()", ["default_rng() without a seed"]),
    ("rng = np.random.default_rng(seed)", []),
    ("n = round(x)", []),
])
def test_the_clock_check_sees_what_it_should(source: str, expected: list[str]) -> None:
    assert [what for _, what in _clock_uses(ast.parse(source))] == expected


def test_the_round_check_sees_round() -> None:
    assert list(_round_uses(ast.parse("n = round(x)\nm = x.round(2)"))) == [1]
