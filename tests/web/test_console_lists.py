"""The console speaks to bureau staff in their terms: codes by their zh-CN names, institutions
by name with their code, times in Beijing time; the person search pages (with the total) and
filters by name or ID prefix, 险种, 人员类别, 参保状态 and 救助类别; every list exports to an
`.xlsx` that honours the filters and the viewer's scope, with zh-CN headers and exact money."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from tests.web.conftest import CROWD, Console
from yibao.web import export

COUNTY_PERSONS = 7 + CROWD  # population.py's people of 511623, and the crowd
SETL_TIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")


def _rows(content: bytes, sheet: int = 0) -> list[tuple[object, ...]]:
    book = load_workbook(io.BytesIO(content), read_only=True)
    return [tuple(r) for r in book.worksheets[sheet].iter_rows(values_only=True)]


def test_values_are_named_in_chinese(console: Console) -> None:
    client = console.login("county")
    page = client.get("/console/persons", params={"q": "李四"}).text
    for text in ("低保对象", "男", "城乡居民医保", "城乡居民", "参保中"):
        assert text in page, text
    for raw in (">dibao<", ">resident<", ">M<", ">active<", ">390<"):
        assert raw not in page, raw
    person = client.get(f"/console/persons/{console.resident}").text
    assert "邻水县人民医院（H51162300001）" in person and ">active<" not in person
    setl = client.get(f"/console/settlements/{console.setl_id}").text
    assert "邻水县人民医院（H51162300001）" in setl
    assert SETL_TIME.search(setl.split("结算时间")[1][:60])
    cases = client.get("/console/cases").text
    assert "邻水县人民医院（H51162300001）" in cases


def test_person_search_pages_with_the_total(console: Console) -> None:
    client = console.login("county")
    first = client.get("/console/persons").text
    assert f"共 {COUNTY_PERSONS} 条，第 1 / 2 页" in first
    assert first.count("/console/persons/511623") == 50
    second = client.get("/console/persons", params={"page": 2}).text
    assert second.count("/console/persons/511623") == COUNTY_PERSONS - 50
    assert "上一页" in second and "下一页" not in second
    assert console.city not in first + second  # scope


def test_person_search_filters(console: Console) -> None:
    client = console.login("county")

    def total(**params: str) -> int:
        text = client.get("/console/persons", params=params).text
        return int(re.search(r"查询结果（([\d,]+) 人）", text).group(1).replace(",", ""))

    dibao = 1 + len(range(0, CROWD, 3))
    assert total(group="dibao") == dibao
    assert total(group="tekun") == 1 + len([i for i in range(CROWD) if i % 5 == 0 and i % 3])
    assert total(insutype="310") == 2 + len(range(0, CROWD, 7))
    assert total(psn_type="retired") == 1 + len(range(0, CROWD, 7))
    assert total(insutype="310", group="dibao") == len(range(0, CROWD, 21))
    assert total(q="测试0") == 10  # a name part
    assert total(q="5116231950") == 2  # an ID prefix: the crowd born in 1950 (i = 0, 40)
    assert total(status="active") <= COUNTY_PERSONS
    assert total(group="unknown") == COUNTY_PERSONS  # an unknown choice is dropped


def test_person_export_honours_filters_and_scope(console: Console) -> None:
    client = console.login("county")
    answer = client.get("/console/export/persons.xlsx", params={"group": "dibao"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith(export.XLSX)
    rows = _rows(answer.content)
    assert rows[0][:3] == ("身份证号", "姓名", "性别")
    assert len(rows) - 1 == 1 + len(range(0, CROWD, 3))
    assert all(r[9] and "低保对象" in str(r[9]) for r in rows[1:])
    everyone = _rows(client.get("/console/export/persons.xlsx").content)
    assert len(everyone) - 1 == COUNTY_PERSONS
    assert console.city not in {r[0] for r in everyone}
    province = _rows(console.login("director").get("/console/export/persons.xlsx").content)
    assert console.city in {r[0] for r in province}


def test_settlement_and_case_exports_keep_money_exact(console: Console) -> None:
    client = console.login("county")
    rows = _rows(client.get("/console/export/settlements.xlsx",
                            params={"psn_no": console.resident}).content)
    header, first = rows[0], rows[1]
    assert header[6] == "总费用（元）" and first[0] == console.setl_id
    page = client.get(f"/console/settlements/{console.setl_id}").text
    assert f"{Decimal(str(first[6])):.2f}" in page  # the total the page shows
    assert first[2] == "邻水县人民医院（H51162300001）" and SETL_TIME.fullmatch(first[5])
    inpatient = _rows(client.get("/console/export/settlements.xlsx",
                                 params={"med_type": "21", "year": "2024"}).content)
    assert len(inpatient) > 1 and {r[4] for r in inpatient[1:]} == {"住院"}
    outpatient = client.get("/console/export/settlements.xlsx", params={"med_type": "11"})
    assert len(_rows(outpatient.content)) == 1
    cases = _rows(client.get("/console/export/cases.xlsx").content)
    assert cases[0][:2] == ("案件", "规则") and len(cases) > 1
    assert all(isinstance(r[4], (int, float)) for r in cases[1:])
    other = _rows(console.login("other").get("/console/export/cases.xlsx").content)
    assert len(other) == 1  # another county's auditor: the header alone
    drg = client.get("/console/export/drg.xlsx")
    assert _rows(drg.content, 0)[1][0] == "邻水县人民医院（H51162300001）"


def test_an_export_too_large_is_refused_with_a_message(console: Console,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(export, "EXPORT_ROWS_MAX", 5)
    answer = console.login("county").get("/console/export/persons.xlsx")
    assert answer.status_code == 400
    assert "超过单次导出上限 5 行" in answer.text and "筛选" in answer.text


def test_dashboard_export_has_the_months_and_the_ledger(console: Console) -> None:
    finance = _rows(console.login("finance").get("/console/export/dashboard.xlsx").content, 0)
    assert finance[0] == ("月份", "收入（元）", "支出（元）", "累计结余（元）")
    assert len(finance) == 13 and finance[1][0] == "1月" and finance[1][1] == 300000
    ledger = _rows(console.login("finance").get("/console/export/dashboard.xlsx").content, 1)
    assert ledger[0][1] == "科目" and "居民医保统筹基金" in {r[1] for r in ledger[1:]}
    other = console.login("other").get("/console/export/dashboard.xlsx")
    assert len(_rows(other.content, 0)) == 1  # another county: no report rows
