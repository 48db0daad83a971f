"""The sections of the benefits extension (SETTLEMENT.md §5): `[opsp]`, `[maternity]`, `[cmi]`,
`[assistance.apply]`, `[monitoring]` and `[employee.account] family_sharing` are read into frozen
values, and every refusal names the file, the key and the line."""

from __future__ import annotations

from decimal import Decimal

import pytest
from typer.testing import CliRunner

from yibao.cli import app
from yibao.policy.benefits import Capped
from yibao.policy.loader import PolicyError, load_policy, parse_policy

BASE = """\
[policy]
id = "511623-2024"
region = "511623"
year = 2024
class_b_selfpay = "0.10"

[employee.account]
pays_selfpay_items = false
"""

#: The 两病 group's one resident table, an inline table on one line.
LIANGBING = ('resident = { deductible = { "1" = "0", "2" = "0", "3" = "0" }, '
             'ratio = { "1" = "0.50", "2" = "0.50", "3" = "0.50" }, annual_cap = "300" }\n')

SECTIONS = """\
[assistance.groups.dibao]
threshold = "0"
ratio = "0.70"
annual_cap = "50000"

[assistance.groups.yinbing]
threshold = "4000"
ratio = "0.60"
annual_cap = "30000"

[assistance.apply]
group = "yinbing"
income_share = "0.5"
months = 6

[monitoring]
rural_income = "16000"
share_general = "0.9"
household_share = "0.4"

[opsp]
long_rx_days = 56

[opsp.groups.mente]
name = "门诊特殊疾病"
shared_cap = true

[opsp.groups.mente.resident]
deductible = { "1" = "0", "2" = "100", "3" = "200" }
ratio = { "1" = "0.70", "2" = "0.65", "3" = "0.60" }
annual_cap = "220000"

[opsp.groups.mente.employee]
deductible = { "1" = "0", "2" = "0", "3" = "0" }
ratio = { "1" = "0.85", "2" = "0.80", "3" = "0.75" }
annual_cap = "150000"
retired_ratio_add = "0.05"

[opsp.groups.liangbing]
""" + LIANGBING + """
[opsp.diseases.M03900]
name = "高血压"
group = "liangbing"
icd10 = ["I10-I15"]
criteria = "二级及以上医院确诊"

[opsp.diseases.M00500]
name = "恶性肿瘤门诊放化疗"
group = "mente"
icd10 = ["C00-C97", "D00-D09", "Z51.1"]
cert_months = 12

[maternity.employee]
prenatal = { ratio = "1", annual_cap = "1000" }
extra_fetus = "500"
allowance_days = { "1" = 98, "2" = 113 }
extra_fetus_days = 15

[maternity.employee.delivery]
"1" = { ratio = "1", cap = "2500" }
"2" = { ratio = "0.9", cap = "3500" }

[maternity.resident.delivery]
"1" = { ratio = "1", cap = "800" }

[cmi.products.EHB2024]
name = "e惠保"
insurer = "某保险公司"
deductible = "15000"
in_ratio = "0.70"
out_ratio = "0.50"
annual_cap = "1000000"
med_types = ["21", "14"]

[cmi.products.basic-2]
name = "简版"
deductible = "20000"
in_ratio = "0.60"
annual_cap = "500000"
"""

GOOD = BASE + "\n" + SECTIONS


