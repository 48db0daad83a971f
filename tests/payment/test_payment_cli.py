"""Proves the payment commands end to end on a small generated year: `yibao drg demo-cases`,
`weights`, `pay` (DRG with a city's parameters, and DIP) and `evaluate`, and that the hospital
amounts written sum to the budget to the fen."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from yibao.cli import app
from yibao.payment.shipped import SHIPPED_CITIES

PAYMENT = SHIPPED_CITIES


def test_payment_commands(tmp_path: Path):
    runner = CliRunner()
    year = tmp_path / "y.parquet"
    args = ["drg", "demo-cases", "-o", str(year), "--cases", "3000", "--hospitals", "5",
            "--city", "吉林2022", "--payment-dir", str(PAYMENT)]
    assert runner.invoke(app, args).exit_code == 0
    result = runner.invoke(app, ["drg", "pay", "-i", str(year), "--budget", "12345678.91",
                                 "-o", str(tmp_path / "drg"), "--city", "吉林2022",
                                 "--payment-dir", str(PAYMENT)])
    assert result.exit_code == 0, result.output
    assert "点值" in result.output
    hospitals = pl.read_csv(tmp_path / "drg" / "hospitals.csv")
    assert hospitals["amount_fen"].sum() == 1_234_567_891
    assert (hospitals["prepay_fen"] + hospitals["balance_fen"] == hospitals["amount_fen"]).all()
    result = runner.invoke(app, ["drg", "pay", "-i", str(year), "--budget", "1000",
                                 "-o", str(tmp_path / "dip"), "--method", "dip"])
    assert result.exit_code == 0, result.output
    assert pl.read_csv(tmp_path / "dip" / "hospitals.csv")["amount_fen"].sum() == 100_000
    result = runner.invoke(app, ["drg", "evaluate", "-i", str(year), "--previous", str(year),
                                 "-o", str(tmp_path / "eval")])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "eval" / "report.json").read_text(encoding="utf-8"))
    assert report["stability"]["mean_relative_change"] == 0
    assert (tmp_path / "eval" / "report.html").read_text(encoding="utf-8").count("<svg") >= 2
    assert runner.invoke(app, ["drg", "weights", "-i", str(year), "-o",
                               str(tmp_path / "w.csv")]).exit_code == 0


def test_bad_input_is_reported(tmp_path: Path):
    runner = CliRunner()
    result = runner.invoke(app, ["drg", "pay", "-i", str(tmp_path / "none.parquet"),
                                 "--budget", "1", "-o", str(tmp_path)])
    assert result.exit_code == 2 and "病例文件不存在" in result.output
    result = runner.invoke(app, ["drg", "pay", "-i", str(tmp_path / "none.parquet"),
                                 "--budget", "1.001", "-o", str(tmp_path)])
    assert result.exit_code != 0
