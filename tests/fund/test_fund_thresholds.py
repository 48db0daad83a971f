"""The thresholds file of the fund warnings (fund/thresholds.py): the shipped defaults are those of
facts/policy.md §6, and every bad value is refused naming the file, the key and the line."""

from __future__ import annotations

from decimal import Decimal
from importlib import resources
from pathlib import Path

import pytest

from yibao.fund.thresholds import Thresholds, load_thresholds, parse_thresholds
from yibao.fund.thresholds import ThresholdsError as PolicyError

SHIPPED = (resources.files("yibao.fund") / "thresholds.toml").read_text(encoding="utf-8")


def line_of(text: str, start: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if line.startswith(start))


def test_the_shipped_file_holds_the_defaults() -> None:
    shipped = load_thresholds()
    assert shipped == Thresholds(source="thresholds.toml")
    assert (shipped.insufficient_below, shipped.low_below, shipped.reasonable_up_to,
            shipped.high_up_to, shipped.deficit_above, shipped.trend_years) == (
        Decimal(3), Decimal(6), Decimal(9), Decimal(15), Decimal(1), 2)


@pytest.mark.parametrize(("old", "new", "key", "line_start", "message"), [
    ('low_below = "6"', 'low_below = "2"', "months_payable.low_below", "low_below",
     "不得小于 insufficient_below（3）"),
    ('high_up_to = "15"', 'high_up_to = "8.5"', "months_payable.high_up_to", "high_up_to",
     "不得小于 reasonable_up_to（9）"),
    ('insufficient_below = "3"', 'insufficient_below = "-1"',
     "months_payable.insufficient_below", "insufficient_below", "不得小于 0"),
    ('insufficient_below = "3"', "insufficient_below = [3]", "months_payable.insufficient_below",
     "insufficient_below", "必须是数字或数字字符串"),
    ('insufficient_below = "3"', 'insufficient_below = "three"',
     "months_payable.insufficient_below", "insufficient_below", "不是有效的数字"),
    ('reasonable_up_to = "9"', 'reasonable_up_to = "9.00001"', "months_payable.reasonable_up_to",
     "reasonable_up_to", "小数位数不得超过 4 位"),
    ('reasonable_up_to = "9"', 'resonable_up_to = "9"', "months_payable.resonable_up_to",
     "resonable_up_to", "未知的键"),
    ('deficit_above = "1"', 'deficit_above = "0"', "current_ratio.deficit_above",
     "deficit_above", "必须大于 0"),
    ("years = 2", "years = 0", "trend.years", "years", "应为 1 到 10 之间的整数"),
    ("years = 2", 'years = "2"', "trend.years", "years", "应为 1 到 10 之间的整数"),
    ("years = 2", "years = true", "trend.years", "years", "应为 1 到 10 之间的整数"),
    ("[trend]", "[trends]", "trends", "[trends]", "未知的节"),
])
def test_each_bad_value_names_file_key_and_line(old: str, new: str, key: str, line_start: str,
                                                 message: str) -> None:
    assert old in SHIPPED
    text = SHIPPED.replace(old, new)
    with pytest.raises(PolicyError) as caught:
        parse_thresholds(text, "bureau.toml")
    err = caught.value
    assert (err.file, err.key, err.line) == ("bureau.toml", key, line_of(text, line_start))
    assert message in err.message
    assert str(err).startswith(f"bureau.toml:{err.line}: {key}: ")


def test_a_missing_key_or_section_is_named() -> None:
    text = SHIPPED.replace('deficit_above = "1"\n', "")
    with pytest.raises(PolicyError, match=r"current_ratio\.deficit_above: 缺少必需的键") as caught:
        parse_thresholds(text, "bureau.toml")
    assert caught.value.line == line_of(text, "[current_ratio]")
    with pytest.raises(PolicyError, match=r"months_payable: 缺少 \[months_payable\] 节"):
        parse_thresholds("[current_ratio]\ndeficit_above = 1\n[trend]\nyears = 2\n", "x.toml")


def test_bad_toml_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="TOML 语法错误"):
        parse_thresholds("[months_payable\n", "bad.toml")
    with pytest.raises(PolicyError, match="无法读取"):
        load_thresholds(tmp_path / "missing.toml")


def test_an_edited_file_is_read(tmp_path: Path) -> None:
    edited = tmp_path / "linshui.toml"
    # a TOML number with a fraction is read exactly (as policy files are), never as a float
    edited.write_text(SHIPPED.replace('low_below = "6"', "low_below = 5.5"), encoding="utf-8")
    assert load_thresholds(edited) == Thresholds(low_below=Decimal("5.5"), source=str(edited))
