"""Scenario files: the defaults load with their sources, and every bad key is refused with the
file, the key and the line."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from yibao.actuary.scenario import DEFAULT_FILE, load_scenario, parse_scenario
from yibao.policy.loader import PolicyError


def test_defaults_and_an_override() -> None:
    default = load_scenario(None)
    assert default.birth_rate == Decimal("0.00852") and default.mortality("M", 0) == Decimal(
        "0.0054")
    assert dict(default.balance_months)["resident_pool"] == Decimal("8.5")
    changed = parse_scenario('[growth]\nresident_cost = "0.08"\n', "s.toml")
    assert changed.resident_cost == Decimal("0.08")
    assert changed.employee_cost == default.employee_cost  # untouched keys keep the default


def test_every_default_is_sourced_or_marked() -> None:
    """Each value line of the defaults carries a source, a grade, or an [U] mark."""
    for number, line in enumerate(DEFAULT_FILE.read_text("utf-8").splitlines(), start=1):
        if "=" in line and not line.lstrip().startswith("#") and not line.startswith(
                ("name", "bands", "male =", "female =", "rates =")):
            assert any(mark in line for mark in ("[V", "[K]", "[U]")), f"line {number}: {line}"


@pytest.mark.parametrize(("text", "key", "line", "message"), [
    ('[growth]\nresident_cost = "1.5"\n', "growth.resident_cost", 2, "不得大于 1"),
    ('[population]\nbirth_rat = "0.01"\n', "population.birth_rat", 2, "未知的键"),
    ('[nonsense]\n', "nonsense", 1, "未知的键"),
    ('\n[population.mortality]\nmale = ["0.1"]\n', "population.mortality.male", 3,
     "等长"),
    ('[population.migration]\nbands = [5, 3]\nrates = ["0", "0"]\n',
     "population.migration.bands", 2, "严格递增"),
    ('[employees]\nretirement_age_male = 61.5\n', "employees.retirement_age_male", 2, "整数"),
    ('[balance]\nresident_pool = "-1"\n', "balance.resident_pool", 2, "不得小于 0"),
    ('[[policy]]\nyear = 2027\nresident_subsidy = "-3"\n', "policy.resident_subsidy", 3,
     "不得小于 0"),
    ('[[policy]]\nyear = 2027\nsubsidy = "3"\n', "policy.subsidy", 3, "未知的键"),
    ('[[policy]]\nyear = 2027\n\n[[policy]]\nyear = 2027\n', "policy.year", 5, "重复"),
    ('[[policy]]\nyear = 2026\n[[policy]]\nyear = 2027\nemployer_rate = "1.2"\n',
     "policy.employer_rate", 5, "不得大于 1"),
    ('[[policy]]\nresident_subsidy = "700"\n', "policy.year", 1, "整数"),
    ('[growth\n', "", 1, "不是有效的 TOML"),
])
def test_errors_name_file_key_and_line(text: str, key: str, line: int, message: str) -> None:
    with pytest.raises(PolicyError) as caught:
        parse_scenario(text, "bad.toml")
    error = caught.value
    assert (error.file, error.key, error.line) == ("bad.toml", key, line)
    assert message in error.message


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="无法读取情景文件"):
        load_scenario(tmp_path / "none.toml")
