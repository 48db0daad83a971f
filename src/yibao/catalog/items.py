"""Catalogue fee items (医保目录条目): class, 先行自付 share, price cap and use restrictions."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Final, Literal

from yibao.core.checks import invariant

ChargeLevel = Literal["01", "02", "03"]  # 甲类, 乙类, 丙类/自费
HospLevel = Literal["1", "2", "3"]
Sex = Literal["M", "F"]

CHARGE_LEVELS: Final[tuple[ChargeLevel, ...]] = ("01", "02", "03")
HOSP_LEVELS: Final[tuple[HospLevel, ...]] = ("1", "2", "3")
SEX_LABELS: Final = MappingProxyType({"M": "男性", "F": "女性"})


@dataclass(frozen=True, slots=True)
class Restrictions:
    """Who and where an item may be paid for (限性别, 限年龄, 限医院等级); bounds are inclusive."""

    sex: Sex | None = None
    age_min: int | None = None
    age_max: int | None = None
    min_hosp_lv: HospLevel | None = None
    max_hosp_lv: HospLevel | None = None


NO_RESTRICTIONS: Final = Restrictions()


@dataclass(frozen=True, slots=True)
class FeeItem:
    """One catalogue entry, keyed by `hilist_code`; None means the catalogue gives no value."""

    hilist_code: str
    name: str
    chrg_itm_lv: ChargeLevel
    selfpay_prop: Decimal | None = None
    pric_uplmt_amt: Decimal | None = None
    restrictions: Restrictions = NO_RESTRICTIONS


@dataclass(frozen=True, slots=True)
class Catalog:
    """An immutable set of fee items looked up by code; build it with `Catalog.of`."""

    items: tuple[FeeItem, ...]
    _by_code: Mapping[str, FeeItem] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_code = {item.hilist_code: item for item in self.items}
        invariant(len(by_code) == len(self.items), "catalogue codes must be unique")
        object.__setattr__(self, "_by_code", MappingProxyType(by_code))

    @classmethod
    def of(cls, items: Iterable[FeeItem]) -> Catalog:
        return cls(tuple(items))

    def get(self, hilist_code: str) -> FeeItem | None:
        return self._by_code.get(hilist_code)

    def __contains__(self, hilist_code: object) -> bool:
        return hilist_code in self._by_code

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[FeeItem]:
        return iter(self.items)


def _sex_violation(limit: Sex | None, sex: str | None) -> str | None:
    if limit is None or sex == limit:
        return None
    if sex is None:
        return f"限{SEX_LABELS[limit]}使用，患者性别未知，无法核验"
    return f"限{SEX_LABELS[limit]}使用，患者性别不符"


def _span(low: object, high: object, unit: str) -> str:
    if low is not None and high is not None:
        return f"限 {low}–{high} {unit}"
    if low is not None:
        return f"限 {low} {unit}及以上"
    return f"限 {high} {unit}及以下"


def _age_violation(rules: Restrictions, age: int | None) -> str | None:
    if rules.age_min is None and rules.age_max is None:
        return None
    span = _span(rules.age_min, rules.age_max, "岁") + "使用"
    if age is None:
        return f"{span}，患者年龄未知，无法核验"
    if (rules.age_min is not None and age < rules.age_min) or (
        rules.age_max is not None and age > rules.age_max
    ):
        return f"{span}，患者 {age} 岁"
    return None


def _hosp_violation(rules: Restrictions, hosp_lv: str | None) -> str | None:
    low, high = rules.min_hosp_lv, rules.max_hosp_lv
    if low is None and high is None:
        return None
    span = _span(low, high, "级") + "医疗机构使用"
    if hosp_lv not in HOSP_LEVELS:
        return f"{span}，机构等级未知，无法核验"
    assert hosp_lv is not None
    if (low is not None and hosp_lv < low) or (high is not None and hosp_lv > high):
        return f"{span}，本机构为 {hosp_lv} 级"
    return None


def restriction_violations(
    item: FeeItem, sex: str | None, age: int | None, hosp_lv: str | None
) -> tuple[str, ...]:
    """zh-CN reasons why paying `item` breaks its restrictions; empty when it does not.

    An unknown sex, age or level (None) fails closed: it is a violation whenever the item
    restricts on it, since the restriction cannot be verified.
    """
    rules = item.restrictions
    found = (
        _sex_violation(rules.sex, sex),
        _age_violation(rules, age),
        _hosp_violation(rules, hosp_lv),
    )
    return tuple(f"{item.hilist_code}（{item.name}）{reason}" for reason in found if reason)
