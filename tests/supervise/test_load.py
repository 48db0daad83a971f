"""The shipped rule base loads (≥ 40 rules over ≥ 15 kinds, every rule with a source), and a bad
rule file is refused with every problem naming the file, the line and the key."""

from __future__ import annotations

import pytest

from yibao.supervise.load import RuleFileError, load_rules, parse_rules
from yibao.supervise.model import CATEGORIES, SCENES

GOOD = """[base]
version = "1"
[[rule]]
id = "A1"
name = "n"
category = "政策类"
scenes = ["事中"]
window = "visit"
kind = "quantity_per_line"
result = "违规"
severity = "low"
message = "m"
source = "s"
logic = { max_units = 3 }
"""


def test_shipped_base() -> None:
    base = load_rules()
    assert len(base.rules) >= 40
    assert len({r.kind for r in base.rules}) >= 15
    assert all(r.source and r.message and r.category in CATEGORIES for r in base.rules)
    assert all(set(r.scenes) <= set(SCENES) and r.scenes for r in base.rules)


def test_good_file_parses_to_frozen_values() -> None:
    rule = parse_rules(GOOD).rules[0]
    assert rule.param("max_units") == 3
    with pytest.raises(AttributeError):
        rule.id = "B"  # type: ignore[misc]


@pytest.mark.parametrize(("change", "where"), [
    (('max_units = 3', 'max_units = "3"'), "x.toml:14: 规则 A1 的 logic.max_units：应为整数"),
    (('kind = "quantity_per_line"', 'kind = "nope"'), "x.toml:9: 规则 A1 的 kind：未知规则类型"),
    (('window = "visit"', 'window = "days"'), "x.toml:3: 规则 A1 的 window_days"),
    (('category = "政策类"', 'category = "x"'), "x.toml:6: 规则 A1 的 category"),
    (('source = "s"\n', ''), "x.toml:3: 规则 A1 的 source：缺少必填项"),
    (('logic = { max_units = 3 }', 'logic = { max_units = 3, y = 1 }'), "logic.y"),
])
def test_bad_file_names_file_line_and_key(change, where) -> None:
    with pytest.raises(RuleFileError) as err:
        parse_rules(GOOD.replace(*change), "x.toml")
    assert any(p.startswith(where) or where in p for p in err.value.problems), err.value.problems


def test_toml_syntax_error_names_file() -> None:
    with pytest.raises(RuleFileError, match=r"x\.toml: TOML"):
        parse_rules("[base\n", "x.toml")


def test_duplicate_ids_refused() -> None:
    text = GOOD + GOOD.split("[base]\nversion = \"1\"\n")[1]
    with pytest.raises(RuleFileError, match="编号重复"):
        parse_rules(text, "x.toml")
