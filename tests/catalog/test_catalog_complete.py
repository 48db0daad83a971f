"""Completing a request from the catalogue fills only what a fee line lacks, lets the line win,
leaves unknown codes alone and never changes the caller's request."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest

from yibao.catalog import Catalog, FeeItem, complete_fees

CATALOG = Catalog.of(
    (
        FeeItem("XA01ABD075A002010100483", "阿莫西林胶囊", "01"),
        FeeItem("C0123", "一次性输液器", "02", Decimal("0.20"), Decimal("1000.00")),
        FeeItem("B001", "乙类无先行自付比例", "02", None, Decimal("35.123456")),
        FeeItem("001", "普通床位费", "03"),
    )
)

# (line as sent, line after completion)
CASES = [
    pytest.param(
        {"hilist_code": "C0123", "cnt": "1", "pric": "1200.00"},
        {
            "hilist_code": "C0123",
            "cnt": "1",
            "pric": "1200.00",
            "chrg_itm_lv": "02",
            "selfpay_prop": "0.20",
            "pric_uplmt_amt": "1000.00",
        },
        id="all three filled, as decimal strings",
    ),
    pytest.param(
        {"hilist_code": "C0123", "chrg_itm_lv": "01", "selfpay_prop": "0.05"},
        {
            "hilist_code": "C0123",
            "chrg_itm_lv": "01",
            "selfpay_prop": "0.05",
            "pric_uplmt_amt": "1000.00",
        },
        id="values on the line win",
    ),
    pytest.param(
        {"hilist_code": "C0123", "selfpay_prop": "0", "pric_uplmt_amt": "0"},
        {
            "hilist_code": "C0123",
            "chrg_itm_lv": "02",
            "selfpay_prop": "0",
            "pric_uplmt_amt": "0",
        },
        id="zero on the line is a value and wins",
    ),
    pytest.param(
        {"hilist_code": "C0123", "chrg_itm_lv": None, "selfpay_prop": None},
        {
            "hilist_code": "C0123",
            "chrg_itm_lv": "02",
            "selfpay_prop": "0.20",
            "pric_uplmt_amt": "1000.00",
        },
        id="null counts as missing",
    ),
    pytest.param(
        {"hilist_code": "C0123", "selfpay_prop": ""},
        {
            "hilist_code": "C0123",
            "chrg_itm_lv": "02",
            "selfpay_prop": "",
            "pric_uplmt_amt": "1000.00",
        },
        id="an empty string is left for the validator",
    ),
    pytest.param(
        {"hilist_code": "B001"},
        {"hilist_code": "B001", "chrg_itm_lv": "02", "pric_uplmt_amt": "35.123456"},
        id="no catalogue share: selfpay_prop stays missing",
    ),
    pytest.param(
        {"hilist_code": "XA01ABD075A002010100483"},
        {"hilist_code": "XA01ABD075A002010100483", "chrg_itm_lv": "01"},
        id="class only",
    ),
    pytest.param(
        {"hilist_code": "UNKNOWN", "cnt": "1"},
        {"hilist_code": "UNKNOWN", "cnt": "1"},
        id="unknown code without class left as it is",
    ),
    pytest.param(
        {"hilist_code": "UNKNOWN", "chrg_itm_lv": "03"},
        {"hilist_code": "UNKNOWN", "chrg_itm_lv": "03"},
        id="unknown code with class left as it is",
    ),
    pytest.param({"cnt": "1"}, {"cnt": "1"}, id="no code"),
    pytest.param({"hilist_code": 123}, {"hilist_code": 123}, id="code not a string"),
]


@pytest.mark.parametrize(("line", "expected"), CASES)
def test_completion_precedence(line: dict[str, Any], expected: dict[str, Any]) -> None:
    request = {"policy": "511623-2024", "fees": [line]}
    assert complete_fees(request, CATALOG)["fees"] == [expected]


def test_input_is_never_changed() -> None:
    request: dict[str, Any] = {
        "policy": "511623-2024",
        "person": {"groups": ["dibao"]},
        "fees": [{"feedetl_sn": "1", "hilist_code": "C0123"}, {"feedetl_sn": "2"}],
    }
    before = copy.deepcopy(request)
    completed = complete_fees(request, CATALOG)
    assert request == before
    assert completed is not request
    assert completed["fees"][0]["chrg_itm_lv"] == "02"
    completed["person"]["groups"].append("tekun")
    completed["fees"][1]["x"] = 1
    assert request == before


@pytest.mark.parametrize(
    "request_",
    [
        {"policy": "p"},
        {"fees": None},
        {"fees": "C0123"},
        {"fees": ["C0123", 5, None]},
        {"fees": []},
    ],
)
def test_malformed_fees_pass_through(request_: dict[str, Any]) -> None:
    assert complete_fees(request_, CATALOG) == request_


def test_empty_catalogue_changes_nothing() -> None:
    request = {"fees": [{"hilist_code": "C0123"}]}
    assert complete_fees(request, Catalog(())) == request
