"""The national interface (定点医药机构接口): one signed envelope, many transactions.

`call_service(body, signed)` checks the institution's signature, parses the envelope, answers
a repeated `msgid` from the store (or refuses it when the body differs), runs the transaction
named by `infno` and keeps the answer under the `msgid` (docs/interface.md). Transactions live
beside this module, one module per family: person and visits (`visits`), settlement
(`settle`), rule checks (`audit`), settlement lists (`lists`).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from yibao.services.interface.common import (
    Answer,
    Call,
    Handler,
    Refusal,
    Signed,
    canonical,
    failure,
    success,
)
from yibao.services.interface.envelope import parse_envelope, verify_signature
from yibao.store import Store, default_store
from yibao.store.accounts import WriteEntry
from yibao.store.interface import FaceWork

__all__ = ["TRANSACTIONS", "Answer", "Signed", "call_service", "sign"]

from yibao.services.interface.audit import check_3101, check_3102
from yibao.services.interface.envelope import sign
from yibao.services.interface.lists import upload_list
from yibao.services.interface.settle import (
    inpatient_presettle,
    inpatient_reverse,
    inpatient_settle,
    outpatient_presettle,
    outpatient_reverse,
    outpatient_settle,
)
from yibao.services.interface.visits import (
    admit,
    discharge,
    inpatient_fees,
    outpatient_fees,
    person_info,
    register_outpatient,
    upload_visit,
)

#: infno → (handler, writes?). Reads are answered but not written to the write log.
TRANSACTIONS: dict[str, tuple[Handler, bool]] = {
    "1101": (person_info, False),
    "2201": (register_outpatient, True),
    "2203": (upload_visit, True),
    "2204": (outpatient_fees, True),
    "2206": (outpatient_presettle, False),
    "2207": (outpatient_settle, True),
    "2208": (outpatient_reverse, True),
    "2401": (admit, True),
    "2301": (inpatient_fees, True),
    "2303": (inpatient_presettle, False),
    "2304": (inpatient_settle, True),
    "2305": (inpatient_reverse, True),
    "2402": (discharge, True),
    "3101": (check_3101, False),
    "3102": (check_3102, False),
    "4101A": (upload_list, True),
}


def _body_hash(doc: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(doc).encode()).hexdigest()


def _run(call: Call, infno: str, payload: dict[str, Any]) -> dict[str, Any]:
    entry = TRANSACTIONS.get(infno)
    if entry is None:
        return failure(call, Refusal("unknown_infno", f"不支持的交易编号 infno={infno}"))
    try:
        return success(call, entry[0](call, payload))
    except Refusal as refusal:
        return failure(call, refusal)


def _keep(call: Call, infno: str, digest: str, answer: dict[str, Any]) -> dict[str, Any]:
    """Keep the answer under its msgid (with a write-log row for writes); the kept one wins."""
    text = canonical(answer)
    with FaceWork(call.store) as work:
        kept = work.interface.add_message(call.fixmedins_code, call.msgid, infno, digest, text,
                                          call.now)
        if not kept:
            stored = work.interface.message(call.fixmedins_code, call.msgid)
            assert stored is not None
            return dict(json.loads(stored.response_json, parse_float=Decimal))
        if TRANSACTIONS.get(infno, (None, False))[1]:
            work.accounts.log(WriteEntry(
                call.now, f"{call.fixmedins_code}/{call.opter}"[:80], f"if.{infno}",
                call.msgid, canonical({"infcode": answer["infcode"],
                                       "err_msg": answer["err_msg"]})))
        work.commit()
    return answer


def call_service(body: bytes, signed: Signed, *, store: Store | None = None,
                 now: datetime | None = None) -> Answer:
    """Answer one signed request of the national interface (see the module doc)."""
    store = store or default_store()
    now = now or datetime.now(UTC)
    refused = verify_signature(body, signed, store, now)
    if refused is not None:
        return refused
    envelope = parse_envelope(body, signed.institution)
    if isinstance(envelope, Answer):
        return envelope
    doc, infno, payload = envelope
    call = Call(store, signed.institution, str(doc["msgid"]), str(doc.get("opter") or ""),
                doc.get("insuplc_admdvs"), doc.get("mdtrtarea_admvs"), now)
    digest = _body_hash(doc)
    with FaceWork(store) as work:
        stored = work.interface.message(call.fixmedins_code, call.msgid)
    if stored is not None:
        if stored.body_hash != digest:
            return Answer(409, failure(call, Refusal(
                "msgid_conflict", f"报文ID {call.msgid} 已用于内容不同的请求，请使用新的 msgid")))
        return Answer(200, dict(json.loads(stored.response_json, parse_float=Decimal)))
    return Answer(200, _keep(call, infno, digest, _run(call, infno, payload)))
