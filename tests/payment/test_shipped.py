"""The one place that chooses a DRG rule pack or city tables: the option, else the environment,
else the data shipped in the package; and every folder or file that cannot be used is refused
with one zh-CN sentence naming it and where the choice came from (no traceback in the CLI)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.payment.drg.conftest import SAMPLE_CSV
from yibao.cli import app
from yibao.cli.progress import console
from yibao.payment import shipped
from yibao.payment.cities import CityTableError, load_city
from yibao.payment.drg import DrgPackError, load_rule_pack

RUNNER = CliRunner()


def test_option_then_environment_then_shipped(tmp_path: Path) -> None:
    other = tmp_path / "pack"
    other.mkdir()
    (other / "2_ADRG.txt").write_text("", encoding="utf-8")
    env = {shipped.ENV_RULES: str(other)}
    assert shipped.rules_dir(None, {}) == shipped.SHIPPED_RULES
    assert shipped.rules_dir(None, env) == other
    assert shipped.rules_dir(shipped.SHIPPED_RULES, env) == shipped.SHIPPED_RULES
    cities = {shipped.ENV_PAYMENT: str(tmp_path)}
    assert shipped.payment_dir(None, cities) == tmp_path
    assert shipped.payment_dir(None, {}) == shipped.SHIPPED_CITIES


@pytest.mark.parametrize(("where", "words"), [
    ("option", ("选项 --rules", "不存在")),
    ("environment", ("环境变量 YIBAO_DRG_RULES", "不存在")),
    ("not a pack", ("选项 --rules", "不是 DRG 规则包", "2_ADRG.txt")),
])
def test_a_rules_folder_that_cannot_be_used(where: str, words: tuple[str, ...],
                                            tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    choices = {"option": (missing, {}), "environment": (None, {shipped.ENV_RULES: str(missing)}),
               "not a pack": (tmp_path, {})}
    option, env = choices[where]
    with pytest.raises(DrgPackError) as caught:
        shipped.rules_dir(option, env)
    assert all(w in caught.value.message for w in words), caught.value


def test_a_broken_install_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shipped, "SHIPPED_RULES", tmp_path / "gone")
    monkeypatch.setattr(shipped, "SHIPPED_CITIES", tmp_path / "gone-too")
    with pytest.raises(DrgPackError, match="安装不完整"):
        shipped.rules_dir(None, {})
    with pytest.raises(CityTableError, match="安装不完整"):
        shipped.payment_dir(None, {})
    with pytest.raises(CityTableError, match="环境变量 YIBAO_DRG_PAYMENT"):
        shipped.payment_dir(None, {shipped.ENV_PAYMENT: str(tmp_path / "none")})


def test_a_pack_file_that_is_not_utf8_names_the_file(tmp_path: Path) -> None:
    pack = tmp_path / "chs-drg-1.1"
    shutil.copytree(shipped.SHIPPED_RULES, pack)
    (pack / "1_MDC.txt").write_bytes("MDCA 先期分组疾病及相关操作\n".encode("gbk"))
    with pytest.raises(DrgPackError, match="不是 UTF-8") as caught:
        load_rule_pack(pack)
    assert caught.value.file.endswith("1_MDC.txt")


def test_a_city_table_that_is_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "某市2024.csv").write_bytes("DRG编码,DRG名称,权重\nAB11,测试,1.0\n".encode("gbk"))
    with pytest.raises(CityTableError, match="不是 UTF-8"):
        load_city(tmp_path, "某市2024")


def test_group_with_a_broken_pack_exits_2_with_one_sentence(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(console, "width", 400)
    monkeypatch.setenv(shipped.ENV_RULES, str(tmp_path / "nowhere"))
    result = RUNNER.invoke(app, ["drg", "group", "--input", str(SAMPLE_CSV),
                                 "--out", str(tmp_path / "o.csv")])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
    assert "DRG 规则包不可用" in result.output and "YIBAO_DRG_RULES" in result.output
    assert not (tmp_path / "o.csv").exists()


def test_group_uses_the_shipped_pack_by_default(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(shipped.ENV_RULES, raising=False)
    result = RUNNER.invoke(app, ["drg", "group", "--input", str(SAMPLE_CSV),
                                 "--out", str(tmp_path / "o.csv")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "o.csv").read_text(encoding="utf-8").count("\n") == 31