def test_sections_read_into_values() -> None:
    policy = parse_policy(GOOD, "good.toml")
    assert policy.family_sharing is True  # default
    opsp = policy.opsp
    assert opsp is not None and opsp.long_rx_days == 56
    mente, liangbing = opsp.group("mente"), opsp.group("liangbing")
    assert mente is not None and liangbing is not None
    assert mente.shared_cap and not liangbing.shared_cap
    assert liangbing.name == "liangbing" and liangbing.employee is None  # name defaults to the key
    assert mente.resident is not None and mente.resident.deductible.of("3") == Decimal("200")
    assert mente.employee is not None and mente.employee.retired_ratio_add == Decimal("0.05")
    hypertension = opsp.disease("M03900")
    assert hypertension is not None
    assert (hypertension.group, hypertension.icd10, hypertension.cert_months) == (
        "liangbing", ("I10-I15",), 24)  # cert_months default
    assert hypertension.criteria == "二级及以上医院确诊"
    cancer = opsp.disease("M00500")
    assert cancer is not None and cancer.cert_months == 12 and cancer.criteria == ""
    assert opsp.disease("M99999") is None

    maternity = policy.maternity
    assert maternity is not None and maternity.employee is not None
    assert maternity.employee.prenatal == Capped(Decimal("1"), Decimal("1000"))
    assert dict(maternity.employee.delivery)["2"] == Capped(Decimal("0.9"), Decimal("3500"))
    assert maternity.employee.extra_fetus == Decimal("500")
    assert dict(maternity.employee.allowance_days) == {"1": 98, "2": 113}
    assert maternity.employee.extra_fetus_days == 15
    assert maternity.resident is not None and maternity.resident.prenatal is None
    assert maternity.resident.extra_fetus == 0 and maternity.resident.allowance_days == ()

    ehb, basic = policy.cmi_product("EHB2024"), policy.cmi_product("basic-2")
    assert ehb is not None and basic is not None and policy.cmi_product("nope") is None
    assert (ehb.name, ehb.insurer, ehb.med_types) == ("e惠保", "某保险公司", ("21", "14"))
    assert (ehb.deductible, ehb.in_ratio, ehb.out_ratio, ehb.annual_cap) == (
        Decimal("15000"), Decimal("0.70"), Decimal("0.50"), Decimal("1000000"))
    assert (basic.out_ratio, basic.med_types, basic.insurer) == (Decimal(0), ("21",), "")

    apply = policy.assistance_apply
    assert apply is not None and (apply.group, apply.income_share, apply.months) == (
        "yinbing", Decimal("0.5"), 6)
    monitoring = policy.monitoring
    assert monitoring is not None
    assert (monitoring.rural_income, monitoring.share_low_income, monitoring.share_general,
            monitoring.household_share) == (
        Decimal("16000"), Decimal("0.5"), Decimal("0.9"), Decimal("0.4"))  # low-income: default
    assert [name for name, _ in policy.assistance] == ["dibao", "yinbing"]


def test_absent_sections_are_neutral() -> None:
    policy = parse_policy(BASE, "bare.toml")
    assert (policy.opsp, policy.maternity, policy.cmi_products, policy.assistance_apply,
            policy.monitoring, policy.family_sharing) == (None, None, (), None, None, True)


def test_defaults_and_switches() -> None:
    text = GOOD.replace("pays_selfpay_items = false", "family_sharing = false").replace(
        "long_rx_days = 56\n", "").replace("months = 6\n", "")
    policy = parse_policy(text, "x.toml")
    assert policy.family_sharing is False
    assert policy.opsp is not None and policy.opsp.long_rx_days == 28
    assert policy.assistance_apply is not None and policy.assistance_apply.months == 12


@pytest.mark.parametrize(
    ("diagnosis", "covered"),
    [("I10.x00", True), ("I15.000", True), ("I16", False), ("C34.900x001", True),
     ("D09.9", True), ("D10", False), ("Z51.1", True), ("Z51.0", False), ("B99", False)],
)
def test_disease_covers_codes_and_ranges(diagnosis: str, covered: bool) -> None:
    opsp = parse_policy(GOOD, "good.toml").opsp
    assert opsp is not None
    codes = (opsp.disease("M03900"), opsp.disease("M00500"))
    assert any(d is not None and d.covers(diagnosis) for d in codes) is covered


def _line_of(text: str, marker: str) -> int:
    """The 1-based line of the first line containing `marker` (the expected error line)."""
    return next(n for n, line in enumerate(text.splitlines(), 1) if marker in line)


