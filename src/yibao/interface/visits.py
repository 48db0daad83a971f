"""Person information (1101), registration and visit (2201, 2203, 2401, 2402), fees (2204, 2301).

A visit registered here is identified by the `mdtrt_id` the platform gives it, derived from the
institution, the kind of visit and the institution's own number (`ipt_otp_no`), so registering
the same number again returns the same visit. Only the institution that registered a visit may
touch it. A registration may say `emergency_flag` "1" (急诊抢救; "0" or absent: not): the visit
is then settled as an emergency, outside the insured region without a prior filing (补办备案 due
afterwards; docs/offsite.md).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any, Final

from yibao.core.money import cents, fmt
from yibao.interface.common import (
    MAX_FEE_LINES_PER_VISIT,
    Call,
    Refusal,
    canonical,
    day,
    list_of,
    section,
    text,
)
from yibao.interface.people import insured_region, person_document
from yibao.policy.loader import PolicyError, load_policy
from yibao.services import national
from yibao.services.national import Visit
from yibao.settle.engine import split_lines
from yibao.settle.model import FeeLine
from yibao.settle.request import RequestError, parse_request

OUTPATIENT: Final = ("11", "14")
INPATIENT: Final = ("21",)
DEFAULT_CLASS_B: Final = Decimal("0.10")
FEE_KEYS: Final = ("feedetl_sn", "chrg_itm_lv", "cnt", "pric", "selfpay_prop",
                   "pric_uplmt_amt", "det_item_fee_sumamt")


def visit_id(fixmedins_code: str, kind: str, ipt_otp_no: str) -> str:
    digest = hashlib.sha256(f"{fixmedins_code}\x1f{kind}\x1f{ipt_otp_no}".encode()).hexdigest()
    return "M" + digest[:20].upper()


def own_visit(call: Call, mdtrt_id: str, kinds: tuple[str, ...]) -> Visit:
    """The caller's visit `mdtrt_id` of one of `kinds`, or the refusal."""
    return check_own_visit(national.visit_of(mdtrt_id, store=call.store), call, mdtrt_id, kinds)


def check_own_visit(visit: Visit | None, call: Call, mdtrt_id: str,
                    kinds: tuple[str, ...]) -> Visit:
    """`visit` (as read for `mdtrt_id`) when it is the caller's and of one of `kinds`."""
    if visit is None:
        raise Refusal("unknown_visit", f"就诊ID {mdtrt_id} 不存在")
    if visit.fixmedins_code != call.fixmedins_code:
        raise Refusal("other_institution", f"就诊ID {mdtrt_id} 不是本机构的就诊")
    if visit.med_type not in kinds:
        raise Refusal("wrong_visit_kind", f"就诊ID {mdtrt_id} 的医疗类别 {visit.med_type} "
                      "不适用于本交易")
    return visit


def person_info(call: Call, payload: Mapping[str, Any]) -> dict[str, Any]:
    """1101: the person and the enrollments by ID number (`certno` or `mdtrt_cert_no`)."""
    data = section(payload, "data")
    psn_no = text(data, "certno", "input.data", required=False) or text(
        data, "mdtrt_cert_no", "input.data", required=False) or text(
        data, "psn_no", "input.data")
    assert psn_no is not None
    return person_document(call, psn_no)


def _register(call: Call, payload: Mapping[str, Any], info: Mapping[str, Any], path: str,
              kind: str, med_type: str, number_key: str) -> dict[str, Any]:
    psn_no = text(info, "psn_no", path)
    insutype = text(info, "insutype", path)
    number = text(info, number_key, path)
    begin = day(info, "begntime", path)
    assert psn_no and insutype and number and begin
    if insutype not in ("310", "390"):
        raise Refusal("invalid_request", f"{path}.insutype：应为 310 或 390")
    flag = text(info, "emergency_flag", path, required=False, limit=1) or "0"
    if flag not in ("0", "1"):
        raise Refusal("invalid_request", f"{path}.emergency_flag：应为 1（急诊抢救）或 0")
    mdtrt_id = visit_id(call.fixmedins_code, kind, number)
    asked = Visit(mdtrt_id, call.fixmedins_code, number, psn_no, insutype, "", med_type, begin,
                  None, None, canonical(list(list_of(payload, "diseinfo", required=False))),
                  call.now, emergency=flag == "1")
    try:
        region = insured_region(call, psn_no, insutype, begin)
    except Refusal:  # e.g. another insutype: a number registered before answers conflict
        before = national.visit_of(mdtrt_id, store=call.store)
        if before is not None:
            _same_registration(before, asked, path, number_key)
        raise
    found = national.register_visit(replace(asked, insuplc_admdvs=region), store=call.store)
    _same_registration(found, asked, path, number_key)
    return {"mdtrt_id": mdtrt_id, "psn_no": psn_no, "ipt_otp_no": number}


