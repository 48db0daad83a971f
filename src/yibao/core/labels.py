"""The zh-CN names of the codes bureau staff read (性别, 险种, 人员类别, 参保状态, 救助类别,
医疗类别, 基金, 医院等级, 案件状态, DRG 分组状态): one mapping per kind, shared by the console,
the bureau API and the CLI, so a code reads the same on every face.

`name(kind, code)` gives the name, or the code itself when the table does not know it (a face
never hides a value it cannot name). Stored data keeps the codes; only faces call these.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Final

SEX: Final[Mapping[str, str]] = MappingProxyType({"M": "男", "F": "女"})
#: 险种 (insutype); the national codes 310 and 390.
INSUTYPE: Final[Mapping[str, str]] = MappingProxyType({"310": "职工医保", "390": "城乡居民医保"})
#: 人员类别 (psn_type) as the registry stores it.
PSN_TYPE: Final[Mapping[str, str]] = MappingProxyType(
    {"in_service": "在职职工", "retired": "退休人员", "resident": "城乡居民"})
#: 参保状态 of an enrollment.
ENROLL_STATUS: Final[Mapping[str, str]] = MappingProxyType(
    {"active": "参保中", "lapsed": "停保", "transferred": "已转出"})
#: 救助类别 (medical-assistance groups), in the order SETTLEMENT.md §3.7 picks the first match.
ASSISTANCE_GROUP: Final[Mapping[str, str]] = MappingProxyType({
    "tekun": "特困人员", "dibao": "低保对象", "fanpin": "返贫致贫人口", "jianche": "监测对象",
    "dibao_edge": "低保边缘家庭成员", "yinbing": "因病致贫重病患者", "tuopin": "脱贫人口"})
#: 医疗类别 (med_type).
MED_TYPE: Final[Mapping[str, str]] = MappingProxyType(
    {"11": "普通门诊", "14": "门诊慢特病", "21": "住院", "51": "生育门诊", "52": "生育住院"})
#: 基金支付类型 (fund_pay_type) of a `setldetail` row.
FUND_PAY_TYPE: Final[Mapping[str, str]] = MappingProxyType({
    "310100": "职工基本医保统筹基金", "390100": "居民基本医保统筹基金",
    "330100": "职工大额医疗费用补助", "320100": "公务员医疗补助",
    "390200": "城乡居民大病保险", "610100": "医疗救助基金", "510100": "职工生育保险（合并实施）",
    "900100": "惠民保（商业健康保险）"})
#: 医院等级 of an institution.
LEVEL: Final[Mapping[str, str]] = MappingProxyType({"1": "一级", "2": "二级", "3": "三级"})
#: 稽核案件状态.
CASE_STATE: Final[Mapping[str, str]] = MappingProxyType({
    "new": "待审", "under_review": "审核中", "confirmed": "已确认违规", "dismissed": "已排除",
    "appealed": "申诉中"})
#: DRG 分组状态 of a settlement list.
DRG_STATUS: Final[Mapping[str, str]] = MappingProxyType(
    {"ok": "已入组", "ungroupable": "无法入组", "invalid": "数据不全（未入组）"})
#: 严重程度 of an audit rule.
SEVERITY: Final[Mapping[str, str]] = MappingProxyType({"high": "高", "medium": "中", "low": "低"})
#: Who holds a ledger account's balance (持有人): payers and fiscal levels.
HOLDER: Final[Mapping[str, str]] = MappingProxyType({
    "individual": "个人", "employer": "单位", "employee": "职工个人", "central": "中央财政",
    "provincial": "省级财政", "local": "市县财政"})
#: 是否 for flags.
YES_NO: Final[Mapping[str, str]] = MappingProxyType({"True": "是", "False": "否"})
#: The calibration check's rows (sim/calibrate.py), as staff read them.
CALIBRATION: Final[Mapping[str, str]] = MappingProxyType({
    "insured": "参保人数", "employees": "职工医保参保人数", "residents": "居民医保参保人数",
    "fund_income_yuan": "基金收入（元）", "fund_expenditure_yuan": "基金支出（元）",
    "employee_inpatient_ratio": "职工政策范围内住院支付比例",
    "resident_inpatient_ratio": "居民政策范围内住院支付比例",
    "offsite_settlements": "异地就医直接结算人次",
    "offsite_medfee_yuan": "异地就医直接结算金额（元）",
    "resident_fund_ratio": "居民医保统筹基金当期收支率",
    "employee_fund_ratio": "职工统筹与个账当期收支率"})
#: 基金运行分析 levels (fund/analysis.py `Level`) and indicators, facts/policy.md §6.
FUND_LEVEL: Final[Mapping[str, str]] = MappingProxyType({
    "insufficient": "结余不足", "low": "结余偏低", "reasonable": "结余合理", "high": "结余偏高",
    "excess": "结余过多", "deficit": "当期赤字", "trend": "支出增长快于收入"})
FUND_INDICATOR: Final[Mapping[str, str]] = MappingProxyType({
    "months_payable": "累计结余可支付月数", "current_ratio": "当期收支率",
    "growth": "支出与收入增长率之差"})
#: The budget's lines (actuary/budget.py): scheme and benefit.
SCHEME: Final[Mapping[str, str]] = MappingProxyType({"resident": "居民", "employee": "职工"})
BENEFIT: Final[Mapping[str, str]] = MappingProxyType(
    {"inpatient": "住院", "chronic": "慢特病", "outpatient": "门诊", "pharmacy": "药店"})

KINDS: Final[Mapping[str, Mapping[str, str]]] = MappingProxyType({
    "sex": SEX, "insutype": INSUTYPE, "psn_type": PSN_TYPE, "enroll_status": ENROLL_STATUS,
    "assistance_group": ASSISTANCE_GROUP, "med_type": MED_TYPE, "fund_pay_type": FUND_PAY_TYPE,
    "level": LEVEL, "case_state": CASE_STATE, "drg_status": DRG_STATUS, "holder": HOLDER,
    "severity": SEVERITY, "yes_no": YES_NO, "calibration": CALIBRATION,
    "fund_level": FUND_LEVEL, "fund_indicator": FUND_INDICATOR, "scheme": SCHEME,
    "benefit": BENEFIT})


def name(kind: str, code: object) -> str:
    """The zh-CN name of `code` in table `kind`; the code itself when unknown, "" for None."""
    if code is None:
        return ""
    text = str(code)
    return KINDS[kind].get(text, text)


def names(kind: str, codes: str | Iterable[str] | None) -> str:
    """Several codes (a list or a comma-separated text) by name, joined by 、; "—" when none."""
    items = codes.split(",") if isinstance(codes, str) else list(codes or ())
    found = [name(kind, c) for c in items if c]
    return "、".join(found) or "—"


def budget_line(scheme: str, benefit: str, level: str) -> str:
    """A budget line by name: 居民·住院·2级."""
    return f"{name('scheme', scheme)}·{name('benefit', benefit)}·{level}级"


def with_code(label: str | None, code: str) -> str:
    """A thing by name with its code in brackets (名称（编码）); the code alone without a name."""
    return f"{label}（{code}）" if label else code


def simulation_note(profile: object, scale: object) -> str:
    """What a report or dashboard of simulated data says about it: the profile and the scale
    (the share of the real population simulated)."""
    share = (Decimal(str(scale)) * 100).normalize()
    return (f"模拟数据：由模拟器按测算方案 {profile} 生成，规模 {scale}（人数约为实际的 "
            f"{share:f}%）；不是真实经办数据，金额与人次仅供演示和测算。")


def _yuan(amount: str) -> str:
    """A two-decimal money string as staff read it, with thousands separators."""
    return f"{Decimal(amount):,}"


def fund_months_message(fund: str, months: str | None, level: str, balance: str, low: str,
                        high: str) -> str:
    """The warning of a fund's months of payable balance outside the reasonable band (`months`
    None: nothing spent in the last 12 months)."""
    why = f"期末累计结余为负（{_yuan(balance)} 元），" if balance.startswith("-") else ""
    paid = f"累计结余可支付 {months} 个月" if months is not None else "近 12 个月无支出"
    return f"{fund}：{why}{paid}，{FUND_LEVEL[level]}（合理区间 {low}–{high} 个月）"


def fund_deficit_message(fund: str, ratio: str | None, income: str, expenditure: str) -> str:
    """The warning of a fund whose year's expenditure exceeds its income."""
    shown = f"当期收支率 {ratio}，" if ratio is not None else "当期无收入，"
    return (f"{fund}：{shown}支出 {_yuan(expenditure)} 元，收入 {_yuan(income)} 元，"
            f"{FUND_LEVEL['deficit']}")


def fund_trend_message(fund: str, years: int, year: int, spent: str, earned: str) -> str:
    """The warning of a fund whose expenditure grew faster than its income year after year."""
    return (f"{fund}：支出增长连续 {years} 年快于收入增长（{year} 年支出增长率 {spent}，"
            f"收入增长率 {earned}）")
