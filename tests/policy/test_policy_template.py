"""A policy file may name a shipped template and hold only its overrides; errors still name
the file, the key and the line."""

from __future__ import annotations

from decimal import Decimal

import pytest

from yibao.policy.loader import PolicyError, load_policy, parse_policy

HEAD = '''[policy]
template = "511623-2020"
id = "511602-2020"
region = "511602"
year = 2020
name = "广安区 2020"
'''


def test_a_template_file_takes_every_section_it_does_not_write() -> None:
    base = load_policy("511623-2020")
    policy = parse_policy(HEAD + '[offsite]\nunfiled = "-0.25"\n'
                          '[resident.inpatient]\nratio = { "1" = "0.90", "2" = "0.77", '
                          '"3" = "0.65" }\n', "x.toml")
    assert policy.id == "511602-2020" and policy.region == "511602"
    assert policy.offsite.unfiled == Decimal("-0.25")
    assert policy.offsite.referral == base.offsite.referral  # the table merged key by key
    assert policy.resident.inpatient.ratio.lv1 == Decimal("0.90")
    assert policy.resident.inpatient.deductible == base.resident.inpatient.deductible
    assert policy.contributions == base.contributions and policy.fund == base.fund


def test_the_shipped_placeholders_load_from_their_template() -> None:
    for code in ("511602", "511603", "511621", "511622", "511681"):
        policy = load_policy(f"{code}-2020")
        assert policy.region == code and policy.contributions is not None
        assert policy.employee == load_policy("511623-2020").employee


@pytest.mark.parametrize(("text", "key", "line", "words"), [
    (HEAD.replace("511623-2020", "511699-2020"), "policy.template", 2, "没有内置的模板政策"),
    (HEAD.replace('template = "511623-2020"', "template = 5"), "policy.template", 2,
     "内置政策编号"),
    (HEAD.replace('name = "广安区 2020"\n', ""), "policy.name", 1, "须自己写明"),
    (HEAD + '[offsite]\nunfiled = "-1.5"\n', "offsite.unfiled", 8, ""),
    (HEAD + '[filing]\nretro_days = -1\n', "filing.retro_days", 8, "整数天数"),
])
def test_errors_in_a_template_file_name_file_key_and_line(text: str, key: str, line: int,
                                                          words: str) -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "x.toml")
    err = caught.value
    assert (err.file, err.key, err.line) == ("x.toml", key, line)
    assert words in err.message
