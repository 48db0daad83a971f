"""GET /api/v1/fund/analysis: the fund analysis of a region in the reader's scope, with the
document of `yibao fund analyze --json`; a county user cannot read another county, roles
without fund access are refused, bad years and regions without postings are 4xx in zh-CN."""

from __future__ import annotations

from tests.api.conftest import Live

PATH = "/api/v1/fund/analysis"


def test_finance_reads_its_county(live: Live) -> None:
    answer = live.get(PATH, "finance", region="511623", year=2024)
    assert answer.status_code == 200, answer.text
    doc = answer.json()
    assert (doc["region"], doc["year"]) == ("511623", 2024)
    assert list(doc["funds"]) == ["resident_pool", "employee_pool", "personal_account",
                                  "serious_illness", "large_expense", "civil_servant",
                                  "assistance"]
    pool = doc["funds"]["resident_pool"]
    assert [m["month"] for m in pool["months"]] == [f"2024-{m:02d}" for m in range(1, 13)]
    assert pool["year"]["income"] != "0.00"  # the population's 2024 contributions
    for w in doc["warnings"]:
        assert set(w) == {"fund", "indicator", "value", "level", "message"}


def test_a_county_user_cannot_read_another_county(live: Live) -> None:
    refused = live.get(PATH, "finance", region="511602", year=2024)
    assert refused.status_code == 403
    assert "不在您的管辖范围" in refused.json()["detail"]["message"]


def test_roles_and_wider_scopes(live: Live) -> None:
    assert live.get(PATH, "county", region="511623", year=2024).status_code == 403  # handler
    assert live.get(PATH, "other", region="511602", year=2024).status_code == 403  # auditor
    assert live.get(PATH, "province", region="511623", year=2024).status_code == 200


def test_bad_requests_are_4xx_in_chinese(live: Live) -> None:
    empty = live.get(PATH, "province", region="511699", year=2024)
    assert empty.status_code == 404
    assert "没有任何基金记账" in empty.json()["detail"]["message"]
    future = live.get(PATH, "province", region="511623", year=2100)
    assert future.status_code == 422
    assert "年度 2100 无法分析" in future.json()["detail"]["message"]
    assert live.get(PATH, "province", region="5116", year=2024).status_code == 422
    assert live.get(PATH, "province", region="511623").status_code == 422
