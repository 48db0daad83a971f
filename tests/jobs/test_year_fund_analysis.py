"""`yibao fund analyze` after a small year job (scale 0.005, SQLite): the figures agree with the
simulated year computed apart (contributions by scheme, fund payments by discharge month), the
funds without income are warned about, and bad input ends in one zh-CN sentence, nothing written.
"""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from yibao.cli import app
from yibao.core.money import fmt, from_fen
from yibao.fund.postings import TxnKind
from yibao.jobs.year import read_year, settle_year
from yibao.jobs.year_store import event_day, load_year
from yibao.policy.loader import load_policy
from yibao.services.sim import run_sim
from yibao.sim.columns import to_columns
from yibao.sim.profile import load_profile

runner = CliRunner()
REGION = "511623"
MONEY = re.compile(r"^-?\d+\.\d{2}$")
FOUR = re.compile(r"^-?\d+\.\d{4}$")
RESIDENT_INCOME = ("individual", "assistance", "subsidy_central", "subsidy_provincial",
                   "subsidy_local")


@pytest.fixture(scope="module")
def year_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, pl.DataFrame, pl.DataFrame]:
    folder = tmp_path_factory.mktemp("sim")
    run_sim("linshui-2020", 0.005, 7, folder)
    name, _scale, tables = read_year(folder)
    profile = load_profile(name)
    cols = to_columns(tables.visits, tables.fee_lines, tables.persons, tables.contributions,
                      load_policy(profile.policy), profile.year)
    result = settle_year(cols, tables, workers=1)
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'year.db'}"
    load_year(tables, cols, result, url)
    paid = tables.visits.select("insutype", "enddate").with_columns(
        *(pl.Series(k, result.values[k]) for k in ("hifp_pay", "maf_pay", "hifmi_pay")))
    return url, tables.contributions, paid


@pytest.fixture
def analyzed(year_db: tuple[str, pl.DataFrame, pl.DataFrame], tmp_path: Path,
             monkeypatch: pytest.MonkeyPatch) -> tuple[str, dict, pl.DataFrame, pl.DataFrame]:
    url, contributions, paid = year_db
    monkeypatch.setenv("YIBAO_DATABASE_URL", url)
    out = tmp_path / "fund.json"
    done = runner.invoke(app, ["fund", "analyze", "--region", REGION, "--year", "2020",
                               "--json", str(out)])
    assert done.exit_code == 0, done.output
    return done.stdout, json.loads(out.read_text(encoding="utf-8")), contributions, paid


def test_the_table_is_readable_chinese(analyzed: tuple[str, dict, pl.DataFrame,
                                                       pl.DataFrame]) -> None:
    stdout, _doc, _c, _p = analyzed
    for words in ("居民医保统筹基金：逐月收支（元）", "2020 年基金运行情况（元）", "当期收支率",
                  "可支付月数", "风险预警", "医疗救助基金"):
        assert words in stdout, words
    resident = _doc["funds"]["resident_pool"]["year"]["income"]
    assert f"{Decimal(resident):,}" in stdout  # read with thousands separators


def test_the_document_has_the_issues_shape(analyzed: tuple[str, dict, pl.DataFrame,
                                                           pl.DataFrame]) -> None:
    _stdout, doc, _c, _p = analyzed
    assert set(doc) == {"region", "year", "funds", "warnings"}
    assert (doc["region"], doc["year"]) == (REGION, 2020)
    for fund in doc["funds"].values():
        assert [m["month"] for m in fund["months"]] == [f"2020-{m:02d}" for m in range(1, 13)]
        for m in fund["months"]:
            assert set(m) == {"month", "income", "expenditure", "balance"}
            assert all(MONEY.match(m[k]) for k in ("income", "expenditure", "balance"))
        y = fund["year"]
        assert set(y) == {"income", "expenditure", "balance_open", "balance_close",
                          "current_ratio", "months_payable", "level"}
        assert all(MONEY.match(y[k]) for k in ("income", "expenditure", "balance_open",
                                               "balance_close"))
        assert all(y[k] is None or FOUR.match(y[k]) for k in ("current_ratio", "months_payable"))
    for w in doc["warnings"]:
        assert set(w) == {"fund", "indicator", "value", "level", "message"}


def test_the_figures_are_the_simulated_years(analyzed: tuple[str, dict, pl.DataFrame,
                                                             pl.DataFrame]) -> None:
    _stdout, doc, contributions, paid = analyzed
    residents = contributions.filter(pl.col("insutype") == "390")
    income = int(residents.select(pl.sum_horizontal(*(f"{n}_fen" for n in RESIDENT_INCOME))
                                  .sum()).item())
    premium = int(residents["serious_illness_fen"].sum())
    pool = doc["funds"]["resident_pool"]
    assert pool["year"]["income"] == fmt(from_fen(income))
    assert pool["months"][0]["income"] == fmt(from_fen(income))  # booked at the year's start
    assert pool["year"]["balance_open"] == "0.00"
    by_month = paid.filter(pl.col("insutype") == "390").group_by(
        pl.col("enddate").dt.month().alias("m")).agg(pl.col("hifp_pay").sum())
    spent = dict(by_month.iter_rows())
    for m in range(2, 13):  # January also carries the serious-illness premium
        assert pool["months"][m - 1]["expenditure"] == fmt(from_fen(spent.get(m, 0))), m
    assert pool["months"][0]["expenditure"] == fmt(from_fen(spent.get(1, 0) + premium))
    serious = doc["funds"]["serious_illness"]["year"]
    assert serious["income"] == fmt(from_fen(premium))
    assert serious["expenditure"] == fmt(from_fen(int(paid["hifmi_pay"].sum())))


