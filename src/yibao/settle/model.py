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
MED_TYPES: Final = ("11", "14", "21", "51", "52")
#: 生育门诊 (prenatal care) and 生育住院 (delivery): the maternity steps 2M–3M replace steps 2–7.
MATERNITY_MED_TYPES: Final = ("51", "52")
ITEM_LEVELS: Final = ("01", "02", "03")

#: Fund pay type codes of the `setldetail` rows.
FUND_EMPLOYEE_POOL: Final = "310100"
FUND_RESIDENT_POOL: Final = "390100"
FUND_LARGE_EXPENSE: Final = "330100"
FUND_CIVIL_SERVANT: Final = "320100"
FUND_SERIOUS_ILLNESS: Final = "390200"
FUND_ASSISTANCE: Final = "610100"
FUND_MATERNITY: Final = "510100"  # 生育保险, merged into the employee scheme
FUND_CMI: Final = "900100"  # 惠民保: commercial health insurance in the one bill, not a fund

#: Neutral 长期处方 threshold when a policy has no `[opsp]` (国卫办医发〔2021〕17号 leaves 4 weeks).
DEFAULT_LONG_RX_DAYS: Final = 28


@dataclass(frozen=True, slots=True)
class OpspCert:
    """One 门诊慢特病 certification as the national 5301 answer gives it (认定)."""

    opsp_dise_code: str
    begndate: date
    enddate: date | None = None

    def holds_on(self, day: date) -> bool:
        return self.begndate <= day and (self.enddate is None or day <= self.enddate)


@dataclass(frozen=True, slots=True)
class Person:
    psn_no: str
    insutype: str
    psn_type: str
    age: int | None = None
    groups: frozenset[str] = frozenset()
    civil_servant: bool = False
    opsp_certs: tuple[OpspCert, ...] = ()
    emp_avg_wage: Decimal | None = None  # 用人单位上年度职工月平均工资, base of 生育津贴
    cmi_prod: str | None = None  # the 惠民保 product the person is enrolled in this year


@dataclass(frozen=True, slots=True)
class Visit:
    mdtrt_id: str
    med_type: str
    hosp_lv: str
    offsite: str = "local"
    fixmedins_code: str | None = None
    begndate: date | None = None
    enddate: date | None = None
    dise_codg: str | None = None  # the 门诊慢特病 disease the visit treats
    matn_type: str | None = None  # 生育类别, required for med_type 52
    fetus_cnt: int = 1

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
    dise_codg: str | None = None  # the disease this line treats, when not the visit's
    prd_days: Decimal | None = None  # 周期天数 of a (long) prescription


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
    matn_op_paid: Decimal = ZERO
    cmi_dedc_used: Decimal = ZERO
    cmi_paid: Decimal = ZERO
    #: Per 门诊慢特病 disease (code → money), in the order the keys first appeared.
    opsp_paid: tuple[tuple[str, Decimal], ...] = ()
    opsp_dedc_used: tuple[tuple[str, Decimal], ...] = ()

    def opsp(self, name: str, code: str) -> Decimal:
        """`opsp_paid[code]` or `opsp_dedc_used[code]`; 0 when the key is absent."""
        pairs: tuple[tuple[str, Decimal], ...] = getattr(self, name)
        return dict(pairs).get(code, ZERO)

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {key: self.admissions if key == "admissions"
                                  else fmt(getattr(self, key)) for key in YTD_KEYS}
        for key in OPSP_KEYS:
            out[key] = {code: fmt(value) for code, value in getattr(self, key)}
        return out


#: The per-disease accumulators (objects); every other accumulator is one number.
OPSP_KEYS: Final = ("opsp_paid", "opsp_dedc_used")
YTD_KEYS: Final = tuple(f.name for f in fields(Ytd) if f.name not in OPSP_KEYS)


def add_opsp(pairs: tuple[tuple[str, Decimal], ...], code: str, amount: Decimal
             ) -> tuple[tuple[str, Decimal], ...]:
    """`pairs` with `amount` added under `code` (the key appended when absent)."""
    if any(key == code for key, _ in pairs):
        return tuple((key, value + amount if key == code else value) for key, value in pairs)
    return (*pairs, (code, amount))


@dataclass(frozen=True, slots=True)
class AcctMulaid:
    """家庭共济: the bound employee whose personal account pays for this person, and its balance."""

    psn_no: str
    acct_balc: Decimal


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
    acct_mulaid: AcctMulaid | None = None


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
    "opsp_uncovered_amt", "cmi_pay", "acct_mulaid_pay", "matn_alwn_amt",
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
    opsp_uncovered_amt: Decimal = ZERO
    long_rx: tuple[str, ...] = ()
    cmi_pay: Decimal = ZERO
    acct_mulaid_pay: Decimal = ZERO
    acct_mulaid_balc: Decimal | None = None
    matn_alwn_days: int = 0
    matn_alwn_amt: Decimal = ZERO

    def to_json(self) -> dict[str, object]:
        """The output document of docs/settlement.md §4: money as strings with two places."""
        out: dict[str, object] = {
            "setl_id": self.setl_id, "mdtrt_id": self.mdtrt_id, "psn_no": self.psn_no,
            "insutype": self.insutype, "med_type": self.med_type,
        }
        for name in MONEY_FIELDS:
            if name == "matn_alwn_amt":
                out["matn_alwn_days"] = self.matn_alwn_days
            out[name] = fmt(getattr(self, name))
            if name == "hifp_pay":
                out["pool_prop_selfpay"] = fmt_ratio(self.pool_prop_selfpay)
            elif name == "opsp_uncovered_amt":
                out["long_rx"] = list(self.long_rx)
            elif name == "acct_mulaid_pay":
                balc = self.acct_mulaid_balc
                out["acct_mulaid_balc"] = None if balc is None else fmt(balc)
        out["setldetail"] = [row.to_json() for row in self.setldetail]
        out["ytd_after"] = self.ytd_after.to_json()
        return out
