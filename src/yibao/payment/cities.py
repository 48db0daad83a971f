"""Cities' published DRG payment tables (各地 DRG 付费参数), read from `<dir>/<city>.csv`.

The tables (OpenDRG/DRG_Datas `Payment/`, 27 cities, UTF-8; shipped in `data/cities`, chosen by
`yibao.payment.shipped`) name their columns differently; each header is classified by its text:

* first and second column: DRG code and name;
* `RW`, `权重`, `初始权重`: relative weight (empty, 0 or 无: the city gives the group no weight);
* `等级系数（X）`, `X医院系数`, `X系数`: level coefficient for X (一级/二级/三级 → 1/2/3);
* `费率…`, `基础费率…`: base rate, yuan per RW, by insurance type or level;
* `…支付标准…`: payment standard, yuan;
* `低倍临界值（X）`, `高倍临界值（X）`: outlier thresholds, yuan, over the payment standard of X;
* anything else (`病组类型`, `单议病组`, …): a flag; `单议病组 = 是` marks a review group.

Numbers are read as `Decimal`. A text cell in an RW, rate or standard column (北京's
"按项目据实支付") becomes a flag; in a coefficient column it is an error naming file, line, column.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Final

from yibao.payment.points import Coefficients, OutlierTier, PointRules

RW_HEADERS: Final = frozenset({"RW", "权重", "初始权重"})
LEVELS: Final = {"一级": "1", "二级": "2", "三级": "3"}
COEFFICIENT = re.compile(r"^(?:等级系数（(?P<a>[^）]+)）|(?P<b>.+?)(?:医院)?系数)$")
RATE = re.compile(r"^(?:基础)?费率(?:（(?P<label>[^）]+)）)?$")
THRESHOLD = re.compile(r"^(?P<side>低|高)倍临界值（(?P<label>[^）]+)）$")
STANDARD = re.compile(r"支付标准")
REVIEW_FLAG: Final = "单议病组"
#: Cells that mean "no value" in the published tables.
EMPTY_WORDS: Final = frozenset({"", "无", "-", "—", "/"})
#: Columns whose text cells (e.g. 北京 RW "按项目据实支付") are kept as flags, not refused.
TEXT_ALLOWED: Final = frozenset({"rw", "standard", "rate"})


class CityTableError(ValueError):
    """A city table payment cannot read; the message (zh-CN) names the file, line and column."""


@dataclass(frozen=True, slots=True)
class CityGroup:
    """One row: DRG, name, RW (None: no weight), level coefficients, standards (yuan), flags."""

    drg: str
    name: str
    rw: Decimal | None
    level_coefficients: tuple[tuple[str, Decimal], ...]
    standards: tuple[tuple[str, Decimal], ...]
    flags: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class CityTable:
    """A city's published parameters."""

    city: str
    groups: tuple[CityGroup, ...]
    base_rates: tuple[tuple[str, Decimal], ...]
    level_coefficients: tuple[tuple[str, Decimal], ...]  # the same for every group
    low_multiple: Decimal | None
    high_multiple: Decimal | None

    def rw(self) -> dict[str, Decimal]:
        return {g.drg: g.rw for g in self.groups if g.rw is not None}

    def review_drgs(self) -> frozenset[str]:
        return frozenset(g.drg for g in self.groups if dict(g.flags).get(REVIEW_FLAG) == "是")


def _level(label: str) -> str:
    label = label.removesuffix("医院")
    return LEVELS.get(label, label)


def _number(text: str, where: str) -> Decimal | None:
    text = text.strip().replace(",", "")
    if text in EMPTY_WORDS:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise CityTableError(f"{where}：不是数字 {text!r}") from None
    if not value.is_finite() or value < 0:
        raise CityTableError(f"{where}：不是非负数字 {text!r}")
    return value


def _classify(header: str) -> tuple[str, str]:
    """(kind, label) of a column header."""
    header = header.strip()
    if header in RW_HEADERS:
        return "rw", ""
    if m := THRESHOLD.match(header):
        return ("low" if m["side"] == "低" else "high"), m["label"]
    if STANDARD.search(header):
        return "standard", header
    if m := RATE.match(header):
        return "rate", m["label"] or ""
    if m := COEFFICIENT.match(header):
        return "coefficient", _level(m["a"] or m["b"])
    return "flag", header


def _cell(kind: str, header: str, cell: str, where: str) -> tuple[str, object]:
    """(kind, value) of one cell; a text cell in a standard or rate column becomes a flag."""
    if kind == "flag":
        return kind, cell.strip()
    try:
        return kind, _number(cell, f"{where} 列 {header}")
    except CityTableError:
        if kind in TEXT_ALLOWED:
            return "flag", cell.strip()
        raise


