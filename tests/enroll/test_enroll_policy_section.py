"""The policy file's [contributions] section is validated on load: unknown keys, missing keys,
shares that do not add up to one, negative amounts, ratios above one and unknown groups are
refused with the file, the key and the line; every shipped policy carries a sourced section."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from yibao.policy.loader import SHIPPED_DIR, PolicyError, load_policy, parse_policy, shipped_ids

HEADER = """[policy]
id = "511623-2024"
region = "511623"
year = 2024
class_b_selfpay = "0.10"
"""
GOOD = """
[contributions.resident]
individual = "400"
subsidy = "670"
subsidy_split = { central = "0.80", provincial = "0.10", local = "0.10" }

[contributions.assistance]
tekun = "1.00"

[contributions.employee]
employer_rate = "0.06"
employee_rate = "0.02"
"""


def test_a_good_section() -> None:
    policy = parse_policy(HEADER + GOOD, "p.toml")
    c = policy.contributions
    assert c is not None and c.resident is not None and c.employee is not None
    assert (c.resident.individual, c.resident.subsidy_split.central) == (Decimal(400),
                                                                        Decimal("0.80"))
    assert c.assistance_share(frozenset({"tekun"})) == ("tekun", Decimal("1.00"))
    assert c.employee.retiree_account_monthly == 0
    assert parse_policy(HEADER, "p.toml").contributions is None


ERRORS = [
    # (text, key named, the line it is on, message)
    (GOOD.replace('individual = "400"', 'individual = "400"\nbonus = "1"'),
     "contributions.resident.bonus", "bonus =", "未知的键"),
    (GOOD.replace('subsidy = "670"\n', ""), "contributions.resident.subsidy",
     "[contributions.resident]", "缺少"),
    (GOOD.replace('local = "0.10"', 'local = "0.20"'), "contributions.resident.subsidy_split",
     "subsidy_split =", "之和应为 1"),
    (GOOD.replace('"400"', '"-1"'), "contributions.resident.individual", "individual =",
     "不得小于"),
    (GOOD.replace('"0.06"', '"1.5"'), "contributions.employee.employer_rate", "employer_rate =",
     "不得大于"),
    (GOOD.replace('tekun = "1.00"', 'vip = "1.00"'), "contributions.assistance.vip", "vip =",
     "未知的救助人群"),
    (GOOD + '\n[contributions.other]\nx = "1"\n', "contributions.other",
     "[contributions.other]", "未知的键"),
]


@pytest.mark.parametrize(("text", "key", "marker", "message"), ERRORS)
def test_errors_name_file_key_and_line(text: str, key: str, marker: str, message: str) -> None:
    full = HEADER + text
    line = next(n for n, t in enumerate(full.splitlines(), 1) if t.startswith(marker))
    with pytest.raises(PolicyError) as caught:
        parse_policy(full, "p.toml")
    error = caught.value
    assert (error.file, error.key, error.line) == ("p.toml", key, line)
    assert message in error.message


@pytest.mark.parametrize("policy_id", shipped_ids())
def test_shipped_policies_have_a_sourced_section(policy_id: str) -> None:
    assert load_policy(policy_id).contributions is not None
    text = (SHIPPED_DIR / f"{policy_id}.toml").read_text(encoding="utf-8")
    template = re.search(r'^template = "([0-9-]+)"', text, re.MULTILINE)
    if "[contributions" not in text and template:  # taken whole from its template
        text = (SHIPPED_DIR / f"{template.group(1)}.toml").read_text(encoding="utf-8")
    section = text[text.index("[contributions"):]
    values = [line for line in section.splitlines() if "=" in line and not line.startswith("#")]
    assert values and all("#" in line and ("[" in line.split("#", 1)[1]) for line in values), \
        "every number names its source grade ([V]/[K]/[U]) or is a placeholder"
