"""The dashboard and the DRG page show a year report only to viewers whose scope holds the
report's region, and say so when their scope has no data (a user of another county sees no
figures of this one); a director of the province sees the county's report."""

from __future__ import annotations

from tests.web.conftest import REPORT, Console


def test_another_county_sees_no_figures_of_this_one(console: Console) -> None:
    other = console.login("other")
    page = other.get("/console/").text
    assert "您的管辖范围（511602）内没有年度报告数据" in page
    assert "主要指标" not in page and "linshui-2024-test" not in page
    drg = other.get("/console/drg").text
    assert "没有年度报告数据" in drg and str(REPORT["drg"]["point_value"]) not in drg
    assert other.get("/console/export/drg.xlsx").status_code == 200


def test_the_province_sees_the_county_report(console: Console) -> None:
    page = console.login("director").get("/console/").text
    assert "主要指标" in page and "模拟数据" in page and "规模 0.01" in page
    assert "511623" in page
