"""Policy files are validated on load: every shipped policy loads, and each kind of error names
the file, the key and the line."""

from __future__ import annotations

from decimal import Decimal

import pytest

from yibao.policy.loader import PolicyError, load_policy, parse_policy, shipped_ids

GOOD = """\
[policy]
id = "511623-2024"
region = "511623"
year = 2024
class_b_selfpay = "0.10"

[resident.inpatient]
deductible = { "1" = "100", "2" = "250", "3" = "600" }
ratio = { "1" = "0.85", "2" = "0.77", "3" = "0.65" }
annual_cap = "220000"

[resident.serious_illness]
threshold = "12500"
tiers = [ { above = "0", ratio = "0.60" }, { above = "50000", ratio = "0.65" } ]
annual_cap = "300000"
"""


def test_every_shipped_policy_loads() -> None:
    ids = shipped_ids()
    assert {"511623-2020", "511623-2025", "511600-2024", "100000-2024"} <= set(ids)
    for policy_id in ids:
        policy = load_policy(policy_id)
        assert policy.id == policy_id
        assert policy.resident.inpatient is not None


def test_good_policy_values() -> None:
    policy = parse_policy(GOOD, "good.toml")
    assert str(policy.resident.inpatient.ratio.of("2")) == "0.77"  # type: ignore[union-attr]
    assert policy.employee.inpatient is None  # absent section: benefit not covered
    assert policy.large_expense is None


@pytest.mark.parametrize(
    ("old", "new", "key", "line"),
    [
        ('annual_cap = "220000"', 'annual_cap = "220000"\nbonus = "1"', "resident.inpatient.bonus",
         11),
        ('year = 2024\n', 'year = 2024\nsurprise = 1\n', "policy.surprise", 5),
        ('class_b_selfpay = "0.10"\n', "", "policy.class_b_selfpay", None),
        ('"2" = "0.77"', '"2" = "1.77"', "resident.inpatient.ratio.2", 9),
        ('"1" = "100"', '"1" = "-100"', "resident.inpatient.deductible.1", 8),
        ('"1" = "100"', '"1" = "100.001"', "resident.inpatient.deductible.1", 8),
        ('{ above = "50000", ratio = "0.65" }', '{ above = "0", ratio = "0.65" }',
         "resident.serious_illness.tiers.1", 14),
        ('{ above = "0", ratio = "0.60" }', '{ above = "10", ratio = "0.60" }',
         "resident.serious_illness.tiers.0", 14),
        ('id = "511623-2024"', 'id = "511623-2023"', "policy.id", 2),
        ('[resident.serious_illness]', '[resident.unknown]\nx = 1\n[resident.serious_illness]',
         "resident.unknown", 12),
        ('ratio = { "1"', 'ratio = { "4" = "0.1", "1"', "resident.inpatient.ratio.4", 9),
    ],
)
def test_errors_name_key_and_line(old: str, new: str, key: str, line: int | None) -> None:
    text = GOOD.replace(old, new)
    assert text != GOOD
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "bad.toml")
    error = caught.value
    assert (error.file, error.key) == ("bad.toml", key)
    if line is not None:
        assert error.line == line
    assert error.message
    assert "bad.toml" in str(error)


def test_unknown_section_and_syntax() -> None:
    with pytest.raises(PolicyError, match="未知的节"):
        parse_policy(GOOD + "\n[bonus]\nx = 1\n", "x.toml")
    with pytest.raises(PolicyError, match="TOML"):
        parse_policy(GOOD + "\n[[[", "x.toml")


def test_unknown_policy_id_lists_shipped() -> None:
    with pytest.raises(PolicyError, match="511623-2024"):
        load_policy("511623-1999")


# ---------- [fund]: funding of the other funds, the quality deposit ----------

FUND = """
[fund]
large_expense_per_employee = "40"
civil_servant_per_person = "250.50"
assistance_per_resident = "54"
quality_deposit = "0.05"
"""


def test_fund_values() -> None:
    rules = parse_policy(GOOD + FUND, "good.toml").fund
    assert rules is not None
    assert (rules.large_expense_per_employee, rules.civil_servant_per_person,
            rules.assistance_per_resident, rules.quality_deposit) == (
        Decimal(40), Decimal("250.50"), Decimal(54), Decimal("0.05"))
    assert parse_policy(GOOD, "good.toml").fund is None
    assert load_policy("511623-2020").fund is not None


LINE = GOOD.count("\n") + 2  # the `[fund]` header


@pytest.mark.parametrize(("old", "new", "key", "line", "words"), [
    ('quality_deposit = "0.05"', 'quality_deposit = "0.25"', "fund.quality_deposit", LINE + 4,
     "不得超过"),
    ('quality_deposit = "0.05"', 'quality_deposit = "1.5"', "fund.quality_deposit", LINE + 4,
     ""),
    ('assistance_per_resident = "54"', 'assistance_per_resident = "-1"',
     "fund.assistance_per_resident", LINE + 3, ""),
    ('civil_servant_per_person = "250.50"', 'civil_servant_per_person = "1.234"',
     "fund.civil_servant_per_person", LINE + 2, ""),
    ('large_expense_per_employee = "40"', 'large_expense = "40"', "fund.large_expense",
     LINE + 1, "未知的键"),
    ('large_expense_per_employee = "40"\n', "", "fund.large_expense_per_employee", LINE,
     "缺少"),
])
def test_fund_errors_name_key_and_line(old: str, new: str, key: str, line: int,
                                       words: str) -> None:
    text = GOOD + FUND.replace(old, new)
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "bad.toml")
    error = caught.value
    assert (error.file, error.key, error.line) == ("bad.toml", key, line)
    assert words in error.message
