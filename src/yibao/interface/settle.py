"""Pre-settlement, settlement and reversal (2206/2207/2208 outpatient, 2303/2304/2305 inpatient).

The request document of SETTLEMENT.md is built from what the institution registered and
uploaded (the visit of 2201/2401 with its emergency flag, the fee lines of 2204/2301, the
discharge date of 2402) and settled by the stateful service (`settle_committed`), exactly
once per visit. Pre-settlement runs the same engine on the same data and writes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any

from yibao.core.beijing import beijing_text
from yibao.core.money import cents, fmt, from_fen
from yibao.interface.common import (
    Call,
    Kept,
    Refusal,
    amount,
    failure,
    kept,
    section,
    success,
    text,
)
from yibao.interface.visits import INPATIENT, OUTPATIENT, check_own_visit, own_visit
from yibao.services import national
from yibao.services.settle_service import (
    Refused,
    Settled,
    preview_settlement,
    reverse_settlement,
    settle_committed,
    settlement_ref,
)


def _refusal(refused: Refused) -> Refusal:
    return Refusal(refused.reason.value, f"{refused.field}：{refused.message}")


def _medfee_sum(lines: list[dict[str, Any]]) -> Decimal:
    return sum((cents(Decimal(str(x["cnt"])) * Decimal(str(x["pric"]))) for x in lines),
               Decimal(0))


def _document(call: Call, data: Mapping[str, Any], kinds: tuple[str, ...], *,
              settling: bool) -> tuple[dict[str, Any], national.Visit]:
    """The SETTLEMENT.md request of the caller's visit named in `data`. Settling, the message
    kept under the msgid is read with the visit and its fees (`AnsweredBefore` when there is
    one)."""
    mdtrt_id = text(data, "mdtrt_id", "input.data")
    psn_no = text(data, "psn_no", "input.data")
    assert mdtrt_id and psn_no
    if settling:
        stored, found, fees = national.settling_reads(call.fixmedins_code, call.msgid, mdtrt_id,
                                                      store=call.store)
        if stored is not None:
            raise national.AnsweredBefore(stored)
    else:
        found, fees = national.visit_and_fees(mdtrt_id, store=call.store)
    visit = check_own_visit(found, call, mdtrt_id, kinds)
    if visit.psn_no != psn_no:
        raise Refusal("other_person", f"input.data.psn_no：就诊 {mdtrt_id} 不是该参保人的就诊")
    if not fees:
        raise Refusal("no_fees", f"就诊 {mdtrt_id} 尚未上传费用明细")
    end = visit.enddate or (visit.begndate if visit.med_type != "21" or not settling else None)
    if end is None:
        raise Refusal("not_discharged", f"就诊 {mdtrt_id} 尚未办理出院（2402），不能结算")
    lines = [json.loads(body, parse_float=Decimal) for _, body in fees]
    given = amount(data, "medfee_sumamt", "input.data")
    if given is not None and given != _medfee_sum(lines):
        raise Refusal("medfee_mismatch", f"input.data.medfee_sumamt：{given} 与已上传费用合计 "
                      f"{fmt(_medfee_sum(lines))} 不符")
    emergency = {"emergency": True} if visit.emergency else {}
    return {"person": {"psn_no": psn_no},
            "visit": {"mdtrt_id": mdtrt_id, "fixmedins_code": visit.fixmedins_code,
                      "med_type": visit.med_type, "begndate": visit.begndate.isoformat(),
                      "enddate": end.isoformat(), **emergency},
            "fees": lines, "use_acct": str(data.get("acct_used_flag", "0")) == "1",
            "insuplc_admdvs": visit.insuplc_admdvs}, visit


def _output(result: Mapping[str, Any], call: Call) -> dict[str, Any]:
    setlinfo = {k: v for k, v in result.items() if k not in ("setldetail", "ytd_after",
                                                              "commit")}
    setlinfo["setl_time"] = beijing_text(call.now)
    return {"setlinfo": setlinfo, "setldetail": list(result.get("setldetail", []))}


def _presettle(call: Call, payload: Mapping[str, Any], kinds: tuple[str, ...]
               ) -> dict[str, Any]:
    doc, _ = _document(call, section(payload, "data"), kinds, settling=False)
    previewed = preview_settlement(doc, store=call.store)
    if isinstance(previewed, Refused):
        raise _refusal(previewed)
    return _output(previewed.to_json(), call)


def _reversed(settled: Settled) -> Refusal:
    """A settlement asked for again after its reversal: the visit is not settled any more, and
    it cannot be settled again under the same `mdtrt_id` (docs/interface.md)."""
    return Refusal("already_reversed", f"input.data.mdtrt_id：就诊 {settled.settlement.mdtrt_id} "
                   f"的结算 {settled.setl_id} 已冲销，不能再以原结算作答；重新结算请登记新的就诊"
                   "（2201/2401，新的 ipt_otp_no）并上传费用后结算")


def _settle(call: Call, payload: Mapping[str, Any], kinds: tuple[str, ...]) -> Kept:
    """Settle the visit; its answer is kept under the msgid in the settlement's transaction."""
    doc, visit = _document(call, section(payload, "data"), kinds, settling=True)
    answers: list[national.Answer] = []

    def answer(settled: Settled) -> national.Answer:
        if settled.reversed:
            answers.append(kept(call, failure(call, _reversed(settled))))
        else:  # a new settlement closes the visit, at the version its fees were read at
            closes = None if settled.replayed else (visit.mdtrt_id, visit.version,
                                                    settled.setl_id)
            answers.append(replace(kept(call, success(call, _output(settled.result, call))),
                                   closes=closes))
        return answers[-1]

    try:
        done = settle_committed(doc, store=call.store, answer=answer)
    except national.VisitChanged:
        raise Refusal("visit_changed", f"就诊 {visit.mdtrt_id} 的费用明细或出院信息在结算时发生"
                      "变化，本次未结算；请以新的 msgid 重新发送结算") from None
    if isinstance(done, Refused):
        raise _refusal(done)
    return Kept(answers[-1].text)


