"""Stateful settlement (有状态结算): settle against the store, exactly once; reverse.

`settle_committed(doc)` reads the person's enrollment, scheme, groups, accumulators and account
balance from the store, settles with the pure engine (`yibao.settle.engine.settle`, the
definition) and writes the settlement, its detail rows, its balanced postings and the new
accumulators in one transaction. A settlement is identified by (`visit.fixmedins_code`,
`mdtrt_id`): the same request again returns the stored result and writes nothing; a different
request under the same identity is refused (`conflict`). Concurrent settlements of one person
queue on the person's accumulator row, so they end as if run one after another in commit order.
The national interface's answer is kept under its message id in the same transaction (`answer`),
so a settlement never exists without it.

Cross-region care (docs/offsite.md "Settlements"): the insured region is that of the covering
enrollment, the care region that of the institution's registration (an unregistered institution,
settled on the request's `hosp_lv`, is taken to be in the insured region). The `offsite` value is
derived from the person's filings (`derive_offsite`), never read from the request: a stateful
request's `visit.offsite` is ignored. `visit.emergency` (true/false, default false) marks an
emergency (急诊抢救), settled without a prior filing. An offsite visit's fee lines are priced by the
care region's catalogue and settled under the insured region's policy; its fund and account parts
are owed to the care region in the insured region's ledger (`settlement_payee`), so the settlement
writes only rows of its insured region.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final

from yibao.core.canonical import canonical_json
from yibao.core.checks import invariant
from yibao.core.codes import check_institution
from yibao.core.money import ZERO, from_fen
from yibao.enroll.eligibility import Refusal, covering_enrollment
from yibao.enroll.model import Enrollment, PersonRecord
from yibao.fund.accounts import AccountCode, AccountKey, AccountKind, signed_balance
from yibao.fund.events import settlement_payee, settlement_postings
from yibao.fund.postings import PostingSet, reversal_of
from yibao.offsite.rules import Derived, derive_offsite
from yibao.policy.loader import PolicyError, load_policy
from yibao.policy.model import Policy
from yibao.services.catalog import care_catalog, care_region_lines
from yibao.services.national import Answer, keep_in
from yibao.settle.engine import settle
from yibao.settle.model import (
    MONEY_FIELDS,
    OPSP_KEYS,
    YTD_KEYS,
    FundDetail,
    Person,
    SettleRequest,
    SettleResult,
    Ytd,
)
from yibao.settle.request import RequestError, parse_request
from yibao.store import Store, default_store
from yibao.store.ledger import shard_of
from yibao.store.settlements import Prelude, SettlementRecord, StoredSettlement
from yibao.store.uow import UnitOfWork

Step = Callable[[str], None] | None
LOCAL: Final = Derived("local")


class SettleRefusal(StrEnum):
    """Why a settlement is refused, in precedence order."""

    INVALID_REQUEST = "invalid_request"
    CONFLICT = "conflict"
    UNKNOWN_INSTITUTION = "unknown_institution"
    NOT_ENROLLED = "not_enrolled"
    OTHER_REGION = "other_region"
    LAPSED = "lapsed"
    WAITING_PERIOD = "waiting_period"
    NO_POLICY = "no_policy"
    UNFILED = "unfiled"


class ReverseRefusal(StrEnum):
    NOT_FOUND = "not_found"
    ALREADY_REVERSED = "already_reversed"


@dataclass(frozen=True, slots=True)
class Refused:
    reason: StrEnum  # SettleRefusal, ReverseRefusal or ClaimRefusal (services/claims.py)
    field: str
    message: str

    def to_json(self) -> dict[str, object]:
        return {"error": {"reason": self.reason.value, "field": self.field,
                          "message": self.message}}


@dataclass(frozen=True, slots=True)
class Settled:
    """A committed settlement: the engine's result (`settlement`), `replayed` when it was
    already stored and nothing was written."""

    setl_id: str
    commit_seq: int
    replayed: bool
    reversed: bool
    settlement: SettleResult

    @property
    def result(self) -> dict[str, object]:
        """The settlement as the output document of SETTLEMENT.md §4."""
        return self.settlement.to_json()

    def to_json(self) -> dict[str, object]:
        """The output document with the commit's status (what `yibao settle --commit` prints)."""
        status = "replayed" if self.replayed else "settled"
        return {**self.result, "commit": {"status": status, "commit_seq": self.commit_seq,
                                          "reversed": self.reversed}}


