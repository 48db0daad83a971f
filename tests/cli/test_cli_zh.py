"""Bureau staff read the `yibao` command in Chinese: Click's usage errors (缺少选项, 没有命令,
取值无效, 文件不存在), the `--help` headings and the help option, and the tables of `fund
balance` and `contribute` name accounts, holders and schemes (an account code stays in a
last column)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.services.population import write_files
from yibao.cli import app
from yibao.cli.progress import console
from yibao.cli.zh import translate

runner = CliRunner()

ERRORS = [  # (arguments, words the staff read, English that must be gone)
    (["contribute"], "缺少选项 '--year'", "Missing option"),
    (["nosuch"], "没有命令 'nosuch'", "No such command"),
    (["contribute", "--year", "abc"], "'--year' 的取值无效：应为整数", "Invalid value"),
    (["contribute", "--year", "1"], "应不小于 2000", "greater than"),
    (["fund", "balance", "--regio"], "没有选项 --regio。您是否要用 --region？", "No such option"),
    (["enroll", "import", "/nope.csv"], "文件 '/nope.csv' 不存在", "does not exist"),
    (["fund", "balance", "extra"], "多余的参数（extra）", "unexpected extra"),
    (["fund", "balance", "--region"], "选项 '--region' 需要一个值", "requires an argument"),
]


@pytest.mark.parametrize(("args", "zh", "english"), ERRORS)
def test_usage_errors_in_chinese(args: list[str], zh: str, english: str) -> None:
    result = runner.invoke(app, args, env={"COLUMNS": "200"})  # Typer's error panel
    assert result.exit_code == 2
    assert zh in result.output, result.output
    assert english not in result.output
    assert "错误" in result.output


def test_help_headings_in_chinese() -> None:
    result = runner.invoke(app, ["fund", "balance", "--help"], env={"COLUMNS": "100"})
    assert result.exit_code == 0
    for words in ("用法：", "选项", "显示此帮助并退出。"):
        assert words in result.output, result.output
    for english in ("Usage:", "Options", "Show this message"):
        assert english not in result.output


def test_an_unknown_message_is_left_as_it_is() -> None:
    assert translate("需要 --input FILE") == "需要 --input FILE"
    assert translate("Invalid value: 需要 --input FILE") == "取值无效：需要 --input FILE"


def test_tables_name_accounts_holders_and_schemes(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YIBAO_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setattr(console, "_width", 200)  # whole names, whatever the terminal
    files = write_files(tmp_path)
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(app, ["enroll", "employers", str(files["employers"])]).exit_code == 0
    assert runner.invoke(app, ["enroll", "import", str(files["people"])]).exit_code == 0
    posted = runner.invoke(app, ["contribute", "--year", "2024"])
    assert "城乡居民医保" in posted.output and "职工医保" in posted.output
    assert "390 险种" not in posted.output
    balance = runner.invoke(app, ["fund", "balance", "--detail"])
    for words in ("居民医保统筹基金", "应收财政补助", "中央财政", "个人"):
        assert words in balance.output, balance.output
    for code in ("central", "individual"):  # holders by name; account codes in the last column
        assert code not in balance.output