@pytest.mark.parametrize(
    ("old", "new", "key", "marker"),
    [
        # unknown keys
        ("long_rx_days = 56", "long_rx_days = 56\nbonus = 1", "opsp.bonus", "bonus"),
        ('shared_cap = true', 'shared_cap = true\ncolor = "red"', "opsp.groups.mente.color",
         "color"),
        ('cert_months = 12', 'cert_months = 12\nextra = 1', "opsp.diseases.M00500.extra",
         "extra"),
        ('extra_fetus_days = 15', 'extra_fetus_days = 15\nbonus_days = 3',
         "maternity.employee.bonus_days", "bonus_days"),
        ('[maternity.resident.delivery]', '[maternity.resident]\nextra_fetus_days = 16\n\n'
         '[maternity.resident.delivery]', "maternity.resident.extra_fetus_days",
         "extra_fetus_days = 16"),
        ('"1" = { ratio = "1", cap = "800" }', '"1" = { ratio = "1", cap = "800", days = 3 }',
         "maternity.resident.delivery.1.days", 'cap = "800"'),
        ('out_ratio = "0.50"', 'out_ratio = "0.50"\nrebate = "1"', "cmi.products.EHB2024.rebate",
         "rebate"),
        ('months = 6', 'months = 6\nquota = 1', "assistance.apply.quota", "quota"),
        ('share_general = "0.9"', 'share_general = "0.9"\nshare_x = "1"', "monitoring.share_x",
         "share_x"),
        ('pays_selfpay_items = false', 'pays_selfpay_items = false\nfamily = true',
         "employee.account.family", "family = true"),
        # missing keys
        ('name = "高血压"\n', "", "opsp.diseases.M03900.name", "[opsp.diseases.M03900]"),
        ('icd10 = ["I10-I15"]\n', "", "opsp.diseases.M03900.icd10", "[opsp.diseases.M03900]"),
        ('in_ratio = "0.70"\n', "", "cmi.products.EHB2024.in_ratio", "[cmi.products.EHB2024]"),
        ('income_share = "0.5"\n', "", "assistance.apply.income_share", "[assistance.apply]"),
        ('rural_income = "16000"\n', "", "monitoring.rural_income", "[monitoring]"),
        ('"2" = { ratio = "0.9", cap = "3500" }', '"2" = { ratio = "0.9" }',
         "maternity.employee.delivery.2.cap", '"2" = { ratio = "0.9" }'),
        ('[opsp.groups.liangbing]\nresident', '[opsp.groups.liangbing]\nname = "两病"\nx_resident',
         "opsp.groups.liangbing.x_resident", "x_resident"),
        # values out of range
        ("long_rx_days = 56", "long_rx_days = 85", "opsp.long_rx_days", "long_rx_days"),
        ("long_rx_days = 56", "long_rx_days = 0", "opsp.long_rx_days", "long_rx_days"),
        ("long_rx_days = 56", 'long_rx_days = "28"', "opsp.long_rx_days", "long_rx_days"),
        ("cert_months = 12", "cert_months = 121", "opsp.diseases.M00500.cert_months",
         "cert_months"),
        ("cert_months = 12", "cert_months = 0", "opsp.diseases.M00500.cert_months",
         "cert_months"),
        ('"3" = "0.60" }\nannual_cap = "220000"', '"3" = "1.60" }\nannual_cap = "220000"',
         "opsp.groups.mente.resident.ratio.3", '"1.60"'),
        ('prenatal = { ratio = "1", annual_cap = "1000" }',
         'prenatal = { ratio = "1", annual_cap = "-1" }',
         "maternity.employee.prenatal.annual_cap", "prenatal"),
        ('allowance_days = { "1" = 98, "2" = 113 }', 'allowance_days = { "1" = 98, "2" = 366 }',
         "maternity.employee.allowance_days.2", "allowance_days"),
        ('extra_fetus = "500"', 'extra_fetus = "500.001"', "maternity.employee.extra_fetus",
         'extra_fetus = "500.001"'),
        ('"1" = { ratio = "1", cap = "800" }', '"1234567" = { ratio = "1", cap = "800" }',
         "maternity.resident.delivery.1234567", "1234567"),
        ('in_ratio = "0.70"', 'in_ratio = "0.701234"', "cmi.products.EHB2024.in_ratio",
         "in_ratio"),
        ("months = 6", "months = 25", "assistance.apply.months", "months = 25"),
        ('share_general = "0.9"', 'share_general = "1.5"', "monitoring.share_general",
         "share_general"),
        ('pays_selfpay_items = false', 'family_sharing = "yes"',
         "employee.account.family_sharing", "family_sharing"),
        # a disease whose group does not exist
        ('group = "liangbing"', 'group = "lianbing"', "opsp.diseases.M03900.group",
         'group = "lianbing"'),
        # an apply group without its assistance group table
        ('group = "yinbing"', 'group = "dibao_edge"', "assistance.apply.group",
         'group = "dibao_edge"'),
        # a bad product id, a bad or repeated med_type
        ("[cmi.products.basic-2]", '[cmi.products."e惠保"]', "cmi.products.e惠保",
         '[cmi.products."'),
        ("[cmi.products.basic-2]", "[cmi.products.P123456789012345678901]",
         "cmi.products.P123456789012345678901", "P123456789012345678901"),
        ('med_types = ["21", "14"]', 'med_types = ["21", "14", "21"]',
         "cmi.products.EHB2024.med_types", "med_types"),
        ('med_types = ["21", "14"]', 'med_types = ["21", "31"]',
         "cmi.products.EHB2024.med_types", "med_types"),
        ('med_types = ["21", "14"]', "med_types = []", "cmi.products.EHB2024.med_types",
         "med_types"),
        # ICD-10 codes and ranges
        ('icd10 = ["I10-I15"]', "icd10 = []", "opsp.diseases.M03900.icd10", "icd10"),
        ('icd10 = ["I10-I15"]', 'icd10 = ["I15-I10"]', "opsp.diseases.M03900.icd10.0",
         "icd10"),
        ('icd10 = ["I10-I15"]', 'icd10 = ["I10", "hypertension"]',
         "opsp.diseases.M03900.icd10.1", "icd10"),
        # a group with neither scheme
        ("[opsp.groups.liangbing]\n" + LIANGBING, '[opsp.groups.liangbing]\nname = "两病"\n',
         "opsp.groups.liangbing.resident",
         "[opsp.groups.liangbing]"),
        # a disease code longer than 30 characters
        ("[opsp.diseases.M03900]", "[opsp.diseases.M" + "0" * 30 + "]",
         "opsp.diseases.M" + "0" * 30, "[opsp.diseases.M000"),
    ],
)
def test_refusals_name_file_key_and_line(old: str, new: str, key: str, marker: str) -> None:
    assert GOOD.count(old) == 1, old
    text = GOOD.replace(old, new)
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "bad.toml")
    err = caught.value
    assert (err.file, err.key, err.line) == ("bad.toml", key, _line_of(text, marker))
    assert str(err).startswith(f"bad.toml:{err.line}: {key}: ")


