"""Catalogue files load the same from CSV and Parquet, keep decimals exact, and report every bad
row at once with its record number, column and a zh-CN reason."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from yibao.catalog import (
    Catalog,
    CatalogError,
    FeeItem,
    Institution,
    Restrictions,
    RowError,
    load_fee_items,
    load_institutions,
)
from yibao.catalog.load import ERRORS_SHOWN_MAX, FEE_COLUMNS, INSTITUTION_COLUMNS

FEES_CSV = """\
hilist_code,hilist_name,chrg_itm_lv,selfpay_prop,pric_uplmt_amt,lmt_sex,lmt_age_min,lmt_age_max,lmt_hosp_lv_min,lmt_hosp_lv_max
XA01ABD075A002010100483,阿莫西林胶囊,01,,,,,,,
C0123,一次性输液器,02,0.20,1000.00,,,,,
001,普通床位费,03,,,,,,,
XG03DAH046B002010100001,黄体酮注射液,02,0.10,35.123456,F,14,60,2,3
"""

EXPECTED_ITEMS = (
    FeeItem("XA01ABD075A002010100483", "阿莫西林胶囊", "01"),
    FeeItem("C0123", "一次性输液器", "02", Decimal("0.20"), Decimal("1000.00")),
    FeeItem("001", "普通床位费", "03"),
    FeeItem(
        "XG03DAH046B002010100001",
        "黄体酮注射液",
        "02",
        Decimal("0.10"),
        Decimal("35.123456"),
        Restrictions(sex="F", age_min=14, age_max=60, min_hosp_lv="2", max_hosp_lv="3"),
    ),
)

INSTITUTIONS_CSV = """\
fixmedins_code,fixmedins_name,hosp_lv,kind,admdvs
H51162300001,邻水县人民医院,2,hospital,511623
H51162300002,邻水县某乡镇卫生院,1,clinic,511623
P51162300012,邻水县某大药房,1,pharmacy,511623
"""

GOOD_FEE_ROW = dict(zip(FEE_COLUMNS, FEES_CSV.splitlines()[2].split(","), strict=True))
GOOD_INSTITUTION_ROW = dict(
    zip(INSTITUTION_COLUMNS, INSTITUTIONS_CSV.splitlines()[1].split(","), strict=True)
)


def write_csv(path: Path, columns: tuple[str, ...], rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def as_parquet(csv_path: Path) -> Path:
    target = csv_path.with_suffix(".parquet")
    pl.read_csv(csv_path, infer_schema=False).write_parquet(target)
    return target


def errors_of(call: object, *args: object) -> tuple[RowError, ...]:
    assert callable(call)
    with pytest.raises(CatalogError) as caught:
        call(*args)
    return caught.value.errors


# --- good files ---


def test_fee_items_from_csv_are_exact(tmp_path: Path) -> None:
    path = tmp_path / "fees.csv"
    path.write_text(FEES_CSV, encoding="utf-8")
    catalog = load_fee_items(path)
    assert catalog.items == EXPECTED_ITEMS
    item = catalog.get("C0123")
    assert item is not None
    assert str(item.selfpay_prop) == "0.20"
    assert str(item.pric_uplmt_amt) == "1000.00"


def test_csv_and_parquet_give_the_same_catalogue(tmp_path: Path) -> None:
    path = tmp_path / "fees.csv"
    path.write_text(FEES_CSV, encoding="utf-8")
    assert load_fee_items(as_parquet(path)) == load_fee_items(path)


def test_parquet_with_decimal_and_integer_columns(tmp_path: Path) -> None:
    frame = pl.read_csv(FEES_CSV.encode(), infer_schema=False).with_columns(
        pl.col("selfpay_prop").cast(pl.Decimal(10, 4)),
        pl.col("pric_uplmt_amt").cast(pl.Decimal(18, 6)),
        pl.col("lmt_age_min", "lmt_age_max").cast(pl.Int32),
    )
    path = tmp_path / "typed.PARQUET"
    frame.write_parquet(path)
    assert load_fee_items(path).items == EXPECTED_ITEMS


def test_bom_and_extra_columns_are_accepted(tmp_path: Path) -> None:
    lines = FEES_CSV.splitlines()
    text = "\ufeff" + "\n".join(f"{line},note" for line in lines) + "\n"
    path = tmp_path / "fees.csv"
    path.write_text(text, encoding="utf-8")
    assert load_fee_items(path).items == EXPECTED_ITEMS


def test_header_only_gives_an_empty_catalogue(tmp_path: Path) -> None:
    path = tmp_path / "fees.csv"
    path.write_text(FEES_CSV.splitlines()[0] + "\n", encoding="utf-8")
    assert load_fee_items(path) == Catalog(())


def test_institutions_from_csv_and_parquet(tmp_path: Path) -> None:
    path = tmp_path / "inst.csv"
    path.write_text(INSTITUTIONS_CSV, encoding="utf-8")
    registry = load_institutions(path)
    assert registry.get("P51162300012") == Institution(
        "P51162300012", "邻水县某大药房", "1", "pharmacy", "511623"
    )
    assert len(registry) == 3
    assert load_institutions(as_parquet(path)) == registry


# --- bad cells, one per row of the table ---

BAD_FEE_CELLS = [
    ("hilist_code", "", "不能为空"),
    ("hilist_code", "C 0123", "空白"),
    ("hilist_code", "C" * 51, "50"),
    ("hilist_name", "", "不能为空"),
    ("hilist_name", "   ", "不能为空"),
    ("chrg_itm_lv", "2", "前导零"),
    ("chrg_itm_lv", "04", "01、02、03"),
    ("chrg_itm_lv", "", "01、02、03"),
    ("selfpay_prop", "1.5", "不得大于 1"),
    ("selfpay_prop", "0.12345", "小数位数"),
    ("selfpay_prop", "-0.1", "不得小于 0"),
    ("selfpay_prop", "abc", "不是有效的数字"),
    ("selfpay_prop", " 0.1", "不是有效的数字"),
    ("pric_uplmt_amt", "NaN", "NaN"),
    ("pric_uplmt_amt", "10000000.01", "不得大于"),
    ("pric_uplmt_amt", "1.1234567", "小数位数"),
    ("lmt_sex", "男", "M、F"),
    ("lmt_sex", "m", "M、F"),
    ("lmt_age_min", "-1", "年龄"),
    ("lmt_age_min", "1.5", "年龄"),
    ("lmt_age_max", "151", "年龄"),
    ("lmt_age_max", "１", "年龄"),
    ("lmt_hosp_lv_min", "0", "1、2、3"),
    ("lmt_hosp_lv_max", "4", "1、2、3"),
]


@pytest.mark.parametrize(("column", "value", "fragment"), BAD_FEE_CELLS)
def test_bad_fee_cell(tmp_path: Path, column: str, value: str, fragment: str) -> None:
    row = GOOD_FEE_ROW | {column: value}
    path = write_csv(tmp_path / "fees.csv", FEE_COLUMNS, [GOOD_FEE_ROW | {"hilist_code": "A"}, row])
    (error,) = errors_of(load_fee_items, path)
    assert (error.row, error.column) == (2, column)
    assert fragment in error.message


@pytest.mark.parametrize(
    ("cells", "column"),
    [
        ({"lmt_age_min": "60", "lmt_age_max": "14"}, "lmt_age_max"),
        ({"lmt_hosp_lv_min": "3", "lmt_hosp_lv_max": "2"}, "lmt_hosp_lv_max"),
    ],
)
def test_inverted_bounds(tmp_path: Path, cells: dict[str, str], column: str) -> None:
    path = write_csv(tmp_path / "fees.csv", FEE_COLUMNS, [GOOD_FEE_ROW | cells])
    (error,) = errors_of(load_fee_items, path)
    assert (error.row, error.column) == (1, column)


@pytest.mark.parametrize(
    "cells",
    [
        {"lmt_age_min": "0", "lmt_age_max": "150"},
        {"lmt_age_min": "14", "lmt_age_max": "14"},
        {"lmt_hosp_lv_min": "2", "lmt_hosp_lv_max": "2"},
        {"selfpay_prop": "1", "pric_uplmt_amt": "10000000"},
        {"selfpay_prop": "0.0000", "pric_uplmt_amt": "0"},
        {"selfpay_prop": "0.10000000", "pric_uplmt_amt": "1.123456000"},
    ],
)
def test_boundaries_are_accepted(tmp_path: Path, cells: dict[str, str]) -> None:
    path = write_csv(tmp_path / "fees.csv", FEE_COLUMNS, [GOOD_FEE_ROW | cells])
    assert len(load_fee_items(path)) == 1


BAD_INSTITUTION_CELLS = [
    ("fixmedins_code", "H5116230000", "应为 12 位"),
    ("fixmedins_code", "X51162300001", "应以 H"),
    ("fixmedins_code", "H99162300001", "不存在"),
    ("fixmedins_name", "", "不能为空"),
    ("hosp_lv", "", "1、2、3"),
    ("hosp_lv", "三级", "1、2、3"),
    ("kind", "Hospital", "hospital、pharmacy、clinic"),
    ("kind", "pharmacy", "应为 hospital、clinic"),
    ("admdvs", "", "不能为空"),
    ("admdvs", "51162", "应为 6 位"),
    ("admdvs", "991623", "不存在"),
]


@pytest.mark.parametrize(("column", "value", "fragment"), BAD_INSTITUTION_CELLS)
def test_bad_institution_cell(tmp_path: Path, column: str, value: str, fragment: str) -> None:
    path = write_csv(
        tmp_path / "inst.csv", INSTITUTION_COLUMNS, [GOOD_INSTITUTION_ROW | {column: value}]
    )
    (error,) = errors_of(load_institutions, path)
    assert (error.row, error.column) == (1, column)
    assert fragment in error.message


def test_pharmacy_code_needs_pharmacy_kind(tmp_path: Path) -> None:
    row = GOOD_INSTITUTION_ROW | {"fixmedins_code": "P51162300012", "kind": "clinic"}
    path = write_csv(tmp_path / "inst.csv", INSTITUTION_COLUMNS, [row])
    (error,) = errors_of(load_institutions, path)
    assert error.column == "kind"
    assert "应为 pharmacy" in error.message


# --- every error at once ---


def test_every_bad_row_and_cell_is_reported(tmp_path: Path) -> None:
    rows = [
        GOOD_FEE_ROW | {"hilist_code": "A", "chrg_itm_lv": "9", "selfpay_prop": "2"},
        GOOD_FEE_ROW | {"hilist_code": "B"},
        GOOD_FEE_ROW | {"hilist_code": "C", "lmt_sex": "X"},
        GOOD_FEE_ROW | {"hilist_code": "B", "pric_uplmt_amt": "-1"},
        GOOD_FEE_ROW | {"hilist_code": "A"},
    ]
    path = write_csv(tmp_path / "fees.csv", FEE_COLUMNS, rows)
    with pytest.raises(CatalogError) as caught:
        load_fee_items(path)
    found = [(e.row, e.column, e.key) for e in caught.value.errors]
    assert found == [
        (1, "chrg_itm_lv", "A"),
        (1, "selfpay_prop", "A"),
        (3, "lmt_sex", "C"),
        (4, "pric_uplmt_amt", "B"),
        (4, "hilist_code", "B"),
        (5, "hilist_code", "A"),
    ]
    assert "与第 2 条记录相同" in caught.value.errors[4].message
    assert "与第 1 条记录相同" in caught.value.errors[5].message
    assert str(path) in caught.value.message
    assert "共 6 处错误" in caught.value.message
    assert "第 3 条记录（C） lmt_sex" in caught.value.message


def test_duplicate_institution_codes(tmp_path: Path) -> None:
    rows = [GOOD_INSTITUTION_ROW, GOOD_INSTITUTION_ROW | {"fixmedins_name": "另一家"}]
    path = write_csv(tmp_path / "inst.csv", INSTITUTION_COLUMNS, rows)
    (error,) = errors_of(load_institutions, path)
    assert (error.row, error.column) == (2, "fixmedins_code")


def test_long_error_lists_are_shortened_in_the_message_only(tmp_path: Path) -> None:
    bad = [GOOD_FEE_ROW | {"hilist_code": f"A{i}", "chrg_itm_lv": "9"} for i in range(60)]
    path = write_csv(tmp_path / "fees.csv", FEE_COLUMNS, bad)
    with pytest.raises(CatalogError) as caught:
        load_fee_items(path)
    assert len(caught.value.errors) == 60
    assert f"另有 {60 - ERRORS_SHOWN_MAX} 处错误未列出" in caught.value.message


# --- whole-file problems ---


def test_missing_columns_are_all_named(tmp_path: Path) -> None:
    path = tmp_path / "fees.csv"
    path.write_text("hilist_code,hilist_name,chrg_itm_lv,lmt_sex\nA,甲,01,\n", encoding="utf-8")
    errors = errors_of(load_fee_items, path)
    assert [e.column for e in errors] == [
        "selfpay_prop",
        "pric_uplmt_amt",
        "lmt_age_min",
        "lmt_age_max",
        "lmt_hosp_lv_min",
        "lmt_hosp_lv_max",
    ]
    assert all(e.row is None and e.message == "缺少此列" for e in errors)


def test_float_money_column_in_parquet_is_refused(tmp_path: Path) -> None:
    frame = pl.read_csv(FEES_CSV.encode(), infer_schema=False).with_columns(
        pl.col("selfpay_prop").cast(pl.Float64)
    )
    path = tmp_path / "fees.parquet"
    frame.write_parquet(path)
    (error,) = errors_of(load_fee_items, path)
    assert (error.row, error.column) == (None, "selfpay_prop")
    assert "浮点" in error.message


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("fees.xlsx", b"", "不支持的文件类型 .xlsx"),
        ("fees", b"", "无扩展名"),
        ("fees.csv", "hilist_code\n邻水\n".encode("gbk"), "UTF-8"),
        ("fees.csv", b"", "无法读取"),
        ("fees.parquet", b"not parquet", "无法读取"),
    ],
)
def test_unreadable_files(tmp_path: Path, name: str, content: bytes, fragment: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    (error,) = errors_of(load_fee_items, path)
    assert error.row is None
    assert fragment in error.message


def test_missing_file(tmp_path: Path) -> None:
    (error,) = errors_of(load_institutions, tmp_path / "absent.csv")
    assert "无法读取" in error.message


def test_row_limit_and_limit_plus_one(tmp_path: Path) -> None:
    rows = [GOOD_FEE_ROW | {"hilist_code": f"A{i}"} for i in range(3)]
    path = write_csv(tmp_path / "fees.csv", FEE_COLUMNS, rows)
    assert len(load_fee_items(path, rows_max=3)) == 3
    (error,) = errors_of(lambda p: load_fee_items(p, rows_max=2), path)
    assert "超过上限 2" in error.message
