"""Proves that cities' published payment tables shipped with yibao load with their
own headers: 常州 (level coefficients, base rates), 吉林 (outlier multiples 0.35/2.0), 苏州 (per-DRG
level coefficients), 盐城 (review groups), 北京 (text cells as flags); and that a table without
weights or with a bad number is refused with the file and line named."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.payment.helpers import cases, weights, yuan
from yibao.payment.cities import (
    CityTableError,
    city_point_rules,
    list_cities,
    load_city,
    parse_city_table,
)
from yibao.payment.points import case_points
from yibao.payment.shipped import SHIPPED_CITIES

PAYMENT = SHIPPED_CITIES


def test_changzhou_levels_and_rates():
    table = load_city(PAYMENT, "常州2022")
    assert len(table.groups) == 740
    assert table.rw()["ES25"] == Decimal("0.7107")
    assert dict(table.base_rates) == {"职工": Decimal("11519"), "居民": Decimal("9849")}
    assert dict(table.level_coefficients) == {"3": Decimal("1.01"), "2": Decimal("0.91")}
    rules = city_point_rules(table)
    assert dict(rules.coefficients.by_level) == {"2": Decimal("0.91"), "3": Decimal("1.01")}


def test_jilin_outlier_multiples():
    table = load_city(PAYMENT, "吉林2022")
    assert (table.low_multiple, table.high_multiple) == (Decimal("0.35"), Decimal("2.00"))
    assert table.rw()["AH11"] == Decimal("8.7026")
    (tier,) = city_point_rules(table).tiers
    assert (tier.low_multiple, tier.high_multiple) == (Decimal("0.35"), Decimal("2.00"))


def test_suzhou_per_group_level_coefficients_reach_the_points():
    table = load_city(PAYMENT, "苏州2023")
    first = table.groups[0]
    assert first.drg == "AA19"
    assert dict(first.level_coefficients) == {
        "1": Decimal("0.75"), "2": Decimal("1.02"), "3": Decimal("1.2")}
    rules = city_point_rules(table)
    assert not rules.coefficients.by_level and ("3", "AA19", Decimal("1.2")) in \
        rules.coefficients.by_level_drg
    w = weights(("AA19", "1.0000", yuan("10000"), 10))
    out = case_points(cases({"drg": "AA19", "level": "3"}, {"drg": "AA19", "level": "1"}), w, rules)
    assert out["points_e4"].to_list() == [1_200_000, 750_000]


def test_yancheng_review_groups_and_beijing_text():
    yancheng = load_city(PAYMENT, "盐城2023")
    assert "AA19" in yancheng.review_drgs() and len(yancheng.review_drgs()) == 24
    beijing = load_city(PAYMENT, "北京2022")
    wb19 = next(g for g in beijing.groups if g.drg == "WB19")
    assert wb19.rw is None and ("RW", "按项目据实支付") in wb19.flags


def test_most_cities_load():
    loaded = [c for c in list_cities(PAYMENT) if c != "银川2023"]
    assert len(loaded) >= 25
    for city in loaded:
        assert load_city(PAYMENT, city).rw()


def test_refusals_name_the_problem():
    with pytest.raises(CityTableError, match="没有 RW"):
        load_city(PAYMENT, "银川2023")  # 标准分值 only
    with pytest.raises(CityTableError, match="找不到城市参数表"):
        load_city(PAYMENT, "火星2099")
    lines = ["DRG编码,DRG名称,RW,等级系数（三级）", "AA19,心脏移植,1.2,abc"]
    with pytest.raises(CityTableError, match="第 2 行 列 等级系数（三级）"):
        parse_city_table("某市", lines)
