"""Cross-region care (异地就医): the `[filing]` section of a policy file, as frozen values.

The insured region's policy says how its people file (备案) for care elsewhere, what happens to
those who did not, how a manual claim (零星报销) is paid and how large a prepayment (预付金) it
keeps with the care side (docs/offsite.md; facts/policy.md §9, 医保发〔2022〕22号):

```toml
[filing]
temporary_days = 180        # 临时外出就医: a filing is valid this many days from its start
long_term_min_days = 180    # 异地长期居住: no change or revocation before this many days
retro_days = 30             # 补办备案: an emergency (急诊抢救) may be filed this long after care
unfiled = "delta"           # "delta": settle with [offsite].unfiled; "refuse": no direct settlement
manual_delta = "0"          # added to the ratio of a manual claim (零星报销), in [-1, 0]
prepayment_months = "2"     # 预付金: this multiple of last year's average monthly offsite fund pay
```

Every key is optional; the defaults are the values above ([K]: facts/policy.md §9 names two
months of prepayment; the day counts are common provincial practice [U] and a bureau sets its own).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final, Literal

if TYPE_CHECKING:
    from yibao.policy.loader import Reader

UNFILED_RULES: Final = ("delta", "refuse")
DAY_KEYS: Final = ("temporary_days", "long_term_min_days", "retro_days")
#: No filing period or window longer than ten years.
MAX_DAYS: Final = 3660


@dataclass(frozen=True, slots=True)
class FilingRules:
    """The `[filing]` section (defaults when the policy has none)."""

    temporary_days: int = 180
    long_term_min_days: int = 180
    retro_days: int = 30
    unfiled: Literal["delta", "refuse"] = "delta"
    manual_delta: Decimal = Decimal(0)
    prepayment_months: Decimal = Decimal(2)


DEFAULT_FILING: Final = FilingRules()


def parse_filing(reader: Reader, raw: Mapping[str, Any]) -> FilingRules:
    """Validate the `[filing]` table; errors name the file, the key and the line."""
    path = ("filing",)
    reader.keys(raw, path, set(), {*DAY_KEYS, "unfiled", "manual_delta", "prepayment_months"})
    days: dict[str, Any] = {}
    for key in DAY_KEYS:
        if key not in raw:
            continue
        value = raw[key]
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_DAYS:
            raise reader.fail((*path, key), f"应为 0–{MAX_DAYS} 之间的整数天数")
        days[key] = value
    if days.get("temporary_days") == 0:
        raise reader.fail((*path, "temporary_days"), "临时外出备案的有效期至少 1 天")
    unfiled = raw.get("unfiled", "delta")
    if unfiled not in UNFILED_RULES:
        raise reader.fail((*path, "unfiled"), "应为 \"delta\"（按未备案降低比例结算）"
                          "或 \"refuse\"（不予直接结算，须备案或回参保地零星报销）")
    extra: dict[str, Any] = {}
    if "manual_delta" in raw:
        extra["manual_delta"] = reader.number(raw["manual_delta"], (*path, "manual_delta"),
                                              "delta")
    if "prepayment_months" in raw:
        months = reader.number(raw["prepayment_months"], (*path, "prepayment_months"), "factor")
        if months > 12:
            raise reader.fail((*path, "prepayment_months"), "预付金倍数不得超过 12 个月")
        extra["prepayment_months"] = months
    return replace(DEFAULT_FILING, unfiled=unfiled, **days, **extra)
