"""One numeric key of a policy file, named by its dotted TOML path, and the file with that one
value changed (`yibao policy solve`).

A key is the path the loader names in its errors: `resident.inpatient.ratio.2` is the level-2
ratio of the residents' inpatient benefit, `employee.outpatient.annual_cap` the employees'
outpatient cap, `assistance.groups.dibao.threshold` the 低保 assistance threshold. Two kinds can
be changed: ratios (four decimals, within [0, 1]) and money (deductibles, caps and thresholds,
to the cent). The contribution section is not a benefit key: `policy whatif` re-settles the
year's benefits with the contributions the year collected.

The new text is the old one with the value's literal replaced on its own line and nothing else
touched (comments, layout and the other values stay as written); the edit is checked by parsing
both texts and comparing every other value.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final

from yibao.core.money import AMOUNT_PLACES, RATIO_PLACES, fmt_ratio
from yibao.policy.loader import find_line
from yibao.policy.model import LEVELS


class KeyKind(StrEnum):
    RATIO = "ratio"
    MONEY = "money"


#: The last name of a key (before a level) and its kind.
KIND_OF_NAME: Final = {
    "ratio": KeyKind.RATIO, "retired_ratio_add": KeyKind.RATIO, "ratio_add": KeyKind.RATIO,
    "threshold_factor": KeyKind.RATIO, "class_b_selfpay": KeyKind.RATIO,
    "deductible": KeyKind.MONEY, "annual_cap": KeyKind.MONEY, "threshold": KeyKind.MONEY,
}
BENEFIT_ROOTS: Final = ("policy", "resident", "employee", "assistance")
#: The decimal places of each kind: one step of the key's precision is 10^-places.
PLACES: Final = {KeyKind.RATIO: RATIO_PLACES, KeyKind.MONEY: AMOUNT_PLACES}
_LITERAL = r'("[^"\n]*"|\'[^\'\n]*\'|[+-]?[0-9][0-9_.eE+-]*)'


class PolicyKeyError(ValueError):
    """A key that cannot be read or changed (zh-CN message)."""


@dataclass(frozen=True, slots=True)
class PolicyKey:
    """A numeric key: its dotted name, path and kind."""

    name: str
    path: tuple[str, ...]
    kind: KeyKind

    @property
    def places(self) -> int:
        return PLACES[self.kind]

    @property
    def step(self) -> Decimal:
        """One step of the key's precision (0.0001 for a ratio, 0.01 yuan for money)."""
        return Decimal(1).scaleb(-self.places)

    @property
    def upper(self) -> Decimal | None:
        """The largest value the loader accepts (None: no bound)."""
        return Decimal(1) if self.kind is KeyKind.RATIO else None


def parse_key(name: str) -> PolicyKey:
    """The key named `name`, or a `PolicyKeyError` saying which keys can be changed."""
    path = tuple(name.split("."))
    if not name or any(not part for part in path):
        raise PolicyKeyError(
            f"政策键格式不对：{name!r}（应为点分路径，如 resident.inpatient.ratio.2）")
    if path[0] not in BENEFIT_ROOTS:
        raise PolicyKeyError(
            f"政策键 {name} 不是待遇参数：测算只改变待遇（比例、起付线、限额），"
            f"键应以 {'、'.join(BENEFIT_ROOTS)} 开头")
    last = path[-2] if path[-1] in LEVELS and len(path) > 1 else path[-1]
    kind = KIND_OF_NAME.get(last)
    if kind is None:
        raise PolicyKeyError(
            f"政策键 {name} 不是可求解的数值参数：只能是比例（ratio、retired_ratio_add 等）"
            "或金额（deductible、annual_cap、threshold）")
    return PolicyKey(name, path, kind)


def _at(raw: Any, path: tuple[str, ...], name: str) -> Any:
    node = raw
    for part in path:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise PolicyKeyError(f"政策文件中没有键 {name}")
    return node


def _parse(text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as err:
        raise PolicyKeyError(f"政策文件不是有效的 TOML：{err}") from None


def key_value(text: str, key: PolicyKey) -> Decimal:
    """The key's value in the policy text."""
    value = _at(_parse(text), key.path, key.name)
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise PolicyKeyError(f"政策键 {key.name} 不是数值")
    try:
        return Decimal(value)
    except ArithmeticError:
        raise PolicyKeyError(f"政策键 {key.name} 的值 {value!r} 不是数字") from None


def literal(key: PolicyKey, value: Decimal) -> str:
    """The value as the file writes it: rounded to the key's places, no trailing zeros."""
    return fmt_ratio(value.quantize(key.step))


def _replace(line: str, name: str) -> list[tuple[int, int]]:
    """Where the literal of `name` is on `line`: as `name = …` or inside an inline table."""
    quoted = re.escape(name)
    pattern = re.compile(rf'(?:^|[{{,])\s*(?:"{quoted}"|\'{quoted}\'|{quoted})\s*=\s*{_LITERAL}')
    return [match.span(1) for match in pattern.finditer(line)]


def with_value(text: str, key: PolicyKey, value: Decimal) -> str:
    """The policy text with the key's value set to `value` and nothing else changed."""
    raw = _parse(text)
    old = _at(raw, key.path, key.name)
    number = find_line(text, key.path)
    lines = text.splitlines(keepends=True)
    spans = _replace(lines[number - 1], key.path[-1]) if number else []
    if len(spans) != 1 or number is None:
        raise PolicyKeyError(f"无法在政策文件中定位键 {key.name} 的取值（须与键写在同一行）")
    start, end = spans[0]
    line = lines[number - 1]
    written = literal(key, value)
    lines[number - 1] = f'{line[:start]}"{written}"{line[end:]}' if isinstance(old, str) else (
        f"{line[:start]}{written}{line[end:]}")
    changed = "".join(lines)
    expected = _parse(text)
    parent = _at(expected, key.path[:-1], key.name)
    slot: Any = int(key.path[-1]) if isinstance(parent, list) else key.path[-1]
    parent[slot] = written if isinstance(old, str) else Decimal(written)
    if _parse(changed) != expected:
        raise PolicyKeyError(f"改写键 {key.name} 会改动其他取值，已停止（请检查该行的写法）")
    return changed
