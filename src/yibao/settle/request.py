"""Validate a settlement request document (docs/settlement.md §1) into a `SettleRequest`.

The first problem found, in document order, is raised as `RequestError` naming the field path
(`fees[3].pric`) and a zh-CN message. Numbers are read from their text, never through a float:
documents must be decoded with `parse_float=Decimal` (see `yibao.settle.jsonio`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any, Final

from yibao.core.money import ZERO, DecimalError, cents, parse_amount, parse_decimal, parse_ratio
from yibao.policy.model import GROUPS, LEVELS, OFFSITE_KINDS
from yibao.settle.model import (
    INSUTYPES,
    ITEM_LEVELS,
    MAX_FEE_LINES,
    MED_TYPES,
    OPSP_KEYS,
    AcctMulaid,
    FeeLine,
    OpspCert,
    Person,
    SettleRequest,
    Visit,
    Ytd,
)

MAX_CNT: Final = Decimal(10_000)
MAX_PRICE: Final = Decimal(10_000_000)
MAX_TEXT: Final = 64
MAX_CODE: Final = 200  # hilist_code is carried through, not validated (catalogues vary)
MAX_ADMISSIONS: Final = 10_000
ISO_DATE: Final = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_CERTS: Final = 50  # opsp_certs entries, and keys of ytd.opsp_paid / opsp_dedc_used
MAX_DISEASE_CODE: Final = 30
MAX_MATN_TYPE: Final = 6
MAX_FETUS: Final = 9
MAX_PRD_DAYS: Final = Decimal(84)  # 长期处方 covers at most 12 weeks (国卫办医发〔2021〕17号)


class RequestError(ValueError):
    """An invalid request: `field` is the JSON path of the first problem, `message` zh-CN."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message

    def to_json(self) -> dict[str, object]:
        return {"error": {"field": self.field, "message": self.message}}


def _table(doc: Mapping[str, Any], key: str, path: str) -> Mapping[str, Any]:
    value = doc.get(key)
    if not isinstance(value, Mapping):
        raise RequestError(path, "缺少该对象或类型不是对象")
    return value


def _text(obj: Mapping[str, Any], key: str, path: str, *, required: bool = True) -> str | None:
    value = obj.get(key)
    if value is None:
        if required:
            raise RequestError(path, "缺少必填字段")
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value or len(value) > MAX_TEXT:
        raise RequestError(path, f"应为 1–{MAX_TEXT} 个字符的字符串")
    return value


def _choice(obj: Mapping[str, Any], key: str, path: str, allowed: tuple[str, ...]) -> str:
    value = obj.get(key)
    if value not in allowed:
        shown = "缺少必填字段" if value is None else f"不允许的值 {value!r}"
        raise RequestError(path, f"{shown}，应为 {'、'.join(allowed)} 之一")
    assert isinstance(value, str)
    return value


def _number(value: object, path: str, reader: Callable[[object], Decimal]) -> Decimal:
    try:
        return reader(value)
    except DecimalError as err:
        raise RequestError(path, err.message) from None


def _flag(obj: Mapping[str, Any], key: str, path: str) -> bool:
    value = obj.get(key)
    if value is None:  # missing or null: false
        return False
    if not isinstance(value, bool):
        raise RequestError(path, "应为 true 或 false")
    return value


