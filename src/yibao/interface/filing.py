"""Cross-region filing through the interface (docs/interface.md): 2501A 异地就医备案 and 2502A
备案撤销, made by an institution for a person (a referral by the referring hospital, an
emergency filed afterwards by the treating one), and the `offsite_filings` rows of 1101.

The filing and the answer kept under the msgid are written in one transaction, so a repeated
msgid is answered with the first answer and never files twice. An institution revokes only
filings it made through the interface."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Final

from yibao.core.beijing import in_beijing
from yibao.interface.common import Call, Kept, Refusal, day, kept, section, success, text
from yibao.services import national
from yibao.services.offsite import (
    MATERIALS_MAX,
    Filed,
    FilingRefused,
    file_offsite,
    filings_of,
    parse_new_filing,
    revoke_offsite,
)

PROMISE_FLAGS: Final = {"1": True, "0": False}


def filing_row(filed: Filed) -> dict[str, Any]:
    """A filing as the interface names its fields (2501A, 2502A and 1101's `offsite_filings`)."""
    doc = filed.to_json()
    return {"trt_dcla_detl_sn": doc["filing_id"], "psn_no": doc["psn_no"],
            "fil_type": doc["filing_type"], "fil_type_name": doc["type_name"],
            "insuplc_admdvs": doc["insured_region"], "mdtrtarea_admdvs": doc["care_area"],
            "area_level": doc["area_level"], "begndate": doc["start"],
            "enddate": doc["end"] or "", "long_term": doc["end"] is None,
            "promise_flag": "1" if doc["promise"] else "0", "fil_date": doc["filed_on"],
            "revoked_date": doc["revoked_on"] or "", "fil_stas": doc["status"],
            "fil_stas_name": doc["status_name"]}


def _today(call: Call) -> date:
    return in_beijing(call.now).date()


def _refusal(refused: FilingRefused) -> Refusal:
    return Refusal(refused.reason, refused.message)


def _keep(call: Call, texts: list[str]) -> Any:
    def keep(filed: Filed) -> national.Answer:
        answer = kept(call, success(call, filing_row(filed)))
        texts.append(answer.text)
        return answer
    return keep


def file_2501a(call: Call, payload: Mapping[str, Any]) -> Kept:
    """2501A: file for a person (`psn_no`, `fil_type`, `mdtrtarea_admdvs`, `begndate`,
    `promise_flag`, `fil_matl`)."""
    data = section(payload, "data")
    path = "input.data"
    psn_no = text(data, "psn_no", path)
    kind = text(data, "fil_type", path, limit=32)
    area = text(data, "mdtrtarea_admdvs", path, limit=6)
    start = day(data, "begndate", path)
    flag = text(data, "promise_flag", path, required=False, limit=1) or "1"
    materials = text(data, "fil_matl", path, required=False, limit=MATERIALS_MAX) or ""
    assert psn_no and kind and area and start
    if flag not in PROMISE_FLAGS:
        raise Refusal("invalid_request", f"{path}.promise_flag：应为 1（承诺制）或 0（提交材料）")
    new = parse_new_filing(kind, area, start.isoformat(), promise=PROMISE_FLAGS[flag],
                           materials=materials)
    if isinstance(new, FilingRefused):
        raise _refusal(new)
    texts: list[str] = []
    filed = file_offsite(psn_no, new, actor=f"{call.fixmedins_code}/{call.opter}",
                         channel="interface", today=_today(call), keep=_keep(call, texts),
                         store=call.store)
    if isinstance(filed, FilingRefused):
        raise _refusal(filed)
    return Kept(texts[-1])


def revoke_2502a(call: Call, payload: Mapping[str, Any]) -> Kept:
    """2502A: revoke a filing this institution made (`trt_dcla_detl_sn`)."""
    data = section(payload, "data")
    filing_id = text(data, "trt_dcla_detl_sn", "input.data", limit=32)
    assert filing_id
    texts: list[str] = []
    done = revoke_offsite(filing_id, actor=f"{call.fixmedins_code}/{call.opter}",
                          by_institution=call.fixmedins_code, today=_today(call),
                          keep=_keep(call, texts), store=call.store)
    if isinstance(done, FilingRefused):
        raise _refusal(done)
    return Kept(texts[-1])


def person_filings(call: Call, psn_no: str) -> list[dict[str, Any]]:
    """1101's `offsite_filings`: every filing of the person, revoked and expired ones too."""
    found = filings_of(psn_no, today=_today(call), store=call.store)
    return [] if isinstance(found, FilingRefused) else [filing_row(f) for f in found]
