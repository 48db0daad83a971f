"""The projection chart: one line per fund, a dashed zero line only when a balance goes below 0."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from yibao.indicators.charts import projection_chart

D = Decimal


@pytest.mark.parametrize(("balances", "zero_line"), [
    ({"居民": [D(100), D(50), D(10)]}, False),
    ({"居民": [D(100), D(50), D(-10)], "职工": [D(5), D(6), D(7)]}, True),
])
def test_projection_chart(balances: dict[str, list[Decimal]], zero_line: bool) -> None:
    svg = projection_chart("基金累计结余预测", [2020, 2021, 2022], balances)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count('class="line"') == len(balances)
    assert ('class="zero"' in svg) is zero_line
    assert all(name in svg for name in balances) and "2022" in svg


@pytest.mark.parametrize(("funds", "rows"), [(1, 1), (4, 1), (5, 2), (7, 2), (9, 3)])
def test_the_legend_wraps_inside_the_chart(funds: int, rows: int) -> None:
    # The legend starts at the left margin (84) with keys 150 wide: four fit in 720 a row; each
    # further row adds 18 to the height of 300, and every key has its own colour up to seven.
    balances = {f"基金{i}": [D(i), D(i + 1)] for i in range(funds)}
    svg = projection_chart("基金累计结余预测", [2020, 2021], balances)
    assert f'viewBox="0 0 720 {300 + 18 * (rows - 1)}"' in svg
    keys = re.findall(r'<g transform="translate\((\d+),(\d+)\)"><rect[^>]*fill="([^"]+)"', svg)
    assert len(keys) == funds
    assert all(84 <= int(x) <= 720 - 150 for x, _y, _c in keys)
    assert sorted({int(y) for _x, y, _c in keys}) == [290 + 18 * r for r in range(rows)]
    assert len({c for _x, _y, c in keys}) == min(funds, 7)
