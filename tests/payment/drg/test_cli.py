"""`yibao drg group` end to end through typer's CliRunner: the sample CSV and a settlement-list
Parquet in, CSV and Parquet out, with the six output columns, the expected DRGs, a zh-CN summary
of counts by status, the rule pack taken from --rules or YIBAO_DRG_RULES, and clear errors."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from tests.payment.drg.conftest import RULES_DIR, SAMPLE_CSV
from yibao.cli.drg import app
from yibao.payment.drg import to_settlement
from yibao.payment.drg.loader import scheme_file_for

COLUMNS = ["Index", "mdc", "adrg", "drg", "status", "trace"]
RUNNER = CliRunner()


def _expected() -> dict[str, str]:
    sample = pl.read_csv(SAMPLE_CSV, infer_schema=False)
    return {i: d for i, d in zip(sample["Index"], sample["drg"], strict=True) if d}


def _check(out: pl.DataFrame) -> None:
    assert out.columns == COLUMNS and out.height == 30
    got = dict(zip(out["Index"].cast(pl.Utf8), out["drg"], strict=True))
    assert all(got[index] == drg for index, drg in _expected().items())


def test_sample_csv_to_csv(tmp_path: Path) -> None:
    out = tmp_path / "out" / "groups.csv"
    args = ["group", "--rules", str(RULES_DIR), "--input", str(SAMPLE_CSV), "--out", str(out)]
    result = RUNNER.invoke(app, args, env={"XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert result.exit_code == 0, result.output
    assert "已分组 30 例" in result.output and str(out) in result.output
    assert "ok" in result.output and "入组：30 例" in result.output
    frame = pl.read_csv(out, infer_schema=False)
    _check(frame)
    assert all(";" in trace and trace.startswith("校验通过") for trace in frame["trace"])
    assert list((tmp_path / "cache" / "yibao" / "drg").glob("pack-*.pickle"))


def test_settlement_parquet_to_parquet_without_trace(tmp_path: Path) -> None:
    source = tmp_path / "stays.parquet"
    stays = to_settlement(pl.read_csv(SAMPLE_CSV, infer_schema=False))
    bad = pl.DataFrame(
        {"setl_id": ["bad-1"], "gender": [9], "age": [30], "principal_diagnosis": ["K22.301"]}
    )
    pl.concat([stays, to_settlement(bad)]).write_parquet(source)
    out = tmp_path / "groups.parquet"
    env = {"YIBAO_DRG_RULES": str(RULES_DIR)}
    args = ["group", "--input", str(source), "--out", str(out), "--no-trace"]
    result = RUNNER.invoke(app, args, env=env)
    assert result.exit_code == 0, result.output
    assert "已分组 31 例" in result.output and "校验不通过：1 例" in result.output
    frame = pl.read_parquet(out)
    _check(frame.head(30))
    assert frame["trace"].head(30).to_list() == [""] * 30
    last = frame.row(30, named=True)
    assert (last["Index"], last["drg"], last["status"]) == ("bad-1", "0000", "invalid")
    assert last["trace"].startswith("gender_invalid")


def test_errors_are_reported_in_chinese(tmp_path: Path) -> None:
    missing = ["group", "--rules", str(RULES_DIR), "--input", str(tmp_path / "none.csv")]
    result = RUNNER.invoke(app, [*missing, "--out", str(tmp_path / "o.csv")])
    assert result.exit_code == 2 and "输入文件不存在" in result.output
    wrong = ["group", "--rules", str(RULES_DIR), "--input", str(SAMPLE_CSV)]
    result = RUNNER.invoke(app, [*wrong, "--out", str(tmp_path / "o.xlsx")])
    assert result.exit_code == 2 and "不支持的文件类型" in result.output
    result = RUNNER.invoke(
        app,
        [
            "group",
            "--rules",
            str(tmp_path),
            "--input",
            str(SAMPLE_CSV),
            "--out",
            str(tmp_path / "o.csv"),
        ],
    )
    assert result.exit_code == 2 and "规则包" in result.output
    assert not (tmp_path / "o.csv").exists()


def test_explicit_scheme_file(tmp_path: Path) -> None:
    scheme = scheme_file_for(RULES_DIR)
    out = tmp_path / "groups.csv"
    args = ["group", "--rules", str(RULES_DIR), "--scheme", str(scheme)]
    result = RUNNER.invoke(app, [*args, "--input", str(SAMPLE_CSV), "--out", str(out)])
    assert result.exit_code == 0, result.output
    _check(pl.read_csv(out, infer_schema=False))
