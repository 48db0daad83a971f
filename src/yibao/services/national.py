"""The national interface's records as use cases (接口数据): answers kept under their `msgid`,
visits registered by institutions, their fee lines and settlement lists.

The interface room (`yibao.interface`) speaks the protocol; these functions read and write what
it keeps, each in one unit of work. A change that depends on what is stored (a visit's discharge,
new fee lines) reads, decides and writes in one transaction: the caller passes the decision as a
function, which may raise to refuse (nothing is then written).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from yibao.enroll.model import Enrollment, Institution, PersonRecord
from yibao.fund.accounts import AccountCode, AccountKey, AccountKind, signed_balance
from yibao.store import Store, default_store
from yibao.store.accounts import WriteEntry
from yibao.store.interface import VisitClose
from yibao.store.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class KeptAnswer:
    """An answer kept under its msgid: the hash of the request's body, and the answer's text."""

    body_hash: str
    text: str


@dataclass(frozen=True, slots=True)
class Answer:
    """An answer to keep under the msgid of an institution's message; `log` is the write-log
    entry when the transaction writes (actor, action, detail)."""

    fixmedins_code: str
    msgid: str
    infno: str
    body_hash: str
    text: str
    at: datetime
    log: tuple[str, str, str] | None
    #: A settlement's answer closes its visit: (mdtrt_id, the visit's version when read,
    #: setl_id). The visit must still be at that version (`VisitChanged` otherwise).
    closes: tuple[str, int, str] | None = None


class VisitChanged(Exception):
    """A visit changed (fees, discharge) after a settlement read it: nothing was written."""

    def __init__(self, mdtrt_id: str) -> None:
        super().__init__(f"visit {mdtrt_id} changed while it was settled")
        self.mdtrt_id = mdtrt_id


class AnsweredBefore(Exception):
    """Another request with the msgid was answered first: its kept answer decides."""

    def __init__(self, kept: KeptAnswer) -> None:
        super().__init__("msgid answered before")
        self.kept = kept


@dataclass(frozen=True, slots=True)
class Visit:
    """A visit registered through the interface (2201 outpatient, 2401 inpatient)."""

    mdtrt_id: str
    fixmedins_code: str
    ipt_otp_no: str
    psn_no: str
    insutype: str
    insuplc_admdvs: str
    med_type: str
    begndate: date
    enddate: date | None
    dscg_way: str | None
    diseinfo_json: str
    created_at: datetime
    #: Raised by every change; a settlement closes the visit at the version it read.
    version: int = 0
    #: The settlement that closed the visit to changes (reversed or not), if any.
    setl_id: str | None = None
    #: Registered as an emergency (急诊抢救, `emergency_flag` "1"): settled offsite without a
    #: prior filing (docs/offsite.md).
    emergency: bool = False


@dataclass(frozen=True, slots=True)
class SettlementList:
    """A settlement list (结算清单, 4101A) with its DRG group and grouping trace."""

    setl_id: str
    mdtrt_id: str
    fixmedins_code: str
    region: str
    year: int
    list_json: str
    mdc: str
    adrg: str
    drg: str
    status: str
    trace_json: str
    created_at: datetime
    payment_method: str | None = None  # set by a year's payment (`payment.share`)


FeeLines = list[tuple[str, str]]


def _values(record: Visit | SettlementList) -> dict[str, Any]:
    return {f.name: getattr(record, f.name) for f in fields(record)}


def _kept(found: Any) -> KeptAnswer | None:
    return None if found is None else KeptAnswer(*found)


def _visit(found: Any) -> Visit | None:
    return None if found is None else Visit(*found)


def keep_in(uow: UnitOfWork, answer: Answer) -> None:
    """Keep `answer` in the unit of work (with its write-log row when it has one), nothing
    committed; `AnsweredBefore` when another request with the msgid was kept first."""
    entry = None if answer.log is None else WriteEntry(answer.at, *answer.log[:2],
                                                         answer.msgid, answer.log[2])
    close = None if answer.closes is None else VisitClose(*answer.closes)
    added, closed = uow.interface.keep(answer.fixmedins_code, answer.msgid, answer.infno,
                                       answer.body_hash, answer.text, answer.at, entry, close)
    if not added:
        kept = _kept(uow.interface.message(answer.fixmedins_code, answer.msgid))
        assert kept is not None
        raise AnsweredBefore(kept)
    if not closed:
        assert close is not None
        raise VisitChanged(close.mdtrt_id)


def keep_answer(answer: Answer, *, store: Store | None = None) -> None:
    """Keep `answer` under its msgid (see `keep_in`), committed."""
    with (store or default_store()).unit_of_work() as uow:
        keep_in(uow, answer)
        uow.commit()


def kept_answer(fixmedins_code: str, msgid: str, *, store: Store | None = None
                ) -> KeptAnswer | None:
    """The answer kept under an institution's msgid, if any."""
    with (store or default_store()).unit_of_work(read_only=True) as uow:
        return _kept(uow.interface.message(fixmedins_code, msgid))


def visit_of(mdtrt_id: str, *, store: Store | None = None) -> Visit | None:
    with (store or default_store()).unit_of_work(read_only=True) as uow:
        return _visit(uow.interface.visit(mdtrt_id))


