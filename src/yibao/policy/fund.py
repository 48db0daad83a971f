"""Fund management (基金管理): the `[fund]` section of a policy file, as frozen values.

The funds that contributions do not finance get their money here (docs/ledger.md, `funding`):
employees pay a yearly large-expense premium (大额医疗费用补助), the budget pays a yearly subsidy
per civil servant (公务员医疗补助) and allocates medical assistance (医疗救助) per insured
resident. Institutions are paid monthly (月度结算拨付) less a withheld quality deposit
(质量保证金), a share of what they are owed, settled at the year's end.

```toml
[fund]
large_expense_per_employee = "120"   # 大额医疗费用补助: premium per employee and year (元)
civil_servant_per_person = "600"     # 公务员医疗补助: budget per civil servant and year (元)
assistance_per_resident = "54"       # 医疗救助: fiscal allocation per insured resident (元)
quality_deposit = "0.05"             # 质量保证金: share of what an institution is owed
```
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from yibao.policy.loader import Reader

AMOUNTS: Final = ("large_expense_per_employee", "civil_servant_per_person",
                  "assistance_per_resident")
#: The deposit may not withhold more than this share: the rest is the institutions' cash flow.
MAX_QUALITY_DEPOSIT: Final = Decimal("0.2")


@dataclass(frozen=True, slots=True)
class FundRules:
    """The `[fund]` section: yearly funding per person (yuan) and the quality-deposit share."""

    large_expense_per_employee: Decimal
    civil_servant_per_person: Decimal
    assistance_per_resident: Decimal
    quality_deposit: Decimal


def parse_fund(reader: Reader, raw: Mapping[str, Any]) -> FundRules:
    """Validate the `[fund]` table; errors name the file, the key and the line."""
    path = ("fund",)
    reader.keys(raw, path, {*AMOUNTS, "quality_deposit"}, set())
    amounts = {k: reader.number(raw[k], (*path, k), "amount") for k in AMOUNTS}
    deposit = reader.number(raw["quality_deposit"], (*path, "quality_deposit"), "ratio")
    if deposit > MAX_QUALITY_DEPOSIT:
        raise reader.fail((*path, "quality_deposit"),
                          f"质量保证金比例不得超过 {MAX_QUALITY_DEPOSIT}，实为 {deposit}")
    return FundRules(**amounts, quality_deposit=deposit)