def _reverse(call: Call, payload: Mapping[str, Any], kinds: tuple[str, ...]) -> dict[str, Any]:
    data = section(payload, "data")
    setl_id = text(data, "setl_id", "input.data")
    mdtrt_id = text(data, "mdtrt_id", "input.data")
    psn_no = text(data, "psn_no", "input.data")
    assert setl_id and mdtrt_id
    own_visit(call, mdtrt_id, kinds)
    stored = settlement_ref(setl_id, store=call.store)
    if stored is None or stored.mdtrt_id != mdtrt_id:
        raise Refusal("not_found", f"就诊 {mdtrt_id} 没有结算ID为 {setl_id} 的结算")
    if stored.fixmedins_code != call.fixmedins_code or stored.id_number != psn_no:
        raise Refusal("other_institution", f"结算 {setl_id} 不属于本机构或该参保人")
    done = reverse_settlement(setl_id, store=call.store)
    if isinstance(done, Refused):
        raise _refusal(done)
    return {"setlinfo": {"setl_id": done.reversal_id, "init_setl_id": setl_id,
                         "mdtrt_id": mdtrt_id, "psn_no": psn_no,
                         "returned": fmt(from_fen(done.returned_fen)),
                         "setl_time": beijing_text(call.now)}}


def outpatient_presettle(call: Call, payload: Mapping[str, Any]) -> dict[str, Any]:
    """2206 门诊预结算."""
    return _presettle(call, payload, OUTPATIENT)


def outpatient_settle(call: Call, payload: Mapping[str, Any]) -> Kept:
    """2207 门诊结算."""
    return _settle(call, payload, OUTPATIENT)


def outpatient_reverse(call: Call, payload: Mapping[str, Any]) -> dict[str, Any]:
    """2208 门诊结算撤销."""
    return _reverse(call, payload, OUTPATIENT)


def inpatient_presettle(call: Call, payload: Mapping[str, Any]) -> dict[str, Any]:
    """2303 住院预结算."""
    return _presettle(call, payload, INPATIENT)


def inpatient_settle(call: Call, payload: Mapping[str, Any]) -> Kept:
    """2304 住院结算."""
    return _settle(call, payload, INPATIENT)


def inpatient_reverse(call: Call, payload: Mapping[str, Any]) -> dict[str, Any]:
    """2305 住院结算撤销."""
    return _reverse(call, payload, INPATIENT)