def visit_and_fees(mdtrt_id: str, *, store: Store | None = None
                   ) -> tuple[Visit | None, FeeLines]:
    """A visit and its fee lines (feedetl_sn, line JSON) in upload order."""
    with (store or default_store()).unit_of_work(read_only=True) as uow:
        return _visit(uow.interface.visit(mdtrt_id)), uow.interface.fees(mdtrt_id)


def settling_reads(fixmedins_code: str, msgid: str, mdtrt_id: str, *,
                   store: Store | None = None
                   ) -> tuple[KeptAnswer | None, Visit | None, FeeLines]:
    """What settling a visit reads: the answer kept under the msgid, the visit and its fee
    lines (one statement on PostgreSQL)."""
    with (store or default_store()).unit_of_work(read_only=True) as uow:
        kept, visit, fees = uow.interface.settling(fixmedins_code, msgid, mdtrt_id)
    return _kept(kept), _visit(visit), fees


def register_visit(visit: Visit, *, store: Store | None = None) -> Visit:
    """The visit stored under `visit.mdtrt_id`: the one registered before (also by a
    concurrent registration that won the race), or `visit` now."""

    def work(uow: UnitOfWork) -> Visit:
        found = _visit(uow.interface.visit(visit.mdtrt_id))
        if found is not None:
            return found
        uow.interface.add_visit(_values(visit))
        uow.commit()
        return visit

    return (store or default_store()).transaction(work)


def change_visit(mdtrt_id: str, change: Callable[[Visit | None], dict[str, Any]], *,
                 store: Store | None = None) -> Visit:
    """Lock and read the visit, let `change` decide the new values (it may raise to refuse,
    e.g. when a settlement closed the visit), write them; the visit as it was read."""
    with (store or default_store()).unit_of_work() as uow:
        found = _visit(uow.interface.locked_visit(mdtrt_id))
        values = change(found)
        assert found is not None, "change refuses a missing visit"
        uow.interface.update_visit(mdtrt_id, **values, version=found.version + 1)
        uow.commit()
    return found


def add_fee_lines(mdtrt_id: str, new_lines: Callable[[Visit | None, dict[str, str]], FeeLines],
                  at: datetime, *, store: Store | None = None) -> None:
    """Lock and read the visit and its fee lines, let `new_lines` pick the lines to add (it may
    raise to refuse, e.g. when a settlement closed the visit), add them after the stored ones."""
    with (store or default_store()).unit_of_work() as uow:
        found = _visit(uow.interface.locked_visit(mdtrt_id))
        stored = dict(uow.interface.fees(mdtrt_id))
        lines = new_lines(found, stored)
        assert found is not None, "new_lines refuses a missing visit"
        uow.interface.add_fees(mdtrt_id, lines, len(stored), at)
        uow.interface.update_visit(mdtrt_id, version=found.version + 1)
        uow.commit()


def settlement_list(setl_id: str, *, store: Store | None = None) -> SettlementList | None:
    with (store or default_store()).unit_of_work(read_only=True) as uow:
        found = uow.interface.settlement_list(setl_id)
    return None if found is None else SettlementList(*found)


def keep_settlement_list(record: SettlementList, *, store: Store | None = None
                         ) -> SettlementList:
    """The list kept for `record.setl_id`: the one kept before (also by a concurrent upload
    that won the race), or `record` now."""

    def work(uow: UnitOfWork) -> SettlementList:
        found = uow.interface.settlement_list(record.setl_id)
        if found is not None:
            return SettlementList(*found)
        uow.interface.add_settlement_list(_values(record))
        uow.commit()
        return record

    return (store or default_store()).transaction(work)



def insured(psn_no: str, *, store: Store | None = None
            ) -> tuple[PersonRecord | None, list[Enrollment]]:
    """A person and every enrollment of the person (person information, registration)."""
    with (store or default_store()).unit_of_work(read_only=True) as uow:
        return uow.registry.person_and_enrollments(psn_no)


def insured_with_accounts(psn_no: str, *, store: Store | None = None
                          ) -> tuple[PersonRecord | None, list[Enrollment], dict[str, int]]:
    """A person, the enrollments, and the balance in fen of the personal account (个人账户)
    in each region where the person is enrolled in employee insurance (310)."""
    with (store or default_store()).unit_of_work() as uow:
        person, enrollments = uow.registry.person_and_enrollments(psn_no)
        balances: dict[str, int] = {}
        for e in enrollments:
            if e.scheme == "310" and e.region not in balances:
                key = AccountKey(e.region, AccountCode.PERSONAL_ACCOUNT, e.id_number)
                balances[e.region] = signed_balance(AccountKind.LIABILITY,
                                                    *uow.ledger.stored_balance(key))
    return person, enrollments, balances


def person_and_institution(psn_no: str, fixmedins_code: str, *, store: Store | None = None
                           ) -> tuple[PersonRecord | None, Institution | None]:
    """The person and the institution of a visit, as registered (the facts rules read)."""
    with (store or default_store()).unit_of_work() as uow:
        return uow.registry.person(psn_no), uow.registry.institution(fixmedins_code)
