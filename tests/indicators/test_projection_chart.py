"""The projection chart: one line per fund, a dashed zero line only when a balance goes below 0."""

from __future__ import annotations

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
