"""Settlement values (结算): the request, the year-to-date accumulators and the result.

Field names follow the national interface (docs/settlement.md), so a vendor recognises them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from typing import Final

from yibao.core.money import ZERO, fmt, fmt_ratio

MAX_FEE_LINES: Final = 2000
INSUTYPES: Final = {"310": ("in_service", "retired"), "390": ("resident",)}
MED_TYPES: Final = ("11", "14", "21")
ITEM_LEVELS: Final = ("01", "02", "03")

#: Fund pay type codes of the `setldetail` rows.
FUND_EMPLOYEE_POOL: Final = "310100"
FUND_RESIDENT_POOL: Final = "390100"
FUND_LARGE_EXPENSE: Final = "330100"
FUND_CIVIL_SERVANT: Final = "320100"
FUND_SERIOUS_ILLNESS: Final = "390200"
FUND_ASSISTANCE: Final = "610100"


@dataclass(frozen=True, slots=True)
class Person:
    psn_no: str
    insutype: str
    psn_type: str
    age: int | None = None
    groups: frozenset[str] = frozenset()
    civil_servant: bool = False


@dataclass(frozen=True, slots=True)
class Visit:
    mdtrt_id: str
    med_type: str
    hosp_lv: str
    offsite: str = "local"
    fixmedins_code: str | None = None
    begndate: date | None = None
    enddate: date | None = None

    @property
    def year(self) -> int | None:
        """The settlement year: that of `enddate`, else of `begndate`."""
        day = self.enddate or self.begndate
        return day.year if day else None


@dataclass(frozen=True, slots=True)
class FeeLine:
    feedetl_sn: str
    hilist_code: str
    chrg_itm_lv: str
    cnt: Decimal
    pric: Decimal
    selfpay_prop: Decimal | None = None
    pric_uplmt_amt: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Ytd:
    """Year-to-date accumulators of one person, scheme and year (年度累计)."""

    admissions: int = 0
    hifp_paid: Decimal = ZERO
    op_hifp_paid: Decimal = ZERO
    op_dedc_used: Decimal = ZERO
    si_base: Decimal = ZERO
    hifmi_paid: Decimal = ZERO
    hifob_paid: Decimal = ZERO
    cvlserv_paid: Decimal = ZERO
    maf_dedc_used: Decimal = ZERO
    maf_paid: Decimal = ZERO

    def to_json(self) -> dict[str, object]:
        return {
            f.name: getattr(self, f.name) if f.name == "admissions" else fmt(getattr(self, f.name))
            for f in fields(self)
        }


YTD_KEYS: Final = tuple(f.name for f in fields(Ytd))


@dataclass(frozen=True, slots=True)
class SettleRequest:
    """A settlement request. A stateful one (settled against the store) names only the person's
    `psn_no`: the store completes the person, the policy, the accumulators and, unless given
    (`hosp_lv_given`), the institution's level; `insuplc_admdvs` is the insured region the
    request asks for, if any."""

    policy: str
    person: Person
    visit: Visit
    fees: tuple[FeeLine, ...]
    ytd: Ytd = Ytd()
    acct_balc: Decimal = ZERO
    use_acct: bool = False
    setl_id: str | None = None
    ytd_given: bool = False
    insuplc_admdvs: str | None = None
    hosp_lv_given: bool = True


@dataclass(frozen=True, slots=True)
class FundDetail:
    """One `setldetail` row: what one fund paid, on which base, and why."""

    fund_pay_type: str
    inscp_scp_amt: Decimal
    crt_payb_lmt_amt: Decimal | None
    fund_payamt: Decimal
    setl_proc_info: str

    def to_json(self) -> dict[str, object]:
        room = self.crt_payb_lmt_amt
        return {
            "fund_pay_type": self.fund_pay_type,
            "inscp_scp_amt": fmt(self.inscp_scp_amt),
            "crt_payb_lmt_amt": None if room is None else fmt(room),
            "fund_payamt": fmt(self.fund_payamt),
            "setl_proc_info": self.setl_proc_info,
        }


MONEY_FIELDS: Final = (
    "medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt",
    "act_pay_dedc", "hifp_pay", "hifob_pay", "hifmi_pay", "cvlserv_pay", "maf_pay",
    "fund_pay_sumamt", "psn_part_amt", "acct_pay", "psn_cash_pay", "balc",
)


@dataclass(frozen=True, slots=True)
class SettleResult:
    setl_id: str
    mdtrt_id: str
    psn_no: str
    insutype: str
    med_type: str
    medfee_sumamt: Decimal
    fulamt_ownpay_amt: Decimal
    overlmt_selfpay: Decimal
    preselfpay_amt: Decimal
    inscp_scp_amt: Decimal
    act_pay_dedc: Decimal
    hifp_pay: Decimal
    pool_prop_selfpay: Decimal
    hifob_pay: Decimal
    hifmi_pay: Decimal
    cvlserv_pay: Decimal
    maf_pay: Decimal
    fund_pay_sumamt: Decimal
    psn_part_amt: Decimal
    acct_pay: Decimal
    psn_cash_pay: Decimal
    balc: Decimal
    setldetail: tuple[FundDetail, ...]
    ytd_after: Ytd

    def to_json(self) -> dict[str, object]:
        """The output document of docs/settlement.md §4: money as strings with two places."""
        out: dict[str, object] = {
            "setl_id": self.setl_id, "mdtrt_id": self.mdtrt_id, "psn_no": self.psn_no,
            "insutype": self.insutype, "med_type": self.med_type,
        }
        for name in MONEY_FIELDS:
            out[name] = fmt(getattr(self, name))
            if name == "hifp_pay":
                out["pool_prop_selfpay"] = fmt_ratio(self.pool_prop_selfpay)
        out["setldetail"] = [row.to_json() for row in self.setldetail]
        out["ytd_after"] = self.ytd_after.to_json()
        return out
