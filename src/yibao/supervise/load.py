"""Load and validate a rule file (TOML) into a frozen `RuleBase`.

Every problem is collected and reported together, each naming the file, the line and the key
(`base.toml:42: 规则 R007 的 logic.max_units：应为整数`), so a bureau fixes a file in one pass.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Final

from yibao.supervise.kinds import KINDS
from yibao.supervise.model import (
    CATEGORIES,
    INSUTYPES,
    RESULTS,
    SCENES,
    SEVERITIES,
    VISIT_KINDS,
    WINDOWS,
    Rule,
    RuleBase,
    Selector,
)

DEFAULT_FILE: Final = "base-2020.toml"
CODE: Final = re.compile(r"^[A-Za-z0-9.\-x]{1,40}$")
ID: Final = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]{0,31}$")
RULES_MAX: Final = 2_000
YEAR_DAYS: Final = 365
REQUIRED: Final = ("id", "name", "category", "scenes", "window", "kind", "result",
                   "severity", "message", "source")
KNOWN: Final = frozenset(REQUIRED) | {"window_days", "fund_types", "insutypes", "visit_kinds",
                                      "codes", "prefixes", "logic", "targets"}


class RuleFileError(ValueError):
    """A rule file that cannot be used; `problems` are zh-CN lines naming file, line and key."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("规则文件有误：\n" + "\n".join(problems))
        self.problems = tuple(problems)


@dataclass(frozen=True, slots=True)
class _Where:
    """Finds the line of a rule's key in the source text."""

    name: str
    lines: tuple[str, ...]
    starts: tuple[int, ...]  # 0-based line index of each [[rule]] header

    def at(self, index: int, key: str = "") -> str:
        start = self.starts[index] if index < len(self.starts) else 0
        end = self.starts[index + 1] if index + 1 < len(self.starts) else len(self.lines)
        leaf = key.split(".")[-1]
        for pattern in (rf"\s*{re.escape(leaf)}\s*=", rf".*[{{,]\s*{re.escape(leaf)}\s*="):
            for i in range(start, end):
                if leaf and re.match(pattern, self.lines[i]):
                    return f"{self.name}:{i + 1}"
        return f"{self.name}:{start + 1}"


def _where(name: str, text: str) -> _Where:
    lines = tuple(text.splitlines())
    starts = tuple(i for i, s in enumerate(lines) if s.strip() == "[[rule]]")
    return _Where(name, lines, starts)


def _typed(value: object, kind: str) -> tuple[bool, object]:
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool), value
    if kind == "bool":
        return isinstance(value, bool), value
    if kind == "str":
        return isinstance(value, str), value
    if kind == "strs":
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        return ok, tuple(value) if ok else value  # type: ignore[arg-type]
    ok = isinstance(value, list) and all(
        isinstance(p, list) and len(p) == 2 and all(isinstance(c, str) for c in p)
        for p in value)
    return ok, tuple(tuple(p) for p in value) if ok else value  # type: ignore[union-attr]


TYPE_ZH: Final = {"int": "整数", "bool": "true/false", "str": "字符串", "strs": "字符串列表",
                  "pairs": "[代码A, 代码B] 列表"}


def _logic(raw: dict, kind_name: str, say) -> Mapping[str, object]:
    kind = KINDS[kind_name]
    logic = raw.get("logic", {})
    if not isinstance(logic, dict):
        say("logic", "应为表 [rule.logic]")
        return MappingProxyType({})
    out: dict[str, object] = {}
    for key in sorted(set(logic) - set(kind.params)):
        say(f"logic.{key}", f"规则类型 {kind_name} 没有此参数")
    for key, spec in kind.params.items():
        if key not in logic:
            if spec.required:
                say(f"logic.{key}", f"规则类型 {kind_name} 必须给出此参数")
            elif spec.default is not None:
                out[key] = spec.default
            continue
        ok, value = _typed(logic[key], spec.type)
        if not ok:
            say(f"logic.{key}", f"应为{TYPE_ZH[spec.type]}")
        else:
            out[key] = value
    return MappingProxyType(out)


def _strs(raw: dict, key: str, allowed: tuple[str, ...] | None, say) -> tuple[str, ...]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        say(key, "应为字符串列表")
        return ()
    for v in value:
        if allowed is not None and v not in allowed:
            say(key, f"未知取值 {v!r}（可用：{'、'.join(allowed)}）")
    return tuple(value)