@dataclass(frozen=True, slots=True)
class Reversed:
    reversal_id: str
    setl_id: str
    commit_seq: int
    returned_fen: int
    ytd_after: Ytd


def request_digest(doc: Mapping[str, Any]) -> str:
    """What identifies the content of a request: the person, visit, fees and options."""
    person = doc.get("person")
    core = {"psn_no": person.get("psn_no") if isinstance(person, Mapping) else None,
            "visit": doc.get("visit"), "fees": doc.get("fees"),
            "use_acct": doc.get("use_acct", False), "policy": doc.get("policy"),
            "insuplc_admdvs": doc.get("insuplc_admdvs")}
    return hashlib.sha256(canonical_json(core).encode()).hexdigest()


def settlement_id(fixmedins_code: str, mdtrt_id: str) -> str:
    """The settlement id (结算ID) a visit gets: derived from its identity, so it is stable."""
    digest = hashlib.sha256(f"{fixmedins_code}\x1f{mdtrt_id}".encode()).hexdigest()
    return "S" + digest[:20].upper()


@dataclass(frozen=True, slots=True)
class SettleCommand:
    """A stateful settlement request, parsed once: the engine's request (the store completes
    it), the request's canonical text (stored with the settlement) and its digest (what
    identifies its content)."""

    request: SettleRequest
    request_json: str
    digest: str
    #: `visit.emergency`: an emergency (急诊抢救), settled offsite without a prior filing.
    emergency: bool = False


def parse_command(doc: object) -> SettleCommand | Refused:
    """Validate a request document for `settle_committed` (the first problem, in document
    order), before the store is touched."""
    try:
        if not isinstance(doc, Mapping):
            raise RequestError("", "请求应为 JSON 对象")
        person, visit = doc.get("person"), doc.get("visit")
        if not isinstance(person, Mapping) or not isinstance(visit, Mapping):
            raise RequestError("person" if not isinstance(person, Mapping) else "visit",
                               "缺少该对象或类型不是对象")
        code = visit.get("fixmedins_code")
        reason = "有状态结算必须提供定点医药机构代码" if code is None else check_institution(code)
        if reason is not None:
            raise RequestError("visit.fixmedins_code", reason)
        request = parse_request(doc, stateful=True)
        if request.visit.year is None:
            raise RequestError("visit.enddate", "有状态结算需要就诊日期（enddate 或 begndate）")
        emergency = visit.get("emergency")
        if emergency is not None and not isinstance(emergency, bool):
            raise RequestError("visit.emergency", "应为 true 或 false（是否急诊抢救）")
    except RequestError as err:
        return Refused(SettleRefusal.INVALID_REQUEST, err.field, err.message)
    # The offsite value is derived from filings, never read from the request (module doc).
    request = replace(request, visit=replace(request.visit, offsite="local"))
    return SettleCommand(request, canonical_json(doc), request_digest(doc), bool(emergency))


def _asked_region(request: SettleRequest) -> str | None:
    """The insured region the request names: `insuplc_admdvs`, else that of a policy id."""
    region, policy = request.insuplc_admdvs, request.policy
    if region is None and len(policy) == 11 and policy[6] == "-":
        region = policy[:6]
    return region


def _replayed(stored: StoredSettlement, digest: str) -> Settled | Refused:
    if stored.request_hash != digest:
        return Refused(SettleRefusal.CONFLICT, "visit.mdtrt_id",
                       f"就诊 {stored.fixmedins_code}/{stored.mdtrt_id} 已以不同内容结算"
                       f"（结算ID {stored.setl_id}），请核对后使用新的就诊ID")
    return Settled(stored.setl_id, stored.commit_seq, True, stored.reversal_id is not None,
                   result_from_json(json.loads(stored.result_json)))


def _engine_person(person: PersonRecord, cover: Enrollment, on: date) -> Person:
    born = person.birth_date
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    return Person(person.id_number, cover.scheme, cover.psn_type, max(0, age), person.groups,
                  person.civil_servant)