def _row(cells: list[str], kinds: list[tuple[str, str]], headers: list[str], where: str
         ) -> dict[str, list[tuple[str, object]]]:
    out: dict[str, list[tuple[str, object]]] = {}
    for (kind, label), header, cell in zip(kinds, headers, cells, strict=False):
        kind_read, value = _cell(kind, header, cell, where)
        if value is not None and value != "":
            key = header if kind_read == "flag" else label
            out.setdefault(kind_read, []).append((key, value))
    return out


def _group(cells: list[str], kinds: list[tuple[str, str]], headers: list[str], where: str
           ) -> tuple[CityGroup, dict]:
    row = _row(cells[2:], kinds[2:], headers[2:], where)
    rw = dict(row.get("rw", [])).get("")  # type: ignore[arg-type]
    group = CityGroup(
        drg=cells[0].strip(), name=cells[1].strip(),
        rw=rw if isinstance(rw, Decimal) and rw > 0 else None,
        level_coefficients=tuple(row.get("coefficient", [])),  # type: ignore[arg-type]
        standards=tuple(row.get("standard", [])),  # type: ignore[arg-type]
        flags=tuple(row.get("flag", [])),  # type: ignore[arg-type]
    )
    return group, row


def _multiple(rows: list[dict], side: str) -> Decimal | None:
    """The most common ratio threshold / payment standard (two places) over the rows."""
    ratios: Counter[Decimal] = Counter()
    for row in rows:
        standards = dict(row.get("standard", []))
        for label, value in row.get(side, []):
            standard = next((v for k, v in standards.items() if label in k), None)
            if standard:
                ratios[(value / standard).quantize(Decimal("0.01"))] += 1
    return ratios.most_common(1)[0][0] if ratios else None


def _constant(rows: list[dict], kind: str) -> tuple[tuple[str, Decimal], ...]:
    """The values of `kind` when each label has one value on every row; else none."""
    seen: dict[str, set[Decimal]] = {}
    for row in rows:
        for label, value in row.get(kind, []):
            seen.setdefault(label, set()).add(value)
    if any(len(v) > 1 for v in seen.values()):
        return ()
    return tuple(sorted((k, next(iter(v))) for k, v in seen.items()))


def parse_city_table(city: str, lines: Iterable[str]) -> CityTable:
    """Read a city's table from its CSV lines (header first)."""
    reader = csv.reader(lines)
    header = next(reader, None)
    if header is None or len(header) < 3:
        raise CityTableError(f"{city}：表头应至少有 DRG 编码、名称和一列参数")
    kinds = [_classify(h) for h in header]
    if not any(k == "rw" for k, _ in kinds):
        raise CityTableError(f"{city}：没有 RW/权重 列（表头 {header}）")
    groups, rows = [], []
    for number, cells in enumerate(reader, start=2):
        if not cells or not cells[0].strip():
            continue
        group, row = _group(cells, kinds, header, f"{city}.csv 第 {number} 行")
        groups.append(group)
        rows.append(row)
    return CityTable(
        city=city, groups=tuple(groups), base_rates=_constant(rows, "rate"),
        level_coefficients=_constant(rows, "coefficient"),
        low_multiple=_multiple(rows, "low"), high_multiple=_multiple(rows, "high"),
    )


def list_cities(directory: Path) -> list[str]:
    return sorted(p.stem for p in directory.glob("*.csv"))


def load_city(directory: Path, city: str) -> CityTable:
    """Read `<directory>/<city>.csv` (e.g. city = "常州2022")."""
    path = directory / f"{city}.csv"
    if not path.is_file():
        known = "、".join(list_cities(directory)) or "无"
        raise CityTableError(f"找不到城市参数表 {path}（可用：{known}）")
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return parse_city_table(city, handle)
    except UnicodeDecodeError:
        raise CityTableError(f"城市参数表 {path} 不是 UTF-8 编码：请另存为 UTF-8") from None
    except OSError as err:
        raise CityTableError(f"无法读取城市参数表 {path}：{err.strerror}") from None


def city_point_rules(table: CityTable, rules: PointRules | None = None) -> PointRules:
    """`rules` (default `PointRules()`) with the city's coefficients, multiples, review groups."""
    rules = rules or PointRules()
    per_group = tuple(
        (level, g.drg, value) for g in table.groups for level, value in g.level_coefficients
    )
    coefficients = Coefficients(by_level=table.level_coefficients) if table.level_coefficients \
        else Coefficients(by_level_drg=tuple(sorted(per_group)))
    tiers = rules.tiers
    if table.low_multiple is not None and table.high_multiple is not None:
        tiers = (OutlierTier(None, table.high_multiple, table.low_multiple),)
    return replace(rules, coefficients=coefficients, tiers=tiers,
                   special_review_drgs=rules.special_review_drgs | table.review_drgs())