def _one_of(raw: dict, key: str, allowed: tuple[str, ...], say) -> str:
    value = raw.get(key)
    if value not in allowed:
        say(key, f"取值 {value!r} 无效（可用：{'、'.join(allowed)}）")
        return allowed[0]
    return str(value)


def _selector(raw: dict, say) -> Selector:
    codes = _strs(raw, "codes", None, say)
    prefixes = _strs(raw, "prefixes", None, say)
    for code in (*codes, *prefixes):
        if not CODE.match(code):
            say("codes", f"代码 {code!r} 含非法字符")
    return Selector(frozenset(codes), prefixes)


def _window_days(raw: dict, window: str, say) -> int:
    days = raw.get("window_days", YEAR_DAYS if window == "year" else 0)
    if not isinstance(days, int) or isinstance(days, bool) or days < 0 or days > 3_660:
        say("window_days", "应为 0–3660 的整数")
        return 0
    if window == "days" and days < 1:
        say("window_days", "时间区间为 days 时必须给出天数（≥1）")
    return days


def _rule(raw: dict, say) -> Rule | None:
    for key in REQUIRED:
        if key not in raw:
            say(key, "缺少必填项")
    for key in sorted(set(raw) - KNOWN):
        say(key, "未知字段")
    kind = raw.get("kind")
    if kind not in KINDS:
        say("kind", f"未知规则类型 {kind!r}（可用：{'、'.join(KINDS)}）")
        return None
    window = _one_of(raw, "window", WINDOWS, say)
    if window not in KINDS[kind].windows:
        say("window", f"规则类型 {kind} 的时间区间应为 {'、'.join(KINDS[kind].windows)}")
    rule_id = str(raw.get("id", ""))
    if not ID.match(rule_id):
        say("id", "编号应以字母开头，只含字母、数字、_ 和 -")
    return Rule(
        id=rule_id, name=str(raw.get("name", "")),
        category=_one_of(raw, "category", CATEGORIES, say),
        scenes=_strs(raw, "scenes", SCENES, say), window=window,
        window_days=_window_days(raw, window, say),
        fund_types=_strs(raw, "fund_types", None, say),
        insutypes=_strs(raw, "insutypes", INSUTYPES, say),
        visit_kinds=_strs(raw, "visit_kinds", VISIT_KINDS, say), kind=kind,
        selector=_selector(raw, say), logic=_logic(raw, kind, say),
        result=_one_of(raw, "result", RESULTS, say),
        severity=_one_of(raw, "severity", SEVERITIES, say),
        message=str(raw.get("message", "")), source=str(raw.get("source", "")),
        targets=_strs(raw, "targets", None, say))


def parse_rules(text: str, name: str = "<rules>") -> RuleBase:
    """A rule base from TOML text; raises `RuleFileError` listing every problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RuleFileError([f"{name}: TOML 语法错误：{exc}"]) from None
    where = _where(name, text)
    problems: list[str] = []
    head = data.get("base", {})
    if not isinstance(head, dict) or not head.get("version"):
        problems.append(f"{name}:1: [base] 缺少 version")
        head = {}
    raws = data.get("rule", [])
    if not isinstance(raws, list) or not raws or len(raws) > RULES_MAX:
        raise RuleFileError([*problems, f"{name}: 应有 1–{RULES_MAX} 条 [[rule]]"])
    rules, seen = [], set()
    for index, raw in enumerate(raws):
        ident = raw.get("id", f"#{index + 1}")

        def say(key: str, what: str, index: int = index, ident: object = ident) -> None:
            problems.append(f"{where.at(index, key)}: 规则 {ident} 的 {key}：{what}")

        rule = _rule(raw, say)
        if rule is not None and rule.id in seen:
            say("id", "编号重复")
        if rule is not None:
            seen.add(rule.id)
            rules.append(rule)
    if problems:
        raise RuleFileError(problems)
    return RuleBase(str(head["version"]), str(head.get("name", "")), tuple(rules))


def load_rules(path: Path | None = None) -> RuleBase:
    """The rule file at `path`, or the shipped base (rules/base-2020.toml)."""
    if path is None:
        ref = resources.files("yibao.supervise") / "rules" / DEFAULT_FILE
        return parse_rules(ref.read_text("utf-8"), f"rules/{DEFAULT_FILE}")
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise RuleFileError([f"{path}: 无法读取：{exc.strerror}"]) from None
    return parse_rules(text, str(path))