def _date(obj: Mapping[str, Any], key: str, path: str) -> date | None:
    value = obj.get(key)
    if value is None:
        return None
    try:
        if not isinstance(value, str) or not ISO_DATE.match(value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise RequestError(path, "应为 ISO 日期 YYYY-MM-DD") from None


def _code_text(obj: Mapping[str, Any], key: str, path: str, limit: int) -> str | None:
    """An optional code of 1–`limit` characters (a number is read as its text)."""
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not 1 <= len(value) <= limit:
        raise RequestError(path, f"应为 1–{limit} 个字符的字符串")
    return value


def _certs(obj: Mapping[str, Any]) -> tuple[OpspCert, ...]:
    raw = obj.get("opsp_certs")
    if raw is None:
        return ()
    if not isinstance(raw, list) or len(raw) > MAX_CERTS:
        raise RequestError("person.opsp_certs", f"应为至多 {MAX_CERTS} 条慢特病认定的列表")
    certs = []
    for index, item in enumerate(raw):
        path = f"person.opsp_certs[{index}]"
        if not isinstance(item, Mapping):
            raise RequestError(path, "应为对象")
        code = _code_text(item, "opsp_dise_code", f"{path}.opsp_dise_code", MAX_DISEASE_CODE)
        if code is None:
            raise RequestError(f"{path}.opsp_dise_code", "缺少必填字段")
        begin = _date(item, "begndate", f"{path}.begndate")
        if begin is None:
            raise RequestError(f"{path}.begndate", "缺少必填字段")
        end = _date(item, "enddate", f"{path}.enddate")
        if end is not None and end < begin:
            raise RequestError(f"{path}.enddate", "认定截止日期早于开始日期")
        certs.append(OpspCert(code, begin, end))
    return tuple(certs)


def _cmi_prod(obj: Mapping[str, Any], policy: Any) -> str | None:
    value = obj.get("cmi_prod")
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise RequestError("person.cmi_prod", "应为惠民保产品编号字符串")
    if policy is not None and getattr(policy, "cmi_product", None) is not None \
            and policy.cmi_product(value) is None:
        known = "、".join(p.id for p in policy.cmi_products) or "（无）"
        raise RequestError("person.cmi_prod", f"政策中没有这个惠民保产品：{value!r}（有：{known}）")
    return value


def _person(doc: Mapping[str, Any], stateful: bool, policy: Any = None) -> Person:
    obj = _table(doc, "person", "person")
    psn_no = _text(obj, "psn_no", "person.psn_no")
    if stateful:  # the store knows the rest of the person
        assert psn_no is not None
        return Person(psn_no, "390", "resident", None, frozenset(), False)
    insutype = _choice(obj, "insutype", "person.insutype", tuple(INSUTYPES))
    psn_type = _choice(obj, "psn_type", "person.psn_type", INSUTYPES[insutype])
    age = obj.get("age")
    if age is not None and (not isinstance(age, int) or isinstance(age, bool) or
                            not 0 <= age <= 150):
        raise RequestError("person.age", "应为 0–150 的整数")
    groups = obj.get("groups") or []
    if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
        raise RequestError("person.groups", "应为人群名称的列表")
    for index, group in enumerate(groups):
        if group not in GROUPS:
            raise RequestError(f"person.groups[{index}]", f"未知的人群 {group!r}")
        if group in groups[:index]:
            raise RequestError(f"person.groups[{index}]", f"人群 {group!r} 重复")
    civil = _flag(obj, "civil_servant", "person.civil_servant")
    certs = _certs(obj)
    wage = obj.get("emp_avg_wage")
    avg_wage = None if wage is None else _number(wage, "person.emp_avg_wage", parse_amount)
    cmi = _cmi_prod(obj, policy)
    assert psn_no is not None
    return Person(psn_no, insutype, psn_type, age, frozenset(groups), civil, certs, avg_wage, cmi)


def _visit(doc: Mapping[str, Any], stateful: bool, policy: Any = None) -> Visit:
    obj = _table(doc, "visit", "visit")
    mdtrt_id = _text(obj, "mdtrt_id", "visit.mdtrt_id")
    fixmedins = _text(obj, "fixmedins_code", "visit.fixmedins_code", required=False)
    med_type = _choice(obj, "med_type", "visit.med_type", MED_TYPES)
    if stateful and "hosp_lv" not in obj:  # the store knows the institution's level
        obj = {**obj, "hosp_lv": LEVELS[0]}
    hosp_lv = _choice(obj, "hosp_lv", "visit.hosp_lv", LEVELS)
    offsite = _choice({"offsite": obj.get("offsite") or "local"}, "offsite", "visit.offsite",
                      OFFSITE_KINDS)
    begin = _date(obj, "begndate", "visit.begndate")
    end = _date(obj, "enddate", "visit.enddate")
    if begin and end and end < begin:
        raise RequestError("visit.enddate", "出院/结束日期早于开始日期")
    dise = _code_text(obj, "dise_codg", "visit.dise_codg", MAX_DISEASE_CODE)
    if med_type == "14" and getattr(policy, "opsp", None) is not None:
        if dise is None:
            raise RequestError("visit.dise_codg", "门诊慢特病就诊须填写病种编码（dise_codg）")
        if begin is None:
            raise RequestError("visit.begndate", "门诊慢特病就诊须填写就诊日期（begndate）")
    matn = _code_text(obj, "matn_type", "visit.matn_type", MAX_MATN_TYPE)
    if med_type == "52" and matn is None:
        raise RequestError("visit.matn_type", "生育住院（52）须填写生育类别（matn_type）")
    fetus = obj.get("fetus_cnt", 1)
    if fetus is None:
        fetus = 1
    if not isinstance(fetus, int) or isinstance(fetus, bool) or not 1 <= fetus <= MAX_FETUS:
        raise RequestError("visit.fetus_cnt", f"胎儿数应为 1–{MAX_FETUS} 的整数")
    assert mdtrt_id is not None
    return Visit(mdtrt_id, med_type, hosp_lv, offsite, fixmedins, begin, end, dise, matn, fetus)


def _price(value: object) -> Decimal:
    return parse_decimal(value, places=6, maximum=MAX_PRICE)


def _code(obj: Mapping[str, Any], path: str) -> str:
    value = obj.get("hilist_code")
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > MAX_CODE:
        raise RequestError(path, f"应为不超过 {MAX_CODE} 个字符的字符串")
    return value


def _fee(obj: object, index: int, seen: set[str]) -> FeeLine:
    path = f"fees[{index}]"
    if not isinstance(obj, Mapping):
        raise RequestError(path, "应为对象")
    sn = _text(obj, "feedetl_sn", f"{path}.feedetl_sn")
    assert sn is not None
    if sn in seen:
        raise RequestError(f"{path}.feedetl_sn", f"明细流水号重复：{sn}")
    seen.add(sn)
    code = _code(obj, f"{path}.hilist_code")
    level = _choice(obj, "chrg_itm_lv", f"{path}.chrg_itm_lv", ITEM_LEVELS)
    if obj.get("cnt") is None:
        raise RequestError(f"{path}.cnt", "缺少必填字段")
    cnt = _number(obj["cnt"], f"{path}.cnt",
                  lambda v: parse_decimal(v, places=4, maximum=MAX_CNT))
    if cnt == 0:
        raise RequestError(f"{path}.cnt", "数量必须大于 0")
    if obj.get("pric") is None:
        raise RequestError(f"{path}.pric", "缺少必填字段")
    pric = _number(obj["pric"], f"{path}.pric", _price)
    prop = obj.get("selfpay_prop")
    selfpay = None if prop is None else _number(prop, f"{path}.selfpay_prop", parse_ratio)
    cap = obj.get("pric_uplmt_amt")
    uplmt = None if cap is None else _number(cap, f"{path}.pric_uplmt_amt", _price)
    given = obj.get("det_item_fee_sumamt")
    if given is not None:
        total = _number(given, f"{path}.det_item_fee_sumamt", parse_amount)
        if total != cents(cnt * pric):
            raise RequestError(f"{path}.det_item_fee_sumamt",
                               f"应等于 cnt × pric 四舍五入到分：{cents(cnt * pric)}")
    dise = _code_text(obj, "dise_codg", f"{path}.dise_codg", MAX_DISEASE_CODE)
    raw_days = obj.get("prd_days")
    days = None if raw_days is None else _number(
        raw_days, f"{path}.prd_days", lambda v: parse_decimal(v, places=2, maximum=MAX_PRD_DAYS))
    if days is not None and days == 0:
        raise RequestError(f"{path}.prd_days", "周期天数必须大于 0")
    return FeeLine(sn, code, level, cnt, pric, selfpay, uplmt, dise, days)


def _fees(doc: Mapping[str, Any]) -> tuple[FeeLine, ...]:
    raw = doc.get("fees")
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_FEE_LINES:
        raise RequestError("fees", f"应为 1–{MAX_FEE_LINES} 条费用明细的列表")
    seen: set[str] = set()
    return tuple(_fee(obj, index, seen) for index, obj in enumerate(raw))


def _ytd(doc: Mapping[str, Any]) -> Ytd:
    raw = doc.get("ytd")
    if raw is None:
        return Ytd()
    if not isinstance(raw, Mapping):
        raise RequestError("ytd", "应为对象")
    values: dict[str, Any] = {}
    for key in Ytd.__slots__:
        if key not in raw:
            continue
        value = raw[key]
        if key in OPSP_KEYS:
            values[key] = _disease_amounts(value, f"ytd.{key}")
        elif key == "admissions":
            if not isinstance(value, int) or isinstance(value, bool) or \
                    not 0 <= value <= MAX_ADMISSIONS:
                raise RequestError("ytd.admissions", f"应为 0–{MAX_ADMISSIONS} 的整数")
            values[key] = value
        else:
            values[key] = _number(value, f"ytd.{key}", parse_amount)
    return Ytd(**values)


def _disease_amounts(raw: object, path: str) -> tuple[tuple[str, Decimal], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, Mapping) or len(raw) > MAX_CERTS:
        raise RequestError(path, f"应为至多 {MAX_CERTS} 个病种的对象（病种编码 → 金额）")
    pairs = []
    for code, value in raw.items():
        if not isinstance(code, str) or not 1 <= len(code) <= MAX_DISEASE_CODE:
            raise RequestError(path, f"病种编码应为 1–{MAX_DISEASE_CODE} 个字符：{code!r}")
        pairs.append((code, _number(value, f"{path}.{code}", parse_amount)))
    return tuple(pairs)


def _acct_mulaid(doc: Mapping[str, Any], psn_no: str) -> AcctMulaid | None:
    raw = doc.get("acct_mulaid")
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise RequestError("acct_mulaid", "应为对象（共济账户的人员编号与余额）")
    holder = raw.get("psn_no")
    if not isinstance(holder, str) or not holder:
        raise RequestError("acct_mulaid.psn_no", "缺少共济账户持有人的人员编号")
    if holder == psn_no:
        raise RequestError("acct_mulaid.psn_no", "共济账户持有人不能是就诊人本人")
    balance = _number(raw.get("acct_balc", "0"), "acct_mulaid.acct_balc", parse_amount)
    return AcctMulaid(holder, balance)


def parse_request(
    doc: object, resolve_policy: Callable[[str], object] | None = None, *,
    stateful: bool = False,
) -> SettleRequest:
    """Validate a request document; `resolve_policy` checks the `policy` reference first.

    A `stateful` request is settled against the store (see `SettleRequest`): its person is
    read for `psn_no` only, its `hosp_lv` may be missing, and its policy, `ytd` and
    `acct_balc` are not read (the store's are used)."""
    if not isinstance(doc, Mapping):
        raise RequestError("", "请求应为 JSON 对象")
    policy = doc.get("policy")
    if stateful:
        policy = policy if isinstance(policy, str) else ""
    elif not isinstance(policy, str) or not policy:
        raise RequestError("policy", "缺少政策编号或政策文件路径")
    resolved: object = None
    if resolve_policy is not None and not stateful:
        try:
            resolved = resolve_policy(policy)
        except ValueError as err:
            raise RequestError("policy", getattr(err, "message", str(err))) from None
    person = _person(doc, stateful, resolved)
    visit, fees = _visit(doc, stateful, resolved), _fees(doc)
    ytd = Ytd() if stateful else _ytd(doc)
    balance = ZERO if stateful else _number(doc.get("acct_balc", "0"), "acct_balc",
                                            parse_amount)
    use_acct = _flag(doc, "use_acct", "use_acct")
    setl_id = _text(doc, "setl_id", "setl_id", required=False)
    mulaid = None if stateful else _acct_mulaid(doc, person.psn_no)
    region = doc.get("insuplc_admdvs")
    visit_doc = doc["visit"]
    return SettleRequest(policy, person, visit, fees, ytd, balance, use_acct, setl_id,
                         ytd_given=not stateful and doc.get("ytd") is not None,
                         insuplc_admdvs=None if region is None else str(region),
                         hosp_lv_given=visit_doc.get("hosp_lv") is not None,
                         acct_mulaid=mulaid)

