"""Typed read views of the bureau's services (查询结果): frozen values a face renders.

Each view is a frozen dataclass; it also reads as a mapping (`view["name"]`, `view.get`), so a
renderer may take either form, and the HTTP face validates it against its output schema.
Money is a decimal string with two places, as at every face.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any


class View(Mapping[str, Any]):
    """A frozen dataclass readable as a mapping of its fields."""

    __slots__ = ()
    __dataclass_fields__: dict[str, Any]

    def __getitem__(self, key: str) -> Any:
        if key not in self.__dataclass_fields__:
            raise KeyError(key)
        return getattr(self, key)

    def __iter__(self) -> Iterator[str]:
        return iter(self.__dataclass_fields__)

    def __len__(self) -> int:
        return len(self.__dataclass_fields__)


@dataclass(frozen=True, slots=True)
class PersonItem(View):
    id_number: str
    name: str
    birth_date: date
    sex: str
    region: str
    household_id: str | None
    groups: tuple[str, ...]
    civil_servant: bool


@dataclass(frozen=True, slots=True)
class PersonEnrollment(View):
    scheme: str
    region: str
    year: int
    status: str
    psn_type: str
    start_date: date
    benefit_start: date


@dataclass(frozen=True, slots=True)
class PersonDetail(PersonItem):
    """A person with the enrollments the reader may see."""

    enrollments: tuple[PersonEnrollment, ...]


@dataclass(frozen=True, slots=True)
class EnrollmentItem(View):
    id_number: str
    scheme: str
    region: str
    year: int
    status: str
    psn_type: str
    start_date: date
    benefit_start: date
    waiting_months: int
    employer_code: str | None
    wage_base: str | None


@dataclass(frozen=True, slots=True)
class SettlementItem(View):
    setl_id: str
    mdtrt_id: str
    fixmedins_code: str
    psn_no: str
    insutype: str
    region: str
    year: int
    med_type: str
    commit_seq: int
    medfee_sumamt: str
    fund_pay_sumamt: str
    acct_pay: str
    psn_cash_pay: str
    created_at: datetime
    reversal_id: str | None
    setl_time: str  # Beijing time, YYYY-MM-DD HH:MM:SS


@dataclass(frozen=True, slots=True)
class SettlementDetail(View):
    """A stored settlement: the engine's output document (SETTLEMENT.md §4, amounts as
    `Decimal`) with its `setldetail` trace, and the accumulators before it."""

    setl_id: str
    fixmedins_code: str
    mdtrt_id: str
    region: str
    year: int
    commit_seq: int
    reversal_id: str | None
    setl_time: str  # Beijing time, YYYY-MM-DD HH:MM:SS
    result: Mapping[str, Any]
    ytd_before: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class FundBalanceItem(View):
    region: str
    code: str
    holder: str
    debit: str
    credit: str
    balance: str


@dataclass(frozen=True, slots=True)
class DrgItem(View):
    setl_id: str
    mdtrt_id: str
    fixmedins_code: str
    region: str
    year: int
    mdc: str
    adrg: str
    drg: str
    status: str
    trace: tuple[str, ...]
    created_at: datetime
    payment_method: str | None  # `payment.share.stay_method`; None until a year's payment


@dataclass(frozen=True, slots=True)
class MedTypeTotals(View):
    med_type: str
    settlements: int
    medfee_sumamt: str
    inscp_scp_amt: str
    hifp_pay: str
    fund_pay_sumamt: str


@dataclass(frozen=True, slots=True)
class Indicators(View):
    """Settlement indicators of a year in a scope (reversals left out)."""

    year: int
    scope: str
    by_med_type: tuple[MedTypeTotals, ...]
    #: The plan's ratios as the year report computes them (`indicators.aggregate`), from the
    #: inpatient settlements the store holds: in-policy ratios of each scheme, the key groups'
    #: assistance ratio and 住院费用按 DRG 结合点数法等非项目付费占比 (`payment.share`).
    inpatient_inscp_ratio_employee: str | None
    inpatient_inscp_ratio_resident: str | None
    assistance_ratio_key_groups: str | None
    inpatient_cost_share_drg: str | None


@dataclass(frozen=True, slots=True)
class WriteLogItem(View):
    at: datetime
    actor: str
    action: str
    target: str
    detail: Mapping[str, Any]
    region: str | None = None


@dataclass(frozen=True, slots=True)
class CaseItem(View):
    """An audit case (稽核案件) in the work queue."""

    case_id: str
    region: str
    year: int
    rule_id: str
    rule_name: str
    mdtrt_id: str
    setl_id: str
    fixmedins_code: str
    psn_no: str
    insutype: str
    amount: str
    state: str
    state_name: str
    recovery_txn_id: str | None
    refund_txn_id: str | None
    created_at: datetime
    created_by: str


@dataclass(frozen=True, slots=True)
class CaseEvent(View):
    """One move of a case (its append-only trail)."""

    at: datetime
    by: str
    from_state: str
    to_state: str
    note: str
    amount: str


@dataclass(frozen=True, slots=True)
class CaseDetail(CaseItem):
    """A case with its evidence, its trail and the moves open to it."""

    evidence: Mapping[str, Any]
    trail: tuple[CaseEvent, ...]
    moves: tuple[str, ...]
