"""`yibao sim --profile guangan-2020` writes one folder a region with the deployment's filings
and register and says where; options it does not take and a broken data folder are refused
with exit status 2 and a zh-CN message, nothing written."""

from __future__ import annotations

import tomllib
from pathlib import Path

from typer.testing import CliRunner

from yibao.cli import app

runner = CliRunner()
REGIONS = ("511602", "511603", "511621", "511622", "511623", "511681")


def test_the_city_is_written_one_folder_a_region(tmp_path: Path) -> None:
    out = tmp_path / "city"
    result = runner.invoke(app, ["sim", "--profile", "guangan-2020", "--scale", "0.002",
                                 "--seed", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    meta = tomllib.loads((out / "deployment.toml").read_text("utf-8"))["deployment"]
    assert tuple(meta["regions"]) == REGIONS and meta["city"] == "511600"
    for code in REGIONS:
        assert (out / code / "profile.txt").read_text("utf-8").split()[0] == \
            f"guangan-2020:{code}"
        assert (out / code / "visits.parquet").is_file()
        assert str(out / code) in result.output
    assert (out / "filings.parquet").is_file() and "filings.parquet" in result.output


def test_abuse_and_check_are_refused_for_a_deployment(tmp_path: Path) -> None:
    out = tmp_path / "none"
    result = runner.invoke(app, ["sim", "--profile", "guangan-2020", "--scale", "0.002",
                                 "--abuse", "default", "--out", str(out)])
    assert result.exit_code == 2 and "暂不支持 --abuse" in result.output
    assert not out.exists()


def test_a_broken_deployment_folder_is_refused_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "deployment.toml").write_text("[deployment]\nprofile = \"guangan-2020\"\n",
                                              encoding="utf-8")
    result = runner.invoke(app, ["year", "--data", str(tmp_path), "--report",
                                 str(tmp_path / "report")])
    assert result.exit_code == 2
    assert "deployment.toml" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "report").exists()
