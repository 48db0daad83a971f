"""依申请救助 and poverty-risk monitoring (SETTLEMENT.md §5–§6): the `[assistance.apply]` and
`[monitoring]` sections of a policy file, as frozen values.

```toml
[assistance.apply]        # 依申请救助 (因病致贫重病患者), 国办发〔2021〕42号 [K]
group = "yinbing"         # the group granted; needs its [assistance.groups.yinbing]
income_share = "0.5"      # out-of-pocket over `months` ≥ household income × this share
months = 12

[monitoring]              # 防止因病致贫返贫 动态监测, 国办发〔2021〕42号 [K]
rural_income = "16000"    # 农村居民人均可支配收入 (元)
share_low_income = "0.5"  # flag a person in an assistance group at oop ≥ rural_income × this
share_general = "1"       # everyone else
household_share = "0.5"   # a household at oop ≥ rural_income × this × insured members
```

The per-visit settlement reads neither: the stateful service and the year job do (a later step).
Errors name the file, the key and the line (`Reader.fail`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from yibao.policy.loader import Reader

MAX_APPLY_MONTHS: Final = 24
DEFAULT_APPLY_MONTHS: Final = 12


@dataclass(frozen=True, slots=True)
class AssistanceApply:
    """`[assistance.apply]`: the group an approved application grants and the income test."""

    group: str
    income_share: Decimal
    months: int = DEFAULT_APPLY_MONTHS


@dataclass(frozen=True, slots=True)
class Monitoring:
    """`[monitoring]`: the income line and the shares at which a person or household is flagged."""

    rural_income: Decimal
    share_low_income: Decimal = Decimal("0.5")
    share_general: Decimal = Decimal(1)
    household_share: Decimal = Decimal("0.5")


def parse_apply(reader: Reader, raw: object, groups: frozenset[str]) -> AssistanceApply:
    """Validate `[assistance.apply]`; `groups` are the names of `[assistance.groups]`."""
    path = ("assistance", "apply")
    table = reader.table(raw, path)
    reader.keys(table, path, {"group", "income_share"}, {"months"})
    group = table["group"]
    if not isinstance(group, str) or group not in groups:
        known = "、".join(sorted(groups)) or "（无）"
        raise reader.fail((*path, "group"), f"救助人群 {group!r} 没有 [assistance.groups.{group}] "
                          f"救助表（已有：{known}）")
    return AssistanceApply(
        group=group,
        income_share=reader.number(table["income_share"], (*path, "income_share"), "ratio"),
        months=reader.whole(table.get("months", DEFAULT_APPLY_MONTHS), (*path, "months"),
                            1, MAX_APPLY_MONTHS),
    )


def parse_monitoring(reader: Reader, raw: Mapping[str, Any]) -> Monitoring:
    """Validate `[monitoring]`: `rural_income` required, the three shares ratios with defaults."""
    path = ("monitoring",)
    shares = {"share_low_income": "0.5", "share_general": "1", "household_share": "0.5"}
    reader.keys(raw, path, {"rural_income"}, set(shares))
    return Monitoring(
        rural_income=reader.number(raw["rural_income"], (*path, "rural_income"), "amount"),
        **{key: reader.number(raw.get(key, default), (*path, key), "ratio")
           for key, default in shares.items()},
    )