def account_balance(uow: UnitOfWork, cover: Enrollment, *, lock: bool) -> Decimal:
    """The person's personal-account balance (个人账户余额); `lock` holds the account until the
    transaction ends, so that settlements of the person in other years (which do not queue
    on this year's accumulators) cannot spend the same balance."""
    if cover.scheme != "310":
        return ZERO
    key = AccountKey(cover.region, AccountCode.PERSONAL_ACCOUNT, cover.id_number)
    ledger = uow.ledger
    stored = ledger.locked_balance(key) if lock else ledger.stored_balance(key)
    balance = signed_balance(AccountKind.LIABILITY, *stored)
    invariant(balance >= 0, "a personal account is never overdrawn", key)
    return from_fen(balance)


def _cover(prelude: Prelude, request: SettleRequest
           ) -> tuple[PersonRecord, Enrollment] | Refused:
    """The person and the enrollment that pays for the visit, or why there is none."""
    person, psn_no = prelude.person, request.person.psn_no
    on = request.visit.enddate or request.visit.begndate
    assert on is not None
    if person is None:
        return Refused(SettleRefusal.NOT_ENROLLED, "person.psn_no", f"参保人 {psn_no} 未登记")
    found = covering_enrollment(prelude.enrollments, on, _asked_region(request))
    if isinstance(found, Refusal):
        return Refused(SettleRefusal(found.reason.value), "person.psn_no", found.message)
    return person, found


@dataclass(frozen=True, slots=True)
class Resolved:
    """Who pays for a visit and under which rules, as the store has it; where the care was
    given (`care_region`) and how it is settled (`derived`)."""

    level: str
    person: PersonRecord
    cover: Enrollment
    policy_id: str
    policy: Policy
    care_region: str = ""
    derived: Derived = LOCAL

    @property
    def offsite(self) -> bool:
        return self.care_region != self.cover.region


def resolve_visit(prelude: Prelude, request: SettleRequest, care_region: str | None = None
                  ) -> Resolved | Refused:
    """The institution's level, the person, the covering enrollment and the policy. The care
    region is `care_region` when given (a manual claim), else the institution's registered
    region, else (an unregistered institution) the insured region."""
    code = request.visit.fixmedins_code or ""
    level = request.visit.hosp_lv if request.hosp_lv_given else prelude.institution_level
    if level is None:
        return Refused(SettleRefusal.UNKNOWN_INSTITUTION, "visit.hosp_lv",
                       f"定点医药机构 {code} 未登记，请求中也没有 hosp_lv")
    covered = _cover(prelude, request)
    if isinstance(covered, Refused):
        return covered
    person, cover = covered
    assert request.visit.year is not None
    policy_id = f"{cover.region}-{request.visit.year}"
    try:
        policy = load_policy(policy_id)
    except PolicyError as err:
        return Refused(SettleRefusal.NO_POLICY, "policy", f"没有 {policy_id} 的待遇政策：{err}")
    care = care_region or prelude.institution_region or cover.region
    return Resolved(level, person, cover, policy_id, policy, care)


def derive_care(uow: UnitOfWork, resolved: Resolved, request: SettleRequest, emergency: bool,
                *, manual: bool = False) -> Resolved | Refused:
    """How the visit is settled (`derive_offsite` on the person's filings); an unfiled
    visit is refused direct settlement where the insured region's policy says so (`[filing]
    unfiled = "refuse"`). A local visit reads no filing."""
    if not resolved.offsite:
        return resolved
    on = request.visit.enddate or request.visit.begndate
    assert on is not None
    cover = resolved.cover
    derived = derive_offsite(uow.filings.of_person(cover.id_number), cover.region,
                             resolved.care_region, on, emergency=emergency)
    if derived.offsite == "unfiled" and not manual and resolved.policy.filing.unfiled == "refuse":
        return Refused(SettleRefusal.UNFILED, "person.psn_no",
                       f"参保人 {request.person.psn_no}（参保地 {cover.region}）在就医地 "
                       f"{resolved.care_region} 没有有效的异地就医备案，按参保地政策不予直接结算；"
                       "请先办理异地就医备案（备案后可直接结算），或全额付费后回参保地申请零星报销")
    return replace(resolved, derived=derived)


