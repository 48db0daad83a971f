"""The thresholds of the fund risk warnings (基金运行风险预警阈值), from a TOML file a bureau edits.

The shipped file (`thresholds.toml` beside this module) holds the defaults of facts/policy.md §6;
`yibao fund analyze --thresholds FILE` reads another. Every key is validated on load and an error
names the file, the key and the line (`ThresholdsError`, a `PolicyError` as policy files raise): an
unknown section or key, a missing key, a negative number, bands out of order.
"""

from __future__ import annotations

import itertools
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Final

from yibao.policy.loader import PolicyError, Reader, find_line

SHIPPED_NAME: Final = "thresholds.toml"
#: The keys of each section, in the order the bands rise.
MONTHS_KEYS: Final = ("insufficient_below", "low_below", "reasonable_up_to", "high_up_to")
MAX_TREND_YEARS: Final = 10


class ThresholdsError(PolicyError):
    """A thresholds file that cannot be used: file, key, line and a zh-CN message."""


class _Reader(Reader):
    def fail(self, path: tuple[str, ...], message: str) -> ThresholdsError:
        return ThresholdsError(self.file, ".".join(path), find_line(self.text, path), message)


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Months payable: < insufficient_below → insufficient; < low_below → low;
    ≤ reasonable_up_to → reasonable; ≤ high_up_to → high; above → excess. Current ratio above
    `deficit_above` → deficit. Expenditure growing faster than income in each of the last
    `trend_years` years → trend."""

    insufficient_below: Decimal = Decimal(3)
    low_below: Decimal = Decimal(6)
    reasonable_up_to: Decimal = Decimal(9)
    high_up_to: Decimal = Decimal(15)
    deficit_above: Decimal = Decimal(1)
    trend_years: int = 2
    source: str = ""


def parse_thresholds(text: str, file: str = "<thresholds>") -> Thresholds:
    """Validate and build the thresholds from TOML text; `file` names it in errors."""
    reader = _Reader(file, text)
    try:
        raw = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as err:
        raise ThresholdsError(file, "", None, f"TOML 语法错误：{err}") from None
    sections = {"months_payable", "current_ratio", "trend"}
    for section in raw:
        if section not in sections:
            raise reader.fail((section,), "未知的节（section）")
    for section in sorted(sections):
        if section not in raw:
            raise reader.fail((section,), f"缺少 [{section}] 节")
    months = reader.table(raw["months_payable"], ("months_payable",))
    reader.keys(months, ("months_payable",), set(MONTHS_KEYS), set())
    bands = [reader.number(months[k], ("months_payable", k), "factor") for k in MONTHS_KEYS]
    for (low_key, low), (key, high) in itertools.pairwise(zip(MONTHS_KEYS, bands, strict=True)):
        if high < low:
            raise reader.fail(("months_payable", key), f"不得小于 {low_key}（{low}）：{high}")
    ratio = reader.table(raw["current_ratio"], ("current_ratio",))
    reader.keys(ratio, ("current_ratio",), {"deficit_above"}, set())
    deficit = reader.number(ratio["deficit_above"], ("current_ratio", "deficit_above"), "factor")
    if deficit <= 0:
        raise reader.fail(("current_ratio", "deficit_above"), f"必须大于 0：{deficit}")
    trend = reader.table(raw["trend"], ("trend",))
    reader.keys(trend, ("trend",), {"years"}, set())
    years = trend["years"]
    if isinstance(years, bool) or not isinstance(years, int) or not 1 <= years <= MAX_TREND_YEARS:
        raise reader.fail(("trend", "years"), f"应为 1 到 {MAX_TREND_YEARS} 之间的整数：{years}")
    return Thresholds(*bands, deficit_above=deficit, trend_years=years, source=file)


def load_thresholds(path: str | Path | None = None) -> Thresholds:
    """The thresholds of `path`, or the shipped defaults; `ThresholdsError` when it is bad."""
    if path is None:
        text = (resources.files("yibao.fund") / SHIPPED_NAME).read_text(encoding="utf-8")
        return parse_thresholds(text, SHIPPED_NAME)
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ThresholdsError(str(path), "", None, f"无法读取：{err}") from None
    return parse_thresholds(text, str(path))
