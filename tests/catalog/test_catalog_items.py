"""Item restrictions (sex, age, hospital level) report each breach in zh-CN, inclusive at the
bounds and failing closed on unknown facts; catalogues and registries refuse duplicate codes."""

from __future__ import annotations

import pytest

from yibao.catalog import (
    Catalog,
    FeeItem,
    Institution,
    InstitutionRegistry,
    Restrictions,
    restriction_violations,
)
from yibao.core.checks import InvariantError


def item(rules: Restrictions) -> FeeItem:
    return FeeItem("XG03DAH046B002010100001", "黄体酮注射液", "02", restrictions=rules)


# (restrictions, sex, age, hosp_lv, fragments expected, one per violation)
CASES = [
    (Restrictions(), None, None, None, []),
    (Restrictions(sex="F"), "F", 30, "2", []),
    (Restrictions(sex="F"), "M", 30, "2", ["限女性使用，患者性别不符"]),
    (Restrictions(sex="M"), None, 30, "2", ["限男性使用，患者性别未知"]),
    (Restrictions(age_min=14, age_max=60), "F", 14, "2", []),
    (Restrictions(age_min=14, age_max=60), "F", 60, "2", []),
    (Restrictions(age_min=14, age_max=60), "F", 13, "2", ["限 14–60 岁使用，患者 13 岁"]),
    (Restrictions(age_min=14, age_max=60), "F", 61, "2", ["限 14–60 岁使用，患者 61 岁"]),
    (Restrictions(age_max=14), "F", 15, "2", ["限 14 岁及以下使用"]),
    (Restrictions(age_min=65), "F", 64, "2", ["限 65 岁及以上使用"]),
    (Restrictions(age_min=0), "F", None, "2", ["年龄未知"]),
    (Restrictions(min_hosp_lv="2"), "F", 30, "2", []),
    (Restrictions(min_hosp_lv="2"), "F", 30, "1", ["限 2 级及以上医疗机构使用，本机构为 1 级"]),
    (Restrictions(max_hosp_lv="1"), "F", 30, "3", ["限 1 级及以下医疗机构使用，本机构为 3 级"]),
    (Restrictions(min_hosp_lv="2", max_hosp_lv="3"), "F", 30, "3", []),
    (Restrictions(min_hosp_lv="2"), "F", 30, None, ["机构等级未知"]),
    (Restrictions(min_hosp_lv="2"), "F", 30, "4", ["机构等级未知"]),
    (
        Restrictions(sex="F", age_min=14, min_hosp_lv="3"),
        "M",
        10,
        "1",
        ["性别不符", "患者 10 岁", "本机构为 1 级"],
    ),
]


@pytest.mark.parametrize(("rules", "sex", "age", "hosp_lv", "fragments"), CASES)
def test_restriction_violations(
    rules: Restrictions,
    sex: str | None,
    age: int | None,
    hosp_lv: str | None,
    fragments: list[str],
) -> None:
    found = restriction_violations(item(rules), sex, age, hosp_lv)
    assert isinstance(found, tuple)
    assert len(found) == len(fragments)
    for reason, fragment in zip(found, fragments, strict=True):
        assert reason.startswith("XG03DAH046B002010100001（黄体酮注射液）")
        assert fragment in reason


def test_catalogue_lookup() -> None:
    catalog = Catalog.of([FeeItem("A", "甲", "01"), FeeItem("B", "乙", "02")])
    assert catalog.get("A") == FeeItem("A", "甲", "01")
    assert catalog.get("Z") is None
    assert "B" in catalog and "Z" not in catalog
    assert [entry.hilist_code for entry in catalog] == ["A", "B"]
    assert len(catalog) == 2


def test_duplicate_codes_are_a_programmer_error() -> None:
    with pytest.raises(InvariantError):
        Catalog.of([FeeItem("A", "甲", "01"), FeeItem("A", "乙", "02")])
    inst = Institution("H51162300001", "医院", "2", "hospital", "511623")
    with pytest.raises(InvariantError):
        InstitutionRegistry.of([inst, inst])