def _same_registration(found: Visit, asked: Visit, path: str, number_key: str) -> None:
    """Refuse (`conflict`) a registration whose number is registered with other content."""
    number = asked.ipt_otp_no
    if found.psn_no != asked.psn_no:
        raise Refusal("conflict", f"{number_key} {number} 已登记给其他参保人")
    differs = [key for key, was, now in (("insutype", found.insutype, asked.insutype),
                                         ("begntime", found.begndate, asked.begndate),
                                         ("emergency_flag", bool(found.emergency),
                                          asked.emergency))
               if was != now]
    if differs:
        raise Refusal("conflict", f"{path}.{differs[0]}：{number_key} {number} 已以不同的 "
                      f"{'、'.join(differs)} 登记（就诊ID {found.mdtrt_id}），"
                      "同一编号不能改登记内容")


def check_open(visit: Visit, what: str) -> Visit:
    """`visit` when no settlement has closed it to changes, else the refusal."""
    if visit.setl_id is not None:
        raise Refusal("already_settled", f"就诊 {visit.mdtrt_id} 已结算（结算ID {visit.setl_id}），"
                      f"不能再{what}；如需更正请先撤销结算，并登记新的就诊重新结算")
    return visit


def register_outpatient(call: Call, payload: Mapping[str, Any]) -> dict[str, Any]:
    """2201 门诊挂号: a new outpatient visit (`med_type` 11 until 2203 says otherwise)."""
    return {"data": _register(call, payload, section(payload, "data"), "input.data", "op", "11",
                              "ipt_otp_no")}


def upload_visit(call: Call, payload: Mapping[str, Any]) -> dict[str, Any]:
    """2203 门诊就诊信息上传: `med_type` (11 or 14) and the diagnoses of an outpatient visit."""
    info = section(payload, "mdtrtinfo")
    mdtrt_id = text(info, "mdtrt_id", "input.mdtrtinfo")
    med_type = text(info, "med_type", "input.mdtrtinfo")
    assert mdtrt_id and med_type
    if med_type not in OUTPATIENT:
        raise Refusal("invalid_request", "input.mdtrtinfo.med_type：门诊应为 11 或 14")
    diseinfo = canonical(list(list_of(payload, "diseinfo", required=False)))

    def change(found: Visit | None) -> dict[str, Any]:
        check_open(check_own_visit(found, call, mdtrt_id, OUTPATIENT), "上传就诊信息")
        return {"med_type": med_type, "diseinfo_json": diseinfo}

    national.change_visit(mdtrt_id, change, store=call.store)
    return {}


def admit(call: Call, payload: Mapping[str, Any]) -> dict[str, Any]:
    """2401 入院办理: a new inpatient stay (`med_type` 21)."""
    info = section(payload, "mdtrtinfo")
    med_type = text(info, "med_type", "input.mdtrtinfo", required=False) or "21"
    if med_type not in INPATIENT:
        raise Refusal("invalid_request", "input.mdtrtinfo.med_type：住院应为 21")
    return {"result": _register(call, payload, info, "input.mdtrtinfo", "ip", "21", "ipt_no")}


def discharge(call: Call, payload: Mapping[str, Any]) -> dict[str, Any]:
    """2402 出院办理: the discharge date, way and diagnoses of a stay."""
    info = section(payload, "dscginfo")
    mdtrt_id = text(info, "mdtrt_id", "input.dscginfo")
    end = day(info, "endtime", "input.dscginfo")
    way = text(info, "dscg_way", "input.dscginfo", required=False, limit=2)
    assert mdtrt_id and end
    diseinfo = list_of(payload, "diseinfo", required=False)

    def change(found: Visit | None) -> dict[str, Any]:
        visit = check_open(check_own_visit(found, call, mdtrt_id, INPATIENT), "办理出院")
        if end < visit.begndate:
            raise Refusal("invalid_request", "input.dscginfo.endtime：早于入院时间")
        values: dict[str, Any] = {"enddate": end, "dscg_way": way}
        if diseinfo:
            values["diseinfo_json"] = canonical(list(diseinfo))
        return values

    national.change_visit(mdtrt_id, change, store=call.store)
    return {}