def engine_request(uow: UnitOfWork, request: SettleRequest, resolved: Resolved, ytd: Ytd,
                    balance: Decimal, setl_id: str | None) -> SettleRequest:
    """The request the engine settles: the store's person, level, accumulators and balance,
    the derived `offsite` value and, for an offsite visit, the fee lines priced by the care
    region's catalogue (就医地目录)."""
    visit = request.visit
    on = visit.enddate or visit.begndate
    assert on is not None
    person = _engine_person(resolved.person, resolved.cover, on)
    fees = request.fees
    if resolved.offsite:
        catalog = care_catalog(uow, {line.hilist_code for line in fees}, resolved.care_region)
        fees = care_region_lines(fees, catalog, resolved.person.sex, person.age, resolved.level)
    return replace(request, policy=resolved.policy_id, person=person, fees=fees,
                   visit=replace(visit, hosp_lv=resolved.level,
                                 offsite=resolved.derived.offsite),
                   ytd=ytd, ytd_given=True, acct_balc=balance, setl_id=setl_id)


def record_of(setl_id: str, command: SettleCommand, resolved: Resolved, ytd: Ytd,
              version: int, result: SettleResult, *, claimant: str | None = None
              ) -> tuple[SettlementRecord, PostingSet]:
    """The settlement row and its postings (owed to `settlement_payee`)."""
    visit, cover, person = command.request.visit, resolved.cover, resolved.person
    code = visit.fixmedins_code or ""
    assert visit.year is not None
    payee = settlement_payee(cover.region, code, resolved.care_region, claimant)
    entry = settlement_postings(setl_id, cover.region, result, code, person.id_number, payee)
    record = SettlementRecord(
        setl_id, code, visit.mdtrt_id, person.id_number, cover.scheme, cover.region, visit.year,
        resolved.policy_id, command.digest, command.request_json,
        canonical_json(result.to_json()), canonical_json(ytd.to_json()), version + 1,
        entry.txn_id if entry.postings else None, datetime.now(UTC),
        care_region=resolved.care_region, offsite=resolved.derived.offsite,
        filing_id=resolved.derived.filing_id,
        channel="manual" if claimant is not None else "direct")
    return record, entry


def _settle_in(uow: UnitOfWork, command: SettleCommand) -> Settled | Refused:
    request, digest = command.request, command.digest
    visit = request.visit
    code = visit.fixmedins_code or ""
    prelude = uow.settlements.prelude(code, visit.mdtrt_id, request.person.psn_no)
    if prelude.stored_setl_id is not None:
        stored = uow.settlements.by_setl_id(prelude.stored_setl_id)
        assert stored is not None
        return _replayed(stored, digest)
    resolved = resolve_visit(prelude, request)
    if isinstance(resolved, Refused):
        return resolved
    resolved = derive_care(uow, resolved, request, command.emergency)
    if isinstance(resolved, Refused):
        return resolved
    person, cover = resolved.person, resolved.cover
    year = visit.year
    assert year is not None
    ytd, version = uow.accumulators.lock(person.id_number, cover.scheme, year, cover.region)
    setl_id = settlement_id(code, visit.mdtrt_id)
    full = engine_request(uow, request, resolved, ytd,
                           account_balance(uow, cover, lock=True), setl_id)
    result = settle(full, resolved.policy)
    record, entry = record_of(setl_id, command, resolved, ytd, version, result)
    seq = uow.settlements.record(record, result, entry, shard_of(person.id_number))
    return Settled(setl_id, seq, False, False, result)


