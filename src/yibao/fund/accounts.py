"""The chart of accounts (会计科目) of the fund ledger: one set per coordinating region (统筹区).

An account is named by its region, a code from `AccountCode` and, for accounts kept per holder, a
holder: the institution of a payable (应付定点医药机构款), the person of a personal account
(个人账户), the level of government of a fiscal receivable, the payer of a contribution
receivable. Fund and
liability accounts grow on the credit side, assets on the debit side (docs/ledger.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from yibao.settle.model import (
    FUND_ASSISTANCE,
    FUND_CIVIL_SERVANT,
    FUND_EMPLOYEE_POOL,
    FUND_LARGE_EXPENSE,
    FUND_RESIDENT_POOL,
    FUND_SERIOUS_ILLNESS,
)

MAX_HOLDER: Final = 32
SEPARATOR: Final = ":"


class AccountKind(StrEnum):
    """Which side an account grows on: assets on the debit side, the others on the credit side."""

    ASSET = "asset"
    LIABILITY = "liability"
    FUND = "fund"


class AccountCode(StrEnum):
    """The accounts of one region's ledger."""

    RESIDENT_POOL = "resident_pool"
    EMPLOYEE_POOL = "employee_pool"
    PERSONAL_ACCOUNT = "personal_account"
    SERIOUS_ILLNESS = "serious_illness"
    LARGE_EXPENSE = "large_expense"
    CIVIL_SERVANT = "civil_servant"
    ASSISTANCE = "assistance"
    PAYABLE_INSTITUTION = "payable_institution"
    FISCAL_RECEIVABLE = "fiscal_receivable"
    CONTRIBUTION_RECEIVABLE = "contribution_receivable"
    OVERDRAFT_RECEIVABLE = "overdraft_receivable"
    FUND_DEPOSIT = "fund_deposit"
    OFFSITE_PAYABLE = "offsite_payable"
    OFFSITE_RECEIVABLE = "offsite_receivable"
    OFFSITE_PREPAID = "offsite_prepaid"
    OFFSITE_PREPAY_HELD = "offsite_prepay_held"
    MANUAL_CLAIM_PAYABLE = "manual_claim_payable"
    ASSISTANCE_PAYABLE = "assistance_payable"


@dataclass(frozen=True, slots=True)
class AccountSpec:
    """What an account is: its kind, its zh-CN name and what its holder names (if any)."""

    kind: AccountKind
    name: str
    holder: str = ""
    #: The sign rule: the balance (on the growing side) may never be below zero. Personal
    #: accounts are the insured's money; receivables are never collected beyond what is owed.
    #: Funds may run a deficit (穿底; the year job warns when one closes below zero), and an
    #: institution may owe a recovery larger than what it is owed.
    never_negative: bool = False


