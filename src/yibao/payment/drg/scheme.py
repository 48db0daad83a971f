"""Read a scheme file (`schemes/<id>.toml`): the rules a rule pack states only in prose.

Every key is checked; an error names the file, the key and its line. Lists are named, not
resolved: "MDC", "MDC_REGIONS" and "SS_VALID" are bound to the pack's lists when it is read.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from yibao.payment.drg.model import LIST_TESTS, Predicate, SplitTest

SCHEMES_DIR: Final = Path(__file__).parent / "schemes"
LIST_NAMES: Final = frozenset({"MDC", "MDC_REGIONS", "SS_VALID"})
MAX_CONDITIONS: Final = 16  # per entry or per `also`


class DrgPackError(ValueError):
    """A scheme file or rule pack that cannot be used, with where and why (zh-CN message)."""

    def __init__(self, file: str, line: int | None, message: str) -> None:
        self.file, self.line, self.message = file, line, message
        super().__init__(f"{file}:{line}: {message}" if line else f"{file}: {message}")


@dataclass(frozen=True, slots=True)
class ConditionSpec:
    test: Predicate
    list: str = ""
    value: int = 0


@dataclass(frozen=True, slots=True)
class MdcSpec:
    letter: str
    entry: tuple[ConditionSpec, ...]
    region_header_suffix: str = ""


@dataclass(frozen=True, slots=True)
class AdrgSpec:
    code: str
    also: tuple[ConditionSpec, ...] = ()
    always: bool = False
    try_before: str = ""


@dataclass(frozen=True, slots=True)
class Scheme:
    id: str
    name: str
    newborn_age_days_max: int
    mdcs: tuple[MdcSpec, ...]  # in trial order
    adrgs: tuple[AdrgSpec, ...]
    split: tuple[tuple[str, SplitTest], ...]  # (digit, when) in trial order
    source: str


class _Reader:
    def __init__(self, path: Path) -> None:
        self.file = str(path)
        self.text = path.read_text(encoding="utf-8")

    def fail(self, path: tuple[str, ...], message: str, needle: str = "") -> DrgPackError:
        line = _find_line(self.text, path, needle)
        return DrgPackError(self.file, line, f"{'.'.join(path)}: {message}")

    def table(self, raw: object, path: tuple[str, ...], allowed: set[str]) -> Mapping[str, Any]:
        if not isinstance(raw, Mapping):
            raise self.fail(path, "应为表（table）")
        for key in raw:
            if key not in allowed:
                raise self.fail((*path, key), "未知的键")
        return raw

    def value(self, raw: Mapping[str, Any], path: tuple[str, ...], kind: type) -> Any:
        key = path[-1]
        if key not in raw:
            raise self.fail(path, "缺少必需的键")
        got = raw[key]
        if not isinstance(got, kind) or (kind is int and isinstance(got, bool)):
            raise self.fail(path, f"应为 {kind.__name__}，实为 {got!r}")
        return got


def _find_line(text: str, path: tuple[str, ...], needle: str = "") -> int | None:
    """The line of the deepest key of `path` (or of `needle`) after the line of its table."""
    lines = text.splitlines()
    start = 0
    for depth in range(len(path), 0, -1):
        header = "[" + ".".join(path[:depth]) + "]"
        hit = next((i for i, line in enumerate(lines) if line.strip() == header), None)
        if hit is not None:
            start = hit
            break
    for i in range(start, len(lines)):
        if (needle and needle in lines[i]) or (
            not needle and lines[i].lstrip().startswith(path[-1])
        ):
            return i + 1
    return start + 1 if start else None


def read_scheme(path: Path) -> Scheme:
    """Read and check a scheme file."""
    reader = _Reader(path)
    try:
        raw = tomllib.loads(reader.text)
    except tomllib.TOMLDecodeError as error:
        raise DrgPackError(reader.file, None, f"TOML 语法错误：{error}") from error
    root = reader.table(raw, (), {"scheme", "checks", "mdc", "adrg", "split"})
    head = reader.table(root.get("scheme"), ("scheme",), {"id", "name"})
    checks = reader.table(root.get("checks"), ("checks",), {"newborn_age_days_max"})
    return Scheme(
        id=reader.value(head, ("scheme", "id"), str),
        name=reader.value(head, ("scheme", "name"), str),
        newborn_age_days_max=reader.value(checks, ("checks", "newborn_age_days_max"), int),
        mdcs=_mdcs(reader, root.get("mdc")),
        adrgs=_adrgs(reader, root.get("adrg", {})),
        split=_split(reader, root.get("split")),
        source=reader.file,
    )


def _mdcs(reader: _Reader, raw: object) -> tuple[MdcSpec, ...]:
    if not isinstance(raw, Mapping):
        raise reader.fail(("mdc",), "应为表（table）")
    order = reader.value(raw, ("mdc", "order"), list)
    if len(set(order)) != len(order) or not all(isinstance(x, str) for x in order):
        raise reader.fail(("mdc", "order"), "应为不重复的 MDC 字母列表")
    default = _conditions(reader, raw.get("default_entry"), ("mdc", "default_entry"))
    for key in raw:
        if key not in {"order", "default_entry", *order}:
            raise reader.fail(("mdc", key), "未知的键（不在 mdc.order 中）")
    specs = []
    for letter in order:
        path = ("mdc", letter)
        table = reader.table(raw.get(letter, {}), path, {"entry", "region_header_suffix"})
        entry = (
            _conditions(reader, table["entry"], (*path, "entry")) if "entry" in table else default
        )
        suffix = table.get("region_header_suffix", "")
        if not isinstance(suffix, str):
            raise reader.fail((*path, "region_header_suffix"), "应为字符串")
        specs.append(MdcSpec(letter, entry, suffix))
    return tuple(specs)


def _adrgs(reader: _Reader, raw: object) -> tuple[AdrgSpec, ...]:
    if not isinstance(raw, Mapping):
        raise reader.fail(("adrg",), "应为表（table）")
    specs = []
    for code, body in raw.items():
        path = ("adrg", code)
        table = reader.table(body, path, {"also", "always", "try_before"})
        also = _conditions(reader, table.get("also", []), (*path, "also"))
        if any(c.test in LIST_TESTS for c in also):
            raise reader.fail((*path, "also"), "also 只能加不带列表的条件（性别、年龄、体重）")
        always = table.get("always", False)
        before = table.get("try_before", "")
        if not isinstance(always, bool) or not isinstance(before, str):
            raise reader.fail(path, "always 应为布尔值，try_before 应为 ADRG 代码")
        specs.append(AdrgSpec(code, also, always, before))
    return tuple(specs)


def _conditions(reader: _Reader, raw: object, path: tuple[str, ...]) -> tuple[ConditionSpec, ...]:
    if not isinstance(raw, list) or len(raw) > MAX_CONDITIONS:
        raise reader.fail(path, f"应为不超过 {MAX_CONDITIONS} 个条件的列表")
    out = []
    for item in raw:
        table = reader.table(item, path, {"test", "list", "value"})
        name = reader.value(table, (*path, "test"), str)
        if name not in Predicate.__members__.values():
            raise reader.fail(path, f"未知的测试 {name!r}", needle=f'"{name}"')
        test = Predicate(name)
        listed = table.get("list", "")
        if (test in LIST_TESTS) != bool(listed) or (listed and listed not in LIST_NAMES):
            raise reader.fail(path, f"{name} 的 list 应为 {sorted(LIST_NAMES)} 之一（仅列表测试）")
        value = table.get("value", 0)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise reader.fail(path, f"{name} 的 value 应为非负整数")
        out.append(ConditionSpec(test, listed, value))
    return tuple(out)


def _split(reader: _Reader, raw: object) -> tuple[tuple[str, SplitTest], ...]:
    table = reader.table(raw, ("split",), {"order"})
    order = reader.value(table, ("split", "order"), list)
    out = []
    for item in order:
        rule = reader.table(item, ("split", "order"), {"digit", "when"})
        digit = reader.value(rule, ("split", "order", "digit"), str)
        when = reader.value(rule, ("split", "order", "when"), str)
        if when not in SplitTest.__members__.values() or len(digit) != 1:
            raise reader.fail(("split", "order"), f"无效的细分规则 {digit!r}: {when!r}")
        out.append((digit, SplitTest(when)))
    if not out or out[-1][1] is not SplitTest.ALWAYS:
        raise reader.fail(("split", "order"), "最后一条细分规则应为 always")
    return tuple(out)