def settle_committed(doc: object, *, store: Store | None = None, on_step: Step = None,
                     answer: Callable[[Settled], Answer] | None = None
                     ) -> Settled | Refused:
    """Settle one request document against the store, exactly once (see the module doc).

    `answer(settled)` is the national interface's answer to the settlement (or to its replay):
    it is kept under its msgid in the same transaction, so a settlement never exists without
    it; `AnsweredBefore` (nothing written) when another request with the msgid was answered
    first. An exception `answer` raises rolls everything back and comes out of this call."""
    store = store or default_store()
    command = parse_command(doc)
    if isinstance(command, Refused):
        return command

    def work(uow: UnitOfWork) -> Settled | Refused:
        done = _settle_in(uow, command)
        if isinstance(done, Settled) and not (done.replayed and answer is None):
            if answer is not None:
                keep_in(uow, answer(done))
            uow.commit()
        return done

    return store.transaction(work, on_step=on_step)


def preview_settlement(doc: object, *, store: Store | None = None) -> SettleResult | Refused:
    """What `settle_committed(doc)` would settle now (预结算), against the store as it is:
    the same refusals and the same engine, writing nothing and locking nothing (the
    accumulators and the account balance may move before the real settlement)."""
    store = store or default_store()
    command = parse_command(doc)
    if isinstance(command, Refused):
        return command
    request = command.request
    visit = request.visit
    with store.unit_of_work() as uow:
        prelude = uow.settlements.prelude(visit.fixmedins_code or "", visit.mdtrt_id,
                                          request.person.psn_no)
        resolved = resolve_visit(prelude, request)
        if isinstance(resolved, Refused):
            return resolved
        resolved = derive_care(uow, resolved, request, command.emergency)
        if isinstance(resolved, Refused):
            return resolved
        cover = resolved.cover
        assert visit.year is not None
        stored = uow.accumulators.get(cover.id_number, cover.scheme, visit.year)
        balance = account_balance(uow, cover, lock=False)
        full = engine_request(uow, request, resolved, stored[0] if stored else Ytd(), balance,
                               None)
    return settle(full, resolved.policy)


def ytd_from_json(doc: Mapping[str, Any]) -> Ytd:
    """`Ytd.to_json` read back; an accumulator a document written before it existed lacks is 0."""
    values: dict[str, Any] = {k: Decimal(str(doc.get(k, "0"))) for k in YTD_KEYS
                              if k != "admissions"}
    for key in OPSP_KEYS:
        values[key] = tuple((code, Decimal(str(v))) for code, v in doc.get(key, {}).items())
    return Ytd(admissions=int(doc["admissions"]), **values)


