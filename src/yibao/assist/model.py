"""An application for medical assistance (依申请救助) as a frozen value.

States: `applied` (已申请, waiting for a decision), `granted` (已救助) and `refused` (未通过).
A refused application names its `reason`: a §6 refusal (`ApplyRefusal` value) or `handler`
(refused by the handler on review, with the handler's `note`). A granted one carries the
figures of its grant (`b`, `t`, `grant`) and its fund transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Final


class AppState(StrEnum):
    APPLIED = "applied"
    GRANTED = "granted"
    REFUSED = "refused"


STATE_NAMES: Final = {AppState.APPLIED: "待审核", AppState.GRANTED: "已救助",
                      AppState.REFUSED: "未通过"}
#: The reason of an application the handler refused on review (not a §6 rule).
HANDLER_REFUSAL: Final = "handler"


@dataclass(frozen=True, slots=True)
class Application:
    app_id: int
    psn_no: str
    scheme: str
    region: str
    year: int
    income: Decimal
    applied_on: date
    applied_by: str
    state: AppState
    reason: str = ""
    note: str = ""
    decided_on: date | None = None
    decided_by: str | None = None
    household_oop: Decimal | None = None
    threshold: Decimal | None = None
    b: Decimal | None = None
    t: Decimal | None = None
    grant: Decimal | None = None
    txn_id: str | None = None