def test_unknown_section_still_refused() -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy(GOOD + "\n[hmo]\nx = 1\n", "bad.toml")
    assert (caught.value.key, caught.value.line) == ("hmo", GOOD.count("\n") + 2)


@pytest.mark.parametrize("policy_id", ["511623-2024", "511623-2025"])
def test_shipped_linshui_policies_carry_the_sections(policy_id: str) -> None:
    policy = load_policy(policy_id)
    year = policy_id[-4:]
    assert policy.family_sharing is True
    opsp = policy.opsp
    assert opsp is not None and opsp.long_rx_days == 28
    names = {d.name for d in opsp.diseases}
    for disease in ("高血压", "糖尿病", "恶性肿瘤门诊放化疗", "尿毒症透析", "器官移植术后抗排异"):
        assert any(name.startswith(disease) for name in names), disease
    liangbing = [d for d in opsp.diseases if d.group == "liangbing"]
    assert {d.name[:3] for d in liangbing} == {"高血压", "糖尿病"}
    assert all(d.covers("I10.x00") for d in liangbing if d.name.startswith("高血压"))
    assert policy.maternity is not None and policy.maternity.employee is not None
    assert dict(policy.maternity.employee.allowance_days)["1"] == 98
    ehb = policy.cmi_product(f"EHB{year}")
    assert ehb is not None and ehb.name == "e惠保"
    assert policy.assistance_apply is not None
    assert policy.assistance_apply.group in dict(policy.assistance)
    assert policy.monitoring is not None and policy.monitoring.rural_income > 0


def test_policy_show_renders_the_sections() -> None:
    runner = CliRunner()
    shown = runner.invoke(app, ["policy", "show", "511623-2024"])
    assert shown.exit_code == 0, shown.output
    for text in ("门诊慢特病：长期处方标记 > 28 天", "M00500", "生育（职工）", "EHB2024",
                 "依申请救助", "因病致贫返贫监测"):
        assert text in shown.output, text
    before = runner.invoke(app, ["policy", "show", "511623-2020"])
    assert before.exit_code == 0 and "M00500" not in before.output
    assert "惠民保" not in before.output and "生育" not in before.output