CHART: Final[Mapping[AccountCode, AccountSpec]] = MappingProxyType({
    AccountCode.RESIDENT_POOL: AccountSpec(AccountKind.FUND, "居民医保统筹基金"),
    AccountCode.EMPLOYEE_POOL: AccountSpec(AccountKind.FUND, "职工医保统筹基金"),
    AccountCode.PERSONAL_ACCOUNT: AccountSpec(
        AccountKind.LIABILITY, "职工医保个人账户", "参保人", never_negative=True),
    AccountCode.SERIOUS_ILLNESS: AccountSpec(AccountKind.FUND, "城乡居民大病保险资金"),
    AccountCode.LARGE_EXPENSE: AccountSpec(AccountKind.FUND, "大额医疗费用补助资金"),
    AccountCode.CIVIL_SERVANT: AccountSpec(AccountKind.FUND, "公务员医疗补助资金"),
    AccountCode.ASSISTANCE: AccountSpec(AccountKind.FUND, "医疗救助基金"),
    AccountCode.PAYABLE_INSTITUTION: AccountSpec(
        AccountKind.LIABILITY, "应付定点医药机构款", "定点医药机构"),
    AccountCode.FISCAL_RECEIVABLE: AccountSpec(
        AccountKind.ASSET, "应收财政补助", "财政层级", never_negative=True),
    AccountCode.CONTRIBUTION_RECEIVABLE: AccountSpec(
        AccountKind.ASSET, "应收参保缴费", "缴费方", never_negative=True),
    AccountCode.OVERDRAFT_RECEIVABLE: AccountSpec(
        AccountKind.ASSET, "应收个人账户透支款", "参保人", never_negative=True),
    AccountCode.FUND_DEPOSIT: AccountSpec(AccountKind.ASSET, "基金存款"),
    # Cross-region care (docs/offsite.md), 先预付后清算: the insured region owes the care region
    # the fund part of its people's offsite settlements and keeps a prepayment with it; the care
    # region is owed what it advanced to its institutions and holds the prepayment.
    AccountCode.OFFSITE_PAYABLE: AccountSpec(
        AccountKind.LIABILITY, "应付异地就医清算款", "就医地统筹区"),
    AccountCode.OFFSITE_RECEIVABLE: AccountSpec(
        AccountKind.ASSET, "应收异地就医清算款", "参保地统筹区"),
    AccountCode.OFFSITE_PREPAID: AccountSpec(
        AccountKind.ASSET, "异地就医预付金", "就医地统筹区", never_negative=True),
    AccountCode.OFFSITE_PREPAY_HELD: AccountSpec(
        AccountKind.LIABILITY, "暂收异地就医预付金", "参保地统筹区", never_negative=True),
    # 零星报销 (docs/offsite.md "Manual claims"): the fund part of a manual claim is owed to the
    # insured person who paid the institution in full, until the agency pays it out.
    AccountCode.MANUAL_CLAIM_PAYABLE: AccountSpec(
        AccountKind.LIABILITY, "应付零星报销款", "参保人"),
    # 依申请救助 (SETTLEMENT.md §6): an approved application's grant is owed to the person, who
    # paid the bills, until the agency pays it out.
    AccountCode.ASSISTANCE_PAYABLE: AccountSpec(
        AccountKind.LIABILITY, "应付医疗救助款", "参保人"),
})

#: The account that pays each `setldetail` fund pay type (docs/settlement.md §4).
ACCOUNT_OF_FUND: Final[Mapping[str, AccountCode]] = MappingProxyType({
    FUND_RESIDENT_POOL: AccountCode.RESIDENT_POOL,
    FUND_EMPLOYEE_POOL: AccountCode.EMPLOYEE_POOL,
    FUND_SERIOUS_ILLNESS: AccountCode.SERIOUS_ILLNESS,
    FUND_LARGE_EXPENSE: AccountCode.LARGE_EXPENSE,
    FUND_CIVIL_SERVANT: AccountCode.CIVIL_SERVANT,
    FUND_ASSISTANCE: AccountCode.ASSISTANCE,
})

#: Holders of the fiscal-receivable and contribution-receivable accounts.
FISCAL_LEVELS: Final = ("central", "provincial", "local")
PAYERS: Final = ("individual", "employer", "employee")


@dataclass(frozen=True, slots=True, order=True)
class AccountKey:
    """One account: region, code and holder (empty for region-wide accounts)."""

    region: str
    code: AccountCode
    holder: str = ""

    def __post_init__(self) -> None:
        spec = CHART[self.code]
        if bool(spec.holder) != bool(self.holder):
            raise ValueError(f"account {self.code} {'needs' if spec.holder else 'takes no'} holder")
        if len(self.holder) > MAX_HOLDER or SEPARATOR in self.holder + self.region:
            raise ValueError(f"bad account holder or region: {self.region!r} {self.holder!r}")

    @property
    def text(self) -> str:
        """The stored key, `region:code[:holder]`, e.g. `511623:payable_institution:H51…`."""
        parts = (self.region, self.code.value, self.holder) if self.holder else (
            self.region, self.code.value)
        return SEPARATOR.join(parts)

    @property
    def kind(self) -> AccountKind:
        return CHART[self.code].kind

    @classmethod
    def parse(cls, text: str) -> AccountKey:
        region, code, *holder = text.split(SEPARATOR, 2)
        return cls(region, AccountCode(code), holder[0] if holder else "")


def signed_balance(kind: AccountKind, debit_fen: int, credit_fen: int) -> int:
    """The balance on the account's growing side: debit − credit for assets, else the reverse."""
    return debit_fen - credit_fen if kind is AccountKind.ASSET else credit_fen - debit_fen
