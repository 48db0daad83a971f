"""Policy keys (`yibao.policy.keys`): a dotted key's kind and value, and the policy text with that
one value changed and every other byte kept; keys that cannot be changed are refused in zh-CN."""

from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from yibao.policy.keys import KeyKind, PolicyKeyError, key_value, parse_key, with_value
from yibao.policy.loader import SHIPPED_DIR, parse_policy

TEXT = (SHIPPED_DIR / "511623-2020.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize(("name", "kind", "step"), [
    ("resident.inpatient.ratio.2", KeyKind.RATIO, "0.0001"),
    ("employee.outpatient.retired_ratio_add", KeyKind.RATIO, "0.0001"),
    ("resident.inpatient.deductible.3", KeyKind.MONEY, "0.01"),
    ("employee.large_expense.annual_cap", KeyKind.MONEY, "0.01"),
    ("assistance.groups.dibao_edge.threshold", KeyKind.MONEY, "0.01"),
    ("policy.class_b_selfpay", KeyKind.RATIO, "0.0001"),
])
def test_kinds(name: str, kind: KeyKind, step: str) -> None:
    key = parse_key(name)
    assert key.kind is kind and key.step == Decimal(step)


@pytest.mark.parametrize(("name", "words"), [
    ("contributions.resident.individual", "不是待遇参数"),
    ("resident.inpatient.repeat_admission_factor", "不是可求解的数值参数"),
    ("resident..ratio", "格式不对"),
    ("offsite.temporary", "不是待遇参数"),
])
def test_refused_keys(name: str, words: str) -> None:
    with pytest.raises(PolicyKeyError, match=words):
        parse_key(name)


@pytest.mark.parametrize(("name", "value", "line_before", "line_after"), [
    ("resident.inpatient.ratio.2", "0.7941",
     'ratio = { "1" = "0.85", "2" = "0.77", "3" = "0.65" }',
     'ratio = { "1" = "0.85", "2" = "0.7941", "3" = "0.65" }'),
    ("resident.outpatient.annual_cap", "455.5", 'annual_cap = "400"', 'annual_cap = "455.5"'),
    ("employee.inpatient.deductible.1", "180.25",
     'deductible = { "1" = "200", "2" = "450", "3" = "750" }',
     'deductible = { "1" = "180.25", "2" = "450", "3" = "750" }'),
])
def test_one_value_changed_and_every_other_line_kept(name: str, value: str, line_before: str,
                                                     line_after: str) -> None:
    key = parse_key(name)
    changed = with_value(TEXT, key, Decimal(value))
    before, after = TEXT.splitlines(), changed.splitlines()
    differ = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    assert len(differ) == 1
    assert before[differ[0]].startswith(line_before) and after[differ[0]].startswith(line_after)
    assert before[differ[0]][len(line_before):] == after[differ[0]][len(line_after):]  # comment
    assert key_value(changed, key) == Decimal(value)
    parse_policy(changed, "changed.toml")  # still a valid policy


def test_a_bare_number_stays_a_number(tmp_path: Path) -> None:
    text = TEXT.replace('annual_cap = "400"', "annual_cap = 400")
    changed = with_value(text, parse_key("resident.outpatient.annual_cap"), Decimal("512.30"))
    assert "annual_cap = 512.3\n" in changed
    assert tomllib.loads(changed)["resident"]["outpatient"]["annual_cap"] == 512.3


def test_a_value_not_on_the_line_of_its_key_is_refused() -> None:
    tiers = parse_key("resident.serious_illness.tiers.1.ratio")  # inside a multi-line array
    with pytest.raises(PolicyKeyError, match="无法在政策文件中定位"):
        with_value(TEXT, tiers, Decimal("0.7"))


def test_a_missing_key_is_named() -> None:
    with pytest.raises(PolicyKeyError, match=r"没有键 assistance\.groups\.tuopin\.threshold"):
        key_value(TEXT, parse_key("assistance.groups.tuopin.threshold"))
