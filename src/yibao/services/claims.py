"""Manual reimbursement (零星报销): a person who paid an institution in full, because it could
not settle directly, claims at the insured region with the invoice and the fee list
(docs/offsite.md "Manual claims").

`claim_manual(doc)` takes the settlement request document of SETTLEMENT.md plus `claim_id` (the
claim's number, e.g. the invoice number) and, when the institution is not registered in this
deployment, `mdtrtarea_admvs` (the care region) and `visit.hosp_lv`. The claim is settled by the
same engine and in the same way as a direct settlement (`settle_service`): the insured region's
policy, the care region's catalogue, the `offsite` value derived from the person's filings (an
unfiled visit is never refused here: the claim is the way the refusal points to) — except that
the policy's manual rule applies: `[filing] manual_delta` is added to the ratio delta of the
derived kind. The engine is not told about claims: it settles under a copy of the policy whose
`[offsite]` deltas each have `manual_delta` added (`manual_policy`), which is exactly "the ratio
delta of the derived kind plus the manual delta".

A claim is settled exactly once per `claim_id`: its settlement id is `Z` + a digest of the claim
id; the same claim again returns the stored result and writes nothing (`replayed`); another
claim under the same id, or a claim for a visit already settled (directly or by another claim),
is refused. It is stored with channel `manual` (not direct, for the direct-settlement rates) and
its fund part is owed to the person (`manual_claim_payable:<id_number>`, 应付零星报销款) until the
agency pays it out. The personal account does not pay a manual claim (`use_acct` is refused).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import replace
from enum import StrEnum
from typing import Any, Final

from yibao.core.canonical import canonical_json
from yibao.core.codes import validate_region
from yibao.core.money import ZERO
from yibao.policy.model import OFFSITE_KINDS, Policy
from yibao.services.settle_service import (
    Refused,
    SettleCommand,
    Settled,
    SettleRefusal,
    derive_care,
    engine_request,
    parse_command,
    record_of,
    resolve_visit,
    result_from_json,
)
from yibao.settle.engine import settle
from yibao.store import Store, default_store
from yibao.store.ledger import shard_of
from yibao.store.settlements import StoredSettlement
from yibao.store.uow import UnitOfWork

MAX_CLAIM_ID: Final = 30
CLAIM_PREFIX: Final = "Z"


class ClaimRefusal(StrEnum):
    """Why a manual claim is refused (after the settlement's own reasons)."""

    CLAIM_CONFLICT = "claim_conflict"
    ALREADY_SETTLED = "already_settled"
    CARE_REGION = "care_region"


def claim_setl_id(claim_id: str) -> str:
    """The settlement id of a manual claim: derived from its claim id, so it is stable."""
    return CLAIM_PREFIX + hashlib.sha256(claim_id.encode()).hexdigest()[:20].upper()


def manual_policy(policy: Policy) -> Policy:
    """The policy a manual claim is settled under: every `[offsite]` ratio delta with the
    policy's `[filing] manual_delta` added (the engine adds the derived kind's delta)."""
    delta = policy.filing.manual_delta
    if delta == 0:
        return policy
    offsite = replace(policy.offsite, **{k: policy.offsite.of(k) + delta for k in OFFSITE_KINDS})
    return replace(policy, offsite=offsite)


def _invalid(field: str, message: str) -> Refused:
    return Refused(SettleRefusal.INVALID_REQUEST, field, message)


def _claim_fields(doc: Mapping[str, Any]) -> tuple[str, str | None] | Refused:
    claim_id = doc.get("claim_id")
    if not isinstance(claim_id, str) or not 1 <= len(claim_id) <= MAX_CLAIM_ID or \
            not claim_id.isprintable() or claim_id.strip() != claim_id:
        return _invalid("claim_id", f"缺少零星报销单号（发票号）或格式不对：应为 1–{MAX_CLAIM_ID} "
                        "个字符、首尾无空格的文本")
    area = doc.get("mdtrtarea_admvs")
    if area is not None:
        problem = validate_region(area)
        if problem is not None:
            return _invalid("mdtrtarea_admvs", f"就医地区划代码不对：{problem}")
    if doc.get("use_acct") not in (None, False):
        return _invalid("use_acct", "零星报销不使用个人账户支付，请去掉 use_acct 或设为 false")
    return claim_id, area


def _replayed(stored: StoredSettlement, digest: str, claim_id: str) -> Settled | Refused:
    if stored.request_hash != digest:
        return Refused(ClaimRefusal.CLAIM_CONFLICT, "claim_id",
                       f"零星报销单号 {claim_id} 已以不同内容受理（结算ID {stored.setl_id}），"
                       "请核对发票号和费用明细")
    return Settled(stored.setl_id, stored.commit_seq, True, stored.reversal_id is not None,
                   result_from_json(json.loads(stored.result_json)))


def _care_region(registered: str | None, area: str | None, code: str) -> str | Refused:
    if registered is not None:
        if area is not None and area != registered:
            return Refused(ClaimRefusal.CARE_REGION, "mdtrtarea_admvs",
                           f"定点医药机构 {code} 登记在 {registered}，与申报的就医地 {area} 不符")
        return registered
    if area is None:
        return Refused(ClaimRefusal.CARE_REGION, "mdtrtarea_admvs",
                       f"定点医药机构 {code} 未在本系统登记，零星报销须给出就医地区划 "
                       "mdtrtarea_admvs 和医院等级 visit.hosp_lv")
    return area


def _claim_in(uow: UnitOfWork, command: SettleCommand, claim_id: str, area: str | None
              ) -> Settled | Refused:
    request = command.request
    visit = request.visit
    code = visit.fixmedins_code or ""
    setl_id = claim_setl_id(claim_id)
    stored = uow.settlements.by_setl_id(setl_id)
    if stored is not None:
        return _replayed(stored, command.digest, claim_id)
    prelude = uow.settlements.prelude(code, visit.mdtrt_id, request.person.psn_no)
    if prelude.stored_setl_id is not None:
        return Refused(ClaimRefusal.ALREADY_SETTLED, "visit.mdtrt_id",
                       f"就诊 {code}/{visit.mdtrt_id} 已结算（结算ID {prelude.stored_setl_id}），"
                       "不能再申请零星报销")
    care = _care_region(prelude.institution_region, area, code)
    if isinstance(care, Refused):
        return care
    resolved = resolve_visit(prelude, request, care)
    if isinstance(resolved, Refused):
        return resolved
    resolved = derive_care(uow, resolved, request, command.emergency, manual=True)
    assert not isinstance(resolved, Refused), "a manual claim is never refused as unfiled"
    person, cover = resolved.person, resolved.cover
    assert visit.year is not None
    ytd, version = uow.accumulators.lock(person.id_number, cover.scheme, visit.year, cover.region)
    stored = uow.settlements.by_setl_id(setl_id)  # a concurrent claim may have won the lock
    if stored is not None:
        return _replayed(stored, command.digest, claim_id)
    full = engine_request(uow, request, resolved, ytd, ZERO, setl_id)
    result = settle(full, manual_policy(resolved.policy))
    record, entry = record_of(setl_id, command, resolved, ytd, version, result,
                              claimant=person.id_number)
    seq = uow.settlements.record(record, result, entry, shard_of(person.id_number))
    uow.commit()
    return Settled(setl_id, seq, False, False, result)


def claim_manual(doc: object, *, store: Store | None = None) -> Settled | Refused:
    """Settle a manual claim (零星报销) exactly once per `claim_id` (see the module doc)."""
    if not isinstance(doc, Mapping):
        return _invalid("", "请求应为 JSON 对象")
    fields = _claim_fields(doc)
    if isinstance(fields, Refused):
        return fields
    claim_id, area = fields
    command = parse_command(doc)
    if isinstance(command, Refused):
        return command
    digest = hashlib.sha256(canonical_json(
        {"request": command.digest, "claim_id": claim_id, "mdtrtarea_admvs": area}
    ).encode()).hexdigest()
    command = replace(command, digest=digest)
    return (store or default_store()).transaction(
        lambda uow: _claim_in(uow, command, claim_id, area))
