"""Settlement list upload (4101A 医疗保障基金结算清单信息上传), grouped by DRG on arrival.

The list names a settlement of the caller; its diagnoses (`diseinfo`, principal first by
`maindiag_flag`) and procedures (`oprninfo`, principal first by `main_oprn_flag`) are grouped by
the CHS-DRG grouper (`yibao.payment.drg.grouper.group_case`) with the rule pack of
`yibao.services.drg.load_rules`, and the list is kept with its group and trace.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from yibao.interface.common import Call, Refusal, canonical, list_of, section, text
from yibao.payment.drg.grouper import group_case
from yibao.payment.drg.loader import RulePack
from yibao.payment.drg.model import Case
from yibao.services import national
from yibao.services.drg import DrgServiceError, load_rules
from yibao.services.national import SettlementList
from yibao.services.settle_service import settlement_ref

_PACK: dict[str, RulePack] = {}


def _pack() -> RulePack:
    if "pack" not in _PACK:
        try:
            _PACK["pack"] = load_rules()
        except (DrgServiceError, OSError, ValueError) as err:
            raise Refusal("no_drg_rules", f"DRG 分组规则包不可用：{err}") from None
    return _PACK["pack"]


def _number(info: Mapping[str, Any], key: str) -> int | None:
    value = info.get(key)
    if value in (None, ""):
        return None
    try:
        return int(str(value))
    except ValueError:
        raise Refusal("invalid_request", f"input.setlinfo.{key}：应为整数") from None


def _ordered(rows: list[Mapping[str, Any]], code: str, flag: str) -> tuple[str, ...]:
    codes = [(str(r.get(flag, "0")) != "1", i, str(r[code])) for i, r in enumerate(rows)
             if r.get(code)]
    return tuple(c for _, _, c in sorted(codes))


def _case(setl_id: str, payload: Mapping[str, Any]) -> Case:
    info = section(payload, "setlinfo")
    diagnoses = _ordered(list_of(payload, "diseinfo"), "diag_code", "maindiag_flag")
    if not diagnoses:
        raise Refusal("invalid_request", "input.diseinfo：至少一条诊断（diag_code）")
    procedures = _ordered(list_of(payload, "oprninfo", required=False), "oprn_oprt_code",
                          "main_oprn_flag")
    return Case(setl_id, _number(info, "gend"), _number(info, "age"),
                _number(info, "nwb_age"), _number(info, "nwb_adm_wt"), diagnoses, procedures)


def _answer(record: SettlementList) -> dict[str, Any]:
    return {"setl_list_id": record.setl_id, "mdtrt_id": record.mdtrt_id, "mdc": record.mdc,
            "adrg": record.adrg, "drg": record.drg, "status": record.status,
            "trace": json.loads(record.trace_json)}


def upload_list(call: Call, payload: Mapping[str, Any]) -> dict[str, Any]:
    """4101A: keep the caller's settlement list with its DRG group (once per settlement)."""
    info = section(payload, "setlinfo")
    setl_id = text(info, "setl_id", "input.setlinfo")
    mdtrt_id = text(info, "mdtrt_id", "input.setlinfo")
    assert setl_id and mdtrt_id
    case = _case(setl_id, payload)
    stored = settlement_ref(setl_id, store=call.store)
    if stored is None or stored.mdtrt_id != mdtrt_id:
        raise Refusal("not_found", f"就诊 {mdtrt_id} 没有结算ID为 {setl_id} 的结算")
    if stored.fixmedins_code != call.fixmedins_code:
        raise Refusal("other_institution", f"结算 {setl_id} 不是本机构的结算")
    body = canonical(dict(payload))
    kept = national.settlement_list(setl_id, store=call.store)
    if kept is not None:
        if kept.list_json != body:
            raise Refusal("conflict", f"结算 {setl_id} 的结算清单已以不同内容上传")
        return _answer(kept)
    grouped = group_case(_pack().pack, case)
    record = SettlementList(setl_id, mdtrt_id, call.fixmedins_code, stored.region, stored.year,
                        body, grouped.mdc, grouped.adrg, grouped.drg, grouped.status.value,
                        canonical(list(grouped.trace)), call.now)
    kept = national.keep_settlement_list(record, store=call.store)
    if kept.list_json != body:  # a concurrent upload of another list won
        raise Refusal("conflict", f"结算 {setl_id} 的结算清单已以不同内容上传")
    return _answer(kept)