def test_funds_without_income_are_warned_about(analyzed: tuple[str, dict, pl.DataFrame,
                                                              pl.DataFrame]) -> None:
    stdout, doc, _c, paid = analyzed
    assert int(paid["maf_pay"].sum()) > 0
    warned = {(w["fund"], w["level"]) for w in doc["warnings"]}
    assert ("assistance", "insufficient") in warned
    assert ("assistance", "deficit") in warned
    assistance = doc["funds"]["assistance"]["year"]
    assert assistance["balance_close"].startswith("-")
    assert assistance["level"] == "insufficient"
    assert "医疗救助基金：期末累计结余为负" in stdout


@pytest.mark.parametrize(("args", "words"), [
    (["--region", "51162", "--year", "2020"], "6 位数字"),
    (["--region", REGION, "--year", "2019"], "没有任何基金记账"),
    (["--region", "511699", "--year", "2020"], "没有任何基金记账"),
    (["--region", REGION, "--year", "2999"], "年度 2999 无法分析"),
])
def test_bad_input_ends_in_one_sentence(year_db: tuple[str, pl.DataFrame, pl.DataFrame],
                                        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        args: list[str], words: str) -> None:
    monkeypatch.setenv("YIBAO_DATABASE_URL", year_db[0])
    out = tmp_path / "fund.json"
    done = runner.invoke(app, ["fund", "analyze", *args, "--json", str(out)])
    assert done.exit_code == 2, done.output
    assert words in done.stderr
    assert "Traceback" not in done.output
    assert not out.exists()


def test_a_bad_thresholds_file_names_file_key_and_line(
        year_db: tuple[str, pl.DataFrame, pl.DataFrame], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YIBAO_DATABASE_URL", year_db[0])
    bad = tmp_path / "bureau.toml"
    bad.write_text('[months_payable]\ninsufficient_below = "3"\nlow_below = "2"\n'
                   'reasonable_up_to = "9"\nhigh_up_to = "15"\n[current_ratio]\n'
                   'deficit_above = "1"\n[trend]\nyears = 2\n', encoding="utf-8")
    out = tmp_path / "fund.json"
    done = runner.invoke(app, ["fund", "analyze", "--region", REGION, "--year", "2020",
                               "--thresholds", str(bad), "--json", str(out)])
    assert done.exit_code == 2, done.output
    message = "".join(done.stderr.split())  # rich wraps long lines
    assert f"预警阈值文件{bad}:3不可用" in message
    assert "不得小于insufficient_below（3）" in message
    assert "months_payable.low_below" in message
    assert not out.exists()


def test_an_edited_threshold_changes_the_level(
        year_db: tuple[str, pl.DataFrame, pl.DataFrame], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YIBAO_DATABASE_URL", year_db[0])
    out = tmp_path / "fund.json"
    lax = tmp_path / "lax.toml"  # any balance not below zero is reasonable; deficit above 1000
    lax.write_text('[months_payable]\ninsufficient_below = "0"\nlow_below = "0"\n'
                   'reasonable_up_to = "100000"\nhigh_up_to = "100000"\n[current_ratio]\n'
                   'deficit_above = "1000"\n[trend]\nyears = 2\n', encoding="utf-8")
    done = runner.invoke(app, ["fund", "analyze", "--region", REGION, "--year", "2020",
                               "--thresholds", str(lax), "--json", str(out)])
    assert done.exit_code == 0, done.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    for code, fund in doc["funds"].items():
        y = fund["year"]
        if y["level"] is not None:
            negative = y["balance_close"].startswith("-")
            assert y["level"] == ("insufficient" if negative else "reasonable"), code
    # left: negative balances, and spending without any income (a deficit at any ratio)
    assert {(w["fund"], w["level"]) for w in doc["warnings"]} == {
        (code, "insufficient") for code, fund in doc["funds"].items()
        if fund["year"]["level"] == "insufficient"} | {
        (code, "deficit") for code, fund in doc["funds"].items()
        if fund["year"]["income"] == "0.00" and fund["year"]["expenditure"] != "0.00"}
    assert ("assistance", "insufficient") in {(w["fund"], w["level"]) for w in doc["warnings"]}


@pytest.mark.parametrize(("kind", "txn_id", "day"), [
    (TxnKind.RECEIPT, "RCV2020-02", date(2020, 2, 29)),            # a month's end, leap year
    (TxnKind.PAYMENT, "PAY2020-11-H51162300001", date(2020, 11, 30)),
    (TxnKind.PAYMENT, "PAY2020-YE-H51162300001", date(2020, 12, 31)),  # the year-end payment
    (TxnKind.CLEARING, "CLR2020-H51162300001", date(2020, 12, 31)),
    (TxnKind.OPENING, "OPN2020", date(2020, 1, 1)),
    (TxnKind.FUNDING, "FND2020", date(2020, 1, 1)),
])
def test_each_region_level_event_is_booked_on_its_day(kind: TxnKind, txn_id: str,
                                                      day: date) -> None:
    frame = pl.DataFrame({"txn_id": [txn_id]})
    assert frame.select(event_day(kind, 2020)).item() == day
