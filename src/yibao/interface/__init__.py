"""The national interface (定点医药机构接口), a face: one signed envelope, many transactions.

`call_service(body, signed)` checks the institution's signature, parses the envelope, answers
a repeated `msgid` from the store (or refuses it when the body differs), runs the transaction
named by `infno` and keeps the answer under the `msgid` (docs/interface.md). Transactions live
beside this module, one module per family: person and visits (`visits`), settlement
(`settle`), rule checks (`audit`), settlement lists (`lists`), cross-region filing
(`filing`), 门诊慢特病 certification (`opsp`); the HTTP route is `route`. It calls services
(`yibao.services.national` keeps its records), never the store.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any, Final

from yibao.interface.common import (
    Answer,
    Call,
    Handler,
    Kept,
    Refusal,
    Signed,
    canonical,
    failure,
    kept,
    replay,
    success,
)
from yibao.interface.envelope import parse_envelope, verify_signature
from yibao.services import national
from yibao.services.database import Database, open_database
from yibao.services.errors import CONCURRENT_MESSAGE, lost_to_concurrent

__all__ = ["TRANSACTIONS", "Answer", "Signed", "call_service", "sign"]

from yibao.interface.audit import check_3101, check_3102
from yibao.interface.envelope import sign
from yibao.interface.filing import file_2501a, revoke_2502a
from yibao.interface.lists import upload_list
from yibao.interface.opsp import certify_2503, query_5301, revoke_2504
from yibao.interface.settle import (
    inpatient_presettle,
    inpatient_reverse,
    inpatient_settle,
    outpatient_presettle,
    outpatient_reverse,
    outpatient_settle,
)
from yibao.interface.visits import (
    admit,
    discharge,
    inpatient_fees,
    outpatient_fees,
    person_info,
    register_outpatient,
    upload_visit,
)

#: Transactions that read the message kept under their msgid with the rest of what they read
#: (settlement: the message, the visit and its fees in one statement).
READS_OWN_MESSAGE: Final = frozenset({"2207", "2304"})
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
    "2501A": (file_2501a, True),
    "2502A": (revoke_2502a, True),
    "2503": (certify_2503, True),
    "2504": (revoke_2504, True),
    "5301": (query_5301, False),
}


def _body_hash(doc: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(doc).encode()).hexdigest()


def _run(call: Call, payload: dict[str, Any]) -> str:
    """The answer to the call, kept under its msgid (`Replayed` when one was kept first)."""
    entry = TRANSACTIONS.get(call.infno)
    if entry is None:
        answer = failure(call, Refusal("unknown_infno", f"不支持的交易编号 infno={call.infno}"))
    else:
        try:
            output = entry[0](call, payload)
        except Refusal as refusal:
            answer = failure(call, refusal)
        else:
            if isinstance(output, Kept):
                return output.text
            answer = success(call, output)
    keeping = kept(call, answer)
    national.keep_answer(keeping, store=call.store)
    return keeping.text


def call_service(body: bytes, signed: Signed, *, store: Database | None = None,
                 now: datetime | None = None) -> Answer:
    """Answer one signed request of the national interface (see the module doc)."""
    store = store or open_database()
    now = now or datetime.now(UTC)
    refused = verify_signature(body, signed, store, now)
    if refused is not None:
        return refused
    envelope = parse_envelope(body, signed.institution)
    if isinstance(envelope, Answer):
        return envelope
    doc, infno, payload = envelope
    call = Call(store, signed.institution, str(doc["msgid"]), str(doc.get("opter") or ""),
                doc.get("insuplc_admdvs"), doc.get("mdtrtarea_admvs"), now, infno,
                TRANSACTIONS.get(infno, (None, False))[1], _body_hash(doc))
    try:
        if infno not in READS_OWN_MESSAGE:
            stored = national.kept_answer(call.fixmedins_code, call.msgid, store=store)
            if stored is not None:
                raise national.AnsweredBefore(stored)
        return Answer(200, _run(call, payload))
    except national.AnsweredBefore as before:
        return replay(call, before.kept)
    except Exception as error:
        if not lost_to_concurrent(error):
            raise
        # Nothing was written, nor kept under the msgid: the same message may be sent again.
        return Answer.of(200, failure(call, Refusal("concurrent_conflict", CONCURRENT_MESSAGE)))