def _fee_line(raw: Mapping[str, Any], index: int) -> dict[str, Any]:
    """A national fee line as a SETTLEMENT.md fee line (validated by the engine's parser)."""
    line = {key: raw[key] for key in FEE_KEYS if raw.get(key) not in (None, "")}
    line["hilist_code"] = raw.get("med_list_codg") or raw.get("hilist_code")
    if "feedetl_sn" in line:
        line["feedetl_sn"] = text(raw, "feedetl_sn", f"input.feedetail[{index}]", limit=32)
    probe = {"policy": "store", "person": {"psn_no": "0", "insutype": "390",
                                           "psn_type": "resident"},
             "visit": {"mdtrt_id": "probe", "med_type": "11", "hosp_lv": "1"}, "fees": [line]}
    try:
        parse_request(probe)
    except RequestError as err:
        field = err.field.replace("fees[0]", f"input.feedetail[{index}]")
        field = field.replace("hilist_code", "med_list_codg")
        raise Refusal("invalid_request", f"{field}：{err.message}") from None
    return line


def _priced(line: dict[str, Any], class_b: Decimal) -> dict[str, Any]:
    fee = FeeLine(line["feedetl_sn"], str(line["hilist_code"]), line["chrg_itm_lv"],
                  Decimal(str(line["cnt"])), Decimal(str(line["pric"])),
                  None if "selfpay_prop" not in line else Decimal(str(line["selfpay_prop"])),
                  None if "pric_uplmt_amt" not in line else Decimal(str(line["pric_uplmt_amt"])))
    split = split_lines((fee,), class_b)
    return {"feedetl_sn": fee.feedetl_sn, "det_item_fee_sumamt": fmt(cents(fee.cnt * fee.pric)),
            "cnt": str(fee.cnt), "pric": str(fee.pric), "chrg_itm_lv": fee.chrg_itm_lv,
            "fulamt_ownpay_amt": fmt(split.fulamt_ownpay_amt),
            "overlmt_amt": fmt(split.overlmt_selfpay),
            "preselfpay_amt": fmt(split.preselfpay_amt),
            "inscp_scp_amt": fmt(split.inscp_scp_amt)}


def class_b_of(region: str, on: date) -> Decimal:
    try:
        return load_policy(f"{region}-{on.year}").class_b_selfpay
    except PolicyError:
        return DEFAULT_CLASS_B


def _new_lines(lines: list[dict[str, Any]], stored: dict[str, str]) -> list[tuple[str, str]]:
    """(feedetl_sn, line JSON) of the uploaded lines not stored yet; refused when a stored
    line comes again with other content, or the visit would have too many lines."""
    new: list[tuple[str, str]] = []
    for i, line in enumerate(lines):
        sn, body = line["feedetl_sn"], canonical(line)
        if sn in stored and stored[sn] != body:
            raise Refusal("conflict", f"input.feedetail[{i}].feedetl_sn：流水号 {sn} "
                          "已以不同内容上传")
        if sn not in stored and all(sn != n for n, _ in new):
            new.append((sn, body))
    if len(stored) + len(new) > MAX_FEE_LINES_PER_VISIT:
        raise Refusal("too_many_lines", f"每次就诊最多 {MAX_FEE_LINES_PER_VISIT} 条费用明细")
    return new


def _upload(call: Call, payload: Mapping[str, Any], kinds: tuple[str, ...]) -> dict[str, Any]:
    rows = list_of(payload, "feedetail")
    if not rows:
        raise Refusal("invalid_request", "input.feedetail：至少一条费用明细")
    ids = {str(r.get("mdtrt_id") or "") for r in rows}
    if len(ids) != 1 or "" in ids:
        raise Refusal("invalid_request", "input.feedetail[].mdtrt_id：一次只能上传同一就诊的费用")
    mdtrt_id = ids.pop()
    lines = [_fee_line(raw, i) for i, raw in enumerate(rows)]
    read: list[Visit] = []

    def new_lines(found: Visit | None, stored: dict[str, str]) -> list[tuple[str, str]]:
        read.append(check_open(check_own_visit(found, call, mdtrt_id, kinds), "上传费用"))
        return _new_lines(lines, stored)

    national.add_fee_lines(mdtrt_id, new_lines, call.now, store=call.store)
    visit = read[-1]
    class_b = class_b_of(visit.insuplc_admdvs, visit.begndate)
    return {"result": [_priced(line, class_b) for line in lines]}


def outpatient_fees(call: Call, payload: Mapping[str, Any]) -> dict[str, Any]:
    """2204 门诊费用明细上传."""
    return _upload(call, payload, OUTPATIENT)


def inpatient_fees(call: Call, payload: Mapping[str, Any]) -> dict[str, Any]:
    """2301 住院费用明细上传."""
    return _upload(call, payload, INPATIENT)
