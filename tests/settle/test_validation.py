"""Request validation refuses exactly what docs/settlement.md §1 refuses, naming the first bad
field.

One row per rule of the §1 validation table, with boundary values at the limit (accepted) and
just past it (refused); then rows showing what must be accepted (unknown keys, JSON numbers,
a missing `ytd`), and rows with two problems showing which one is reported first.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from yibao.policy.loader import load_policy
from yibao.settle.model import SettleRequest, Ytd
from yibao.settle.request import RequestError, parse_request

DELETE = object()  # a change that removes the key


def line(sn: str, **extra: Any) -> dict[str, Any]:
    return {"feedetl_sn": sn, "hilist_code": f"C{sn}", "chrg_itm_lv": "01", "cnt": "2",
            "pric": "10.50", **extra}


BASE: dict[str, Any] = {
    "policy": "511623-2024",
    "person": {"psn_no": "51162300000001", "insutype": "310", "psn_type": "in_service",
               "age": 45, "groups": ["dibao"], "civil_servant": False},
    "visit": {"mdtrt_id": "M0001", "fixmedins_code": "H51162300001", "med_type": "21",
              "hosp_lv": "2", "offsite": "local", "begndate": "2024-03-01",
              "enddate": "2024-03-09"},
    "fees": [
        line("1"),
        {"feedetl_sn": "2", "hilist_code": "C2", "chrg_itm_lv": "02", "cnt": "1",
         "pric": "1200.00", "selfpay_prop": "0.20", "pric_uplmt_amt": "1000.00",
         "det_item_fee_sumamt": "1200.00"},
        {"feedetl_sn": "3", "hilist_code": "C3", "chrg_itm_lv": "03", "cnt": "1",
         "pric": "80.00"},
    ],
    "ytd": {"admissions": 0, "hifp_paid": "0", "op_hifp_paid": "0", "op_dedc_used": "0",
            "si_base": "0", "hifmi_paid": "0", "hifob_paid": "0", "cvlserv_paid": "0",
            "maf_dedc_used": "0", "maf_paid": "0"},
    "acct_balc": "100.00",
    "use_acct": True,
}

YTD_MONEY = ("hifp_paid", "op_hifp_paid", "op_dedc_used", "si_base", "hifmi_paid",
             "hifob_paid", "cvlserv_paid", "maf_dedc_used", "maf_paid")
FEES_2000 = [line(str(n)) for n in range(2000)]
FEES_2001 = [line(str(n)) for n in range(2001)]


def changed(changes: dict[str, Any]) -> dict[str, Any]:
    """BASE with each `path` (`fees[0].cnt`, `person`) set to its value, or removed (DELETE)."""
    doc = copy.deepcopy(BASE)
    for path, value in changes.items():
        steps: list[str | int] = [int(i) if i else name for name, i in
                                  re.findall(r"(\w+)|\[(\d+)\]", path)]
        target: Any = doc
        for step in steps[:-1]:
            target = target[step]
        if value is DELETE:
            del target[steps[-1]]
        else:
            target[steps[-1]] = copy.deepcopy(value)
    return doc


def parse(doc: object) -> SettleRequest:
    return parse_request(doc, load_policy)


def refused(doc: object) -> RequestError:
    with pytest.raises(RequestError) as caught:
        parse(doc)
    return caught.value


def test_base_document_is_valid() -> None:
    parse(BASE)


# One row per rule: (id, changes to BASE, the field path that must be named).
REFUSED: list[tuple[str, dict[str, Any], str]] = [
    # policy: a shipped id or a readable policy file
    ("policy_missing", {"policy": DELETE}, "policy"),
    ("policy_empty", {"policy": ""}, "policy"),
    ("policy_not_text", {"policy": 511623}, "policy"),
    ("policy_unknown_id", {"policy": "999999-2024"}, "policy"),
    ("policy_unknown_year", {"policy": "511623-1999"}, "policy"),
    ("policy_missing_file", {"policy": "/nonexistent/dir/511623-2024.toml"}, "policy"),
    # person
    ("person_missing", {"person": DELETE}, "person"),
    ("person_not_object", {"person": "51162300000001"}, "person"),
    ("insutype_unknown", {"person.insutype": "320"}, "person.insutype"),
    ("insutype_missing", {"person.insutype": DELETE}, "person.insutype"),
    ("psn_type_missing", {"person.psn_type": DELETE}, "person.psn_type"),
    ("employee_as_resident", {"person.psn_type": "resident"}, "person.psn_type"),
    ("resident_as_in_service", {"person.insutype": "390"}, "person.psn_type"),
    ("resident_as_retired", {"person.insutype": "390", "person.psn_type": "retired"},
     "person.psn_type"),
    ("psn_type_unknown", {"person.psn_type": "student"}, "person.psn_type"),
    ("groups_not_list", {"person.groups": "dibao"}, "person.groups"),
    ("groups_not_names", {"person.groups": [1]}, "person.groups"),
    ("group_unknown", {"person.groups": ["dibao", "rich"]}, "person.groups[1]"),
    ("group_repeated", {"person.groups": ["tekun", "dibao", "tekun"]}, "person.groups[2]"),
    ("civil_servant_not_bool", {"person.civil_servant": "yes"}, "person.civil_servant"),
    ("civil_servant_integer", {"person.civil_servant": 1}, "person.civil_servant"),
    # visit
    ("visit_missing", {"visit": DELETE}, "visit"),
    ("med_type_unknown", {"visit.med_type": "12"}, "visit.med_type"),
    ("med_type_missing", {"visit.med_type": DELETE}, "visit.med_type"),
    ("hosp_lv_zero", {"visit.hosp_lv": "0"}, "visit.hosp_lv"),
    ("hosp_lv_four", {"visit.hosp_lv": "4"}, "visit.hosp_lv"),
    ("offsite_unknown", {"visit.offsite": "abroad"}, "visit.offsite"),
    ("begndate_not_iso", {"visit.begndate": "2024/03/01"}, "visit.begndate"),
    ("begndate_month_13", {"visit.begndate": "2024-13-01"}, "visit.begndate"),
    ("begndate_number", {"visit.begndate": 20240301}, "visit.begndate"),
    ("enddate_impossible_day", {"visit.enddate": "2024-02-30"}, "visit.enddate"),
    ("enddate_before_begndate", {"visit.enddate": "2024-02-29"}, "visit.enddate"),
    # fees: 1 to 2,000 lines, feedetl_sn unique
    ("fees_missing", {"fees": DELETE}, "fees"),
    ("fees_empty", {"fees": []}, "fees"),
    ("fees_not_list", {"fees": {"0": line("1")}}, "fees"),
    ("fees_2001_lines", {"fees": FEES_2001}, "fees"),
    ("fee_not_object", {"fees[1]": "line"}, "fees[1]"),
    ("feedetl_sn_missing", {"fees[0].feedetl_sn": DELETE}, "fees[0].feedetl_sn"),
    ("feedetl_sn_repeated", {"fees[2].feedetl_sn": "1"}, "fees[2].feedetl_sn"),
    ("feedetl_sn_repeated_as_number", {"fees[0].feedetl_sn": 7, "fees[1].feedetl_sn": "7"},
     "fees[1].feedetl_sn"),
    ("chrg_itm_lv_unknown", {"fees[0].chrg_itm_lv": "04"}, "fees[0].chrg_itm_lv"),
    ("chrg_itm_lv_missing", {"fees[0].chrg_itm_lv": DELETE}, "fees[0].chrg_itm_lv"),
    # cnt: > 0 and ≤ 10,000, at most 4 decimal places
    ("cnt_missing", {"fees[0].cnt": DELETE}, "fees[0].cnt"),
    ("cnt_null", {"fees[0].cnt": None}, "fees[0].cnt"),
    ("cnt_zero", {"fees[0].cnt": "0"}, "fees[0].cnt"),
    ("cnt_zero_decimal", {"fees[0].cnt": "0.0000"}, "fees[0].cnt"),
    ("cnt_negative", {"fees[0].cnt": "-1"}, "fees[0].cnt"),
    ("cnt_10000.0001", {"fees[0].cnt": "10000.0001"}, "fees[0].cnt"),
    ("cnt_10001_integer", {"fees[0].cnt": 10001}, "fees[0].cnt"),
    ("cnt_5_places", {"fees[0].cnt": "0.00001"}, "fees[0].cnt"),
    ("cnt_nan", {"fees[0].cnt": "NaN"}, "fees[0].cnt"),
    ("cnt_infinity", {"fees[0].cnt": "Infinity"}, "fees[0].cnt"),
    ("cnt_decimal_nan", {"fees[0].cnt": Decimal("NaN")}, "fees[0].cnt"),
    ("cnt_float", {"fees[0].cnt": 1.5}, "fees[0].cnt"),
    ("cnt_float_nan", {"fees[0].cnt": float("nan")}, "fees[0].cnt"),
    ("cnt_bool", {"fees[0].cnt": True}, "fees[0].cnt"),
    ("cnt_text", {"fees[0].cnt": "two"}, "fees[0].cnt"),
    ("cnt_padded", {"fees[0].cnt": " 2"}, "fees[0].cnt"),
    ("cnt_huge_exponent", {"fees[0].cnt": "1E+400"}, "fees[0].cnt"),
    # pric: ≥ 0 and ≤ 10,000,000, at most 6 decimal places
    ("pric_missing", {"fees[0].pric": DELETE}, "fees[0].pric"),
    ("pric_negative", {"fees[0].pric": "-0.000001"}, "fees[0].pric"),
    ("pric_above_limit", {"fees[0].pric": "10000000.000001"}, "fees[0].pric"),
    ("pric_7_places", {"fees[0].pric": "1.1234567"}, "fees[0].pric"),
    ("pric_nan", {"fees[0].pric": "nan"}, "fees[0].pric"),
    ("pric_minus_infinity", {"fees[0].pric": "-Infinity"}, "fees[0].pric"),
    ("pric_float", {"fees[0].pric": 10.5}, "fees[0].pric"),
    ("pric_bool", {"fees[0].pric": False}, "fees[0].pric"),
    ("pric_list", {"fees[0].pric": ["10.50"]}, "fees[0].pric"),
    # pric_uplmt_amt: the same limits as pric
    ("uplmt_negative", {"fees[1].pric_uplmt_amt": "-1"}, "fees[1].pric_uplmt_amt"),
    ("uplmt_above_limit", {"fees[1].pric_uplmt_amt": "10000000.01"},
     "fees[1].pric_uplmt_amt"),
    ("uplmt_7_places", {"fees[1].pric_uplmt_amt": "999.0000001"}, "fees[1].pric_uplmt_amt"),
    ("uplmt_infinity", {"fees[1].pric_uplmt_amt": "Infinity"}, "fees[1].pric_uplmt_amt"),
    ("uplmt_float", {"fees[1].pric_uplmt_amt": 1000.0}, "fees[1].pric_uplmt_amt"),
    # selfpay_prop: in [0, 1], at most 4 decimal places
    ("selfpay_above_one", {"fees[1].selfpay_prop": "1.0001"}, "fees[1].selfpay_prop"),
    ("selfpay_two", {"fees[1].selfpay_prop": 2}, "fees[1].selfpay_prop"),
    ("selfpay_negative", {"fees[1].selfpay_prop": "-0.0001"}, "fees[1].selfpay_prop"),
    ("selfpay_5_places", {"fees[1].selfpay_prop": "0.12345"}, "fees[1].selfpay_prop"),
    ("selfpay_nan", {"fees[1].selfpay_prop": "NaN"}, "fees[1].selfpay_prop"),
    ("selfpay_float", {"fees[1].selfpay_prop": 0.2}, "fees[1].selfpay_prop"),
    ("selfpay_bool", {"fees[1].selfpay_prop": True}, "fees[1].selfpay_prop"),
    # det_item_fee_sumamt: when given, cnt × pric rounded half-up to the cent
    ("sumamt_off_by_a_cent", {"fees[1].det_item_fee_sumamt": "1200.01"},
     "fees[1].det_item_fee_sumamt"),
    ("sumamt_unrounded", {"fees[0].cnt": "1", "fees[0].pric": "0.345",
                          "fees[0].det_item_fee_sumamt": "0.345"}, "fees[0].det_item_fee_sumamt"),
    ("sumamt_half_even", {"fees[0].cnt": "1", "fees[0].pric": "0.345",
                          "fees[0].det_item_fee_sumamt": "0.34"}, "fees[0].det_item_fee_sumamt"),
    ("sumamt_negative", {"fees[0].det_item_fee_sumamt": "-21.00"},
     "fees[0].det_item_fee_sumamt"),
    ("sumamt_nan", {"fees[0].det_item_fee_sumamt": "NaN"}, "fees[0].det_item_fee_sumamt"),
    # acct_balc: ≥ 0, at most 2 decimal places
    ("acct_balc_negative", {"acct_balc": "-0.01"}, "acct_balc"),
    ("acct_balc_3_places", {"acct_balc": "0.001"}, "acct_balc"),
    ("acct_balc_nan", {"acct_balc": "NaN"}, "acct_balc"),
    ("acct_balc_infinity", {"acct_balc": "Infinity"}, "acct_balc"),
    ("acct_balc_float", {"acct_balc": 100.0}, "acct_balc"),
    ("acct_balc_bool", {"acct_balc": True}, "acct_balc"),
    ("use_acct_not_bool", {"use_acct": "true"}, "use_acct"),
    # ytd: an object; money ≥ 0 with ≤ 2 places; admissions a whole number ≥ 0
    ("ytd_not_object", {"ytd": [0]}, "ytd"),
    ("admissions_negative", {"ytd.admissions": -1}, "ytd.admissions"),
    ("admissions_fraction", {"ytd.admissions": Decimal("1.5")}, "ytd.admissions"),
    ("admissions_bool", {"ytd.admissions": True}, "ytd.admissions"),
    ("admissions_float", {"ytd.admissions": 1.5}, "ytd.admissions"),
    *[(f"{key}_negative", {f"ytd.{key}": "-0.01"}, f"ytd.{key}") for key in YTD_MONEY],
    *[(f"{key}_3_places", {f"ytd.{key}": "0.001"}, f"ytd.{key}") for key in YTD_MONEY],
    ("hifp_paid_nan", {"ytd.hifp_paid": "NaN"}, "ytd.hifp_paid"),
    ("si_base_infinity", {"ytd.si_base": "Infinity"}, "ytd.si_base"),
    ("maf_paid_float", {"ytd.maf_paid": 0.0}, "ytd.maf_paid"),
    ("op_dedc_used_bool", {"ytd.op_dedc_used": False}, "ytd.op_dedc_used"),
]


@pytest.mark.parametrize(("changes", "field"), [pytest.param(c, f, id=i) for i, c, f in REFUSED])
def test_refused(changes: dict[str, Any], field: str) -> None:
    err = refused(changed(changes))
    assert err.field == field
    assert isinstance(err.message, str) and err.message.strip()
    assert err.to_json() == {"error": {"field": field, "message": err.message}}


@pytest.mark.parametrize("doc", [None, [], "{}", 3], ids=["null", "list", "text", "number"])
def test_document_not_an_object(doc: object) -> None:
    assert refused(doc).field == ""


def test_unreadable_policy_file_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "511623-2024.toml"
    bad.write_text("[policy]\nid = \"511623-2024\"\n", encoding="utf-8")  # missing keys
    err = refused(changed({"policy": str(bad)}))
    assert err.field == "policy" and err.message


def test_policy_file_path_is_accepted(tmp_path: Path) -> None:
    good = tmp_path / "511623-2024.toml"
    good.write_text("[policy]\nid = \"511623-2024\"\nregion = \"511623\"\nyear = 2024\n"
                    "class_b_selfpay = \"0.10\"\n", encoding="utf-8")
    assert parse(changed({"policy": str(good)})).policy == str(good)


# What must be accepted: (id, changes to BASE, a check on the parsed request).
ACCEPTED: list[tuple[str, dict[str, Any], Callable[[SettleRequest], bool]]] = [
    ("unknown_keys_everywhere",
     {"extra": {"x": 1}, "person.naty": "01", "visit.dise_codg": "I10",
      "fees[0].bilg_dept_codg": "A01", "ytd.future_accumulator": "-1"},
     lambda r: len(r.fees) == 3),
    ("json_integers", {"fees[0].cnt": 2, "fees[0].pric": 10, "fees[1].selfpay_prop": 0,
                       "fees[1].pric_uplmt_amt": 1000, "fees[1].det_item_fee_sumamt": 1200,
                       "acct_balc": 100, "ytd.hifp_paid": 0, "ytd.admissions": 3},
     lambda r: r.fees[0].cnt == 2 and r.fees[0].pric == 10 and r.acct_balc == 100
     and r.ytd.admissions == 3 and r.fees[1].selfpay_prop == 0),
    ("json_decimals", {"fees[0].cnt": Decimal("2.5"), "fees[0].pric": Decimal("10.123456"),
                       "ytd.si_base": Decimal("12.30")},
     lambda r: r.fees[0].cnt == Decimal("2.5") and r.ytd.si_base == Decimal("12.3")),
    ("ytd_missing", {"ytd": DELETE}, lambda r: r.ytd == Ytd()),
    ("ytd_null", {"ytd": None}, lambda r: r.ytd == Ytd()),
    ("ytd_empty", {"ytd": {}}, lambda r: r.ytd == Ytd()),
    ("ytd_partial", {"ytd": {"hifp_paid": "12.34"}},
     lambda r: r.ytd == Ytd(hifp_paid=Decimal("12.34"))),
    ("fees_2000_lines", {"fees": FEES_2000}, lambda r: len(r.fees) == 2000),
    ("fees_one_line", {"fees": [line("1")]}, lambda r: len(r.fees) == 1),
    ("cnt_10000", {"fees[0].cnt": "10000"}, lambda r: r.fees[0].cnt == 10000),
    ("cnt_4_places", {"fees[0].cnt": "0.0001"}, lambda r: r.fees[0].cnt == Decimal("0.0001")),
    ("pric_limit", {"fees[0].pric": "10000000"}, lambda r: r.fees[0].pric == 10_000_000),
    ("pric_6_places", {"fees[0].pric": "1.123456"},
     lambda r: r.fees[0].pric == Decimal("1.123456")),
    ("pric_zero", {"fees[0].pric": "0"}, lambda r: r.fees[0].pric == 0),
    ("uplmt_limit", {"fees[1].pric_uplmt_amt": "10000000"},
     lambda r: r.fees[1].pric_uplmt_amt == 10_000_000),
    ("uplmt_6_places", {"fees[1].pric_uplmt_amt": "999.000001"},
     lambda r: r.fees[1].pric_uplmt_amt == Decimal("999.000001")),
    ("selfpay_one", {"fees[1].selfpay_prop": "1"}, lambda r: r.fees[1].selfpay_prop == 1),
    ("selfpay_zero", {"fees[1].selfpay_prop": "0"}, lambda r: r.fees[1].selfpay_prop == 0),
    ("selfpay_4_places", {"fees[1].selfpay_prop": "0.1234"},
     lambda r: r.fees[1].selfpay_prop == Decimal("0.1234")),
    ("selfpay_missing_is_policy_default", {"fees[1].selfpay_prop": DELETE},
     lambda r: r.fees[1].selfpay_prop is None),
    ("sumamt_half_up", {"fees[0].cnt": "1", "fees[0].pric": "0.345",
                        "fees[0].det_item_fee_sumamt": "0.35"}, lambda r: True),
    ("sumamt_of_many_places", {"fees[0].cnt": "3", "fees[0].pric": "0.333335",
                               "fees[0].det_item_fee_sumamt": "1.00"}, lambda r: True),
    ("acct_balc_cent", {"acct_balc": "0.01"}, lambda r: r.acct_balc == Decimal("0.01")),
    ("acct_balc_missing", {"acct_balc": DELETE}, lambda r: r.acct_balc == 0),
    ("use_acct_missing", {"use_acct": DELETE}, lambda r: r.use_acct is False),
    ("same_day", {"visit.enddate": "2024-03-01"}, lambda r: r.visit.enddate == r.visit.begndate),
    ("no_dates", {"visit.begndate": DELETE, "visit.enddate": DELETE},
     lambda r: r.visit.begndate is None and r.visit.enddate is None),
    ("offsite_missing_is_local", {"visit.offsite": DELETE}, lambda r: r.visit.offsite == "local"),
    *[(f"offsite_{kind}", {"visit.offsite": kind}, lambda r, k=kind: r.visit.offsite == k)
      for kind in ("local", "filed", "referral", "temporary", "unfiled")],
    ("groups_missing", {"person.groups": DELETE}, lambda r: r.person.groups == frozenset()),
    ("all_groups", {"person.groups": ["tekun", "dibao", "fanpin", "dibao_edge", "jianche",
                                      "yinbing", "tuopin"]},
     lambda r: len(r.person.groups) == 7),
    ("retired", {"person.psn_type": "retired"}, lambda r: r.person.psn_type == "retired"),
    ("resident", {"person.insutype": "390", "person.psn_type": "resident"},
     lambda r: r.person.insutype == "390"),
    ("fixmedins_code_missing", {"visit.fixmedins_code": DELETE},
     lambda r: r.visit.fixmedins_code is None),
    ("negative_zero", {"fees[0].pric": "-0", "ytd.hifp_paid": "-0.00"},
     lambda r: r.fees[0].pric == 0 and r.ytd.hifp_paid == 0),
]


@pytest.mark.parametrize(("changes", "check"),
                         [pytest.param(c, k, id=i) for i, c, k in ACCEPTED])
def test_accepted(changes: dict[str, Any], check: Callable[[SettleRequest], bool]) -> None:
    assert check(parse(changed(changes)))


def test_json_numbers_are_read_from_their_text() -> None:
    text = json.dumps(changed({}))
    assert '"cnt": "2", "pric": "10.50"' in text
    text = text.replace('"cnt": "2", "pric": "10.50"', '"cnt": 2.0000, "pric": 10.100001')
    req = parse(json.loads(text, parse_float=Decimal))
    assert req.fees[0].cnt == 2 and req.fees[0].pric == Decimal("10.100001")


def test_json_nan_token_is_refused() -> None:
    text = json.dumps(changed({})).replace('"acct_balc": "100.00"', '"acct_balc": NaN')
    assert refused(json.loads(text, parse_float=Decimal)).field == "acct_balc"


# Two problems in one document: the one earlier in document order is reported.
FIRST_PROBLEM: list[tuple[str, dict[str, Any], str]] = [
    ("policy_before_person", {"policy": "999999-2024", "person.insutype": "1"}, "policy"),
    ("person_before_visit", {"person.groups": ["x"], "visit.hosp_lv": "9"}, "person.groups[0]"),
    ("insutype_before_groups", {"person.insutype": "1", "person.groups": ["x"]},
     "person.insutype"),
    ("visit_before_fees", {"visit.enddate": "2000-01-01", "fees": []}, "visit.enddate"),
    ("cnt_before_pric", {"fees[0].cnt": "0", "fees[0].pric": "-1"}, "fees[0].cnt"),
    ("earlier_line_first", {"fees[0].pric": "-1", "fees[1].cnt": "0"}, "fees[0].pric"),
    ("fees_before_ytd", {"fees[2].pric": "-1", "ytd.hifp_paid": "-1"}, "fees[2].pric"),
    ("ytd_before_acct_balc", {"ytd.maf_paid": "-1", "acct_balc": "-1"}, "ytd.maf_paid"),
    ("acct_balc_before_use_acct", {"acct_balc": "-1", "use_acct": 1}, "acct_balc"),
    ("line_count_before_lines", {"fees": [{"cnt": "0"}, *FEES_2000]}, "fees"),
    # A repeated feedetl_sn at fees[1] comes before a bad price at fees[2] in the document.
    ("repeated_sn_before_later_line",
     {"fees[1].feedetl_sn": "1", "fees[2].pric": "-1"}, "fees[1].feedetl_sn"),
]


@pytest.mark.parametrize(("changes", "field"),
                         [pytest.param(c, f, id=i) for i, c, f in FIRST_PROBLEM])
def test_first_problem_in_document_order(changes: dict[str, Any], field: str) -> None:
    assert refused(changed(changes)).field == field
