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
    FeeLine,
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


def _person(doc: Mapping[str, Any], stateful: bool) -> Person:
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
    assert psn_no is not None
    return Person(psn_no, insutype, psn_type, age, frozenset(groups), civil)


def _visit(doc: Mapping[str, Any], stateful: bool) -> Visit:
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
    assert mdtrt_id is not None
    return Visit(mdtrt_id, med_type, hosp_lv, offsite, fixmedins, begin, end)


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
    return FeeLine(sn, code, level, cnt, pric, selfpay, uplmt)


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
        if key == "admissions":
            if not isinstance(value, int) or isinstance(value, bool) or \
                    not 0 <= value <= MAX_ADMISSIONS:
                raise RequestError("ytd.admissions", f"应为 0–{MAX_ADMISSIONS} 的整数")
            values[key] = value
        else:
            values[key] = _number(value, f"ytd.{key}", parse_amount)
    return Ytd(**values)


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
    if resolve_policy is not None and not stateful:
        try:
            resolve_policy(policy)
        except ValueError as err:
            raise RequestError("policy", getattr(err, "message", str(err))) from None
    person, visit, fees = _person(doc, stateful), _visit(doc, stateful), _fees(doc)
    ytd = Ytd() if stateful else _ytd(doc)
    balance = ZERO if stateful else _number(doc.get("acct_balc", "0"), "acct_balc",
                                            parse_amount)
    use_acct = _flag(doc, "use_acct", "use_acct")
    setl_id = _text(doc, "setl_id", "setl_id", required=False)
    region = doc.get("insuplc_admdvs")
    visit_doc = doc["visit"]
    return SettleRequest(policy, person, visit, fees, ytd, balance, use_acct, setl_id,
                         ytd_given=not stateful and doc.get("ytd") is not None,
                         insuplc_admdvs=None if region is None else str(region),
                         hosp_lv_given=visit_doc.get("hosp_lv") is not None)

