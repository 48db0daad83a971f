"""`yibao catalog import FILE` on a fresh database: the catalogue is loaded, a second import
changes nothing, a file with wrong rows is refused row by row (zh-CN) and writes nothing."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from yibao.cli import app

CATALOGUE = ("hilist_code,hilist_name,chrg_itm_lv,selfpay_prop,pric_uplmt_amt,lmt_sex,"
             "lmt_age_min,lmt_age_max,lmt_hosp_lv_min,lmt_hosp_lv_max\n"
             "X001,阿莫西林胶囊,01,,40.00,,,,,\n"
             "X002,头孢克肟片,02,0.10,20.00,,,,,\n")

runner = CliRunner()


def test_import_twice(fresh_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "catalogue.csv"
    path.write_text(CATALOGUE, encoding="utf-8")
    first = runner.invoke(app, ["catalog", "import", str(path)])
    assert first.exit_code == 0, first.output
    assert "新增 2 项" in first.output
    second = runner.invoke(app, ["catalog", "import", str(path)])
    assert second.exit_code == 0 and "新增 0 项，更新 0 项，未变 2 项" in second.output
    changed = tmp_path / "changed.parquet"
    pl.read_csv(path, infer_schema_length=0).with_columns(
        pl.when(pl.col("hilist_code") == "X001").then(pl.lit("45.00"))
        .otherwise(pl.col("pric_uplmt_amt")).alias("pric_uplmt_amt")).write_parquet(changed)
    third = runner.invoke(app, ["catalog", "import", str(changed)])
    assert third.exit_code == 0 and "更新 1 项" in third.output, third.output


def test_wrong_rows_are_named_and_nothing_written(fresh_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(CATALOGUE + "X003,,01,,-5,,,,,\nX004,名,9,,,,,,,\n", encoding="utf-8")
    result = runner.invoke(app, ["catalog", "import", str(path)])
    assert result.exit_code == 2
    assert "hilist_name" in result.output and "chrg_itm_lv" in result.output
    good = tmp_path / "good.csv"
    good.write_text(CATALOGUE, encoding="utf-8")
    assert "新增 2 项" in runner.invoke(app, ["catalog", "import", str(good)]).output


def test_missing_file(fresh_db: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["catalog", "import", str(tmp_path / "none.csv")])
    assert result.exit_code == 2 and "Traceback" not in result.output