def _amount(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def result_from_json(doc: Mapping[str, Any]) -> SettleResult:
    """A stored settlement's result, from its output document (the inverse of `to_json`:
    amounts are kept as their exact text, so the document comes back byte for byte)."""
    money = {name: Decimal(str(doc.get(name, "0.00")))
             for name in (*MONEY_FIELDS, "pool_prop_selfpay")}
    details = tuple(FundDetail(
        str(d["fund_pay_type"]), Decimal(str(d["inscp_scp_amt"])),
        _amount(d["crt_payb_lmt_amt"]), Decimal(str(d["fund_payamt"])),
        str(d["setl_proc_info"])) for d in doc["setldetail"])
    return SettleResult(
        setl_id=str(doc["setl_id"]), mdtrt_id=str(doc["mdtrt_id"]), psn_no=str(doc["psn_no"]),
        insutype=str(doc["insutype"]), med_type=str(doc["med_type"]), setldetail=details,
        ytd_after=ytd_from_json(doc["ytd_after"]), long_rx=tuple(doc.get("long_rx", ())),
        acct_mulaid_balc=_amount(doc.get("acct_mulaid_balc")),
        matn_alwn_days=int(doc.get("matn_alwn_days", 0)), **money)


def restore(current: Ytd, before: Ytd, after: Ytd) -> Ytd:
    """The accumulators with one settlement's growth (`after − before`) taken back out."""
    values: dict[str, Any] = {
        k: getattr(current, k) - (getattr(after, k) - getattr(before, k)) for k in YTD_KEYS}
    invariant(all(v >= 0 for v in values.values()), "a reversal never takes more than it added",
              values)
    for key in OPSP_KEYS:  # per disease: the growth of each code taken back out
        grown = {code: after.opsp(key, code) - before.opsp(key, code)
                 for code, _ in getattr(after, key)}
        pairs = tuple((code, value - grown.get(code, ZERO))
                      for code, value in getattr(current, key))
        invariant(all(v >= 0 for _, v in pairs), "a reversal never takes more than it added",
                  pairs)
        values[key] = pairs
    return Ytd(**values)


def _reverse_in(uow: UnitOfWork, setl_id: str) -> Reversed | Refused:
    stored = uow.settlements.by_setl_id(setl_id)
    if stored is None:
        return Refused(ReverseRefusal.NOT_FOUND, "setl_id", f"没有结算ID为 {setl_id} 的结算")
    reversal_id = "R" + setl_id[1:]
    if stored.reversal_id is None:
        current, version = uow.accumulators.lock(stored.id_number, stored.scheme, stored.year,
                                                 stored.region)
        # A concurrent reversal may have committed while this one waited for the lock.
        stored = uow.settlements.by_setl_id(setl_id)
        assert stored is not None
    if stored.reversal_id is not None:
        when = uow.settlements.reversal_time(setl_id)
        if when is not None and when.tzinfo is not None:
            when = when.astimezone(UTC)
        shown = when.strftime("%Y-%m-%d %H:%M:%S UTC") if when else "此前"
        return Refused(ReverseRefusal.ALREADY_REVERSED, "setl_id",
                       f"结算 {setl_id} 已于 {shown} 冲销（冲销号 {stored.reversal_id}），"
                       "不能重复冲销")
    result = json.loads(stored.result_json)
    after = restore(current, ytd_from_json(json.loads(stored.ytd_before_json)),
                    ytd_from_json(result["ytd_after"]))
    original = uow.ledger.postings_of(stored.txn_id) if stored.txn_id else None
    mirror = reversal_of(original, reversal_id) if original is not None else None
    now = datetime.now(UTC)
    seq = uow.settlements.add_reversal(reversal_id, setl_id, version + 1,
                                       mirror.txn_id if mirror else None, now)
    uow.step("reversal")
    if mirror is not None:
        uow.ledger.add_transaction(mirror, now)
        uow.step("transaction")
        uow.ledger.add_postings([mirror])
        uow.step("postings")
        uow.balances.apply([(mirror, shard_of(stored.id_number))])
        uow.step("balances")
    uow.accumulators.save(stored.id_number, stored.scheme, stored.year, after, version + 1)
    uow.commit()
    return Reversed(reversal_id, setl_id, seq, mirror.amount_fen if mirror else 0, after)


def reverse_settlement(setl_id: str, *, store: Store | None = None, on_step: Step = None
                       ) -> Reversed | Refused:
    """Reverse a settlement (冲销): mirror postings, accumulators restored; once only."""
    store = store or default_store()
    return store.transaction(lambda uow: _reverse_in(uow, setl_id), on_step=on_step)


@dataclass(frozen=True, slots=True)
class SettlementRef:
    """Who and what a stored settlement is about (结算ID, visit, institution, person)."""

    setl_id: str
    mdtrt_id: str
    fixmedins_code: str
    id_number: str
    region: str
    year: int


def settlement_ref(setl_id: str, *, store: Store | None = None) -> SettlementRef | None:
    """The stored settlement `setl_id` (reversed or not), or None."""
    with (store or default_store()).unit_of_work(read_only=True) as uow:
        stored = uow.settlements.by_setl_id(setl_id)
    return None if stored is None else SettlementRef(
        stored.setl_id, stored.mdtrt_id, stored.fixmedins_code, stored.id_number,
        stored.region, stored.year)


def committed_requests(id_number: str | None = None, *, store: Store | None = None
                       ) -> list[tuple[int, str, dict[str, Any]]]:
    """(commit_seq, setl_id, request document) of stored settlements, in commit order."""
    store = store or default_store()
    with store.unit_of_work() as uow:
        rows = uow.settlements.in_commit_order(id_number)
    return [(seq, setl_id, json.loads(text)) for seq, setl_id, text in rows]


def accumulators_of(id_number: str, scheme: str, year: int, *, store: Store | None = None
                    ) -> tuple[Ytd, int] | None:
    """A person's accumulators and their version (None before the first settlement)."""
    store = store or default_store()
    with store.unit_of_work() as uow:
        return uow.accumulators.get(id_number, scheme, year)
