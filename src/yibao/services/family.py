"""家庭共济 use cases (docs/benefits.md): bind a member to a holder's personal account, end a
binding, list a person's bindings.

`bind` checks the rules of `yibao.enroll.family` (in the order of `BindRefusal`) for the year
of `today` and writes the binding and a write-log row in one unit of work, under the member's
row lock (on PostgreSQL `SELECT … FOR UPDATE`; SQLite's `BEGIN IMMEDIATE` already serialises
writers), so two concurrent binds of one member to two holders cannot both pass the "one
holder per member" check. `unbind` ends the binding in force from `today`, once. `who` is the
bureau user acting (None: the operator's command line, every region): handlers (经办) bind and
unbind where the holder's account is kept (the region of the holder's employee enrollment);
the roles that read persons read bindings, those whose account region is in their scope.
Every refusal is a value (`FamilyRefused`) with a reason code and one zh-CN sentence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, Final

from yibao.enroll.family import (
    Binding,
    Refusal,
    Relation,
    check_bind,
    check_unbind,
    parse_relation,
)
from yibao.enroll.model import Enrollment
from yibao.services.accounts import Principal
from yibao.services.bureau import PERMISSIONS
from yibao.services.offsite import beijing_today, log_write
from yibao.store import Store, default_store
from yibao.store.uow import UnitOfWork

#: Who may bind and unbind at the bureau: handlers (经办).
WRITERS: Final = frozenset({"handler"})
READERS: Final = PERMISSIONS["persons"]
PSN_NO_MAX: Final = 32


class FamilyProblem(StrEnum):
    """Why a request is refused before the binding rules (`BindRefusal`) are asked."""

    INVALID = "invalid"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    OUT_OF_SCOPE = "out_of_scope"


@dataclass(frozen=True, slots=True)
class FamilyRefused:
    """A refused request: `reason` is a `FamilyProblem` or a `BindRefusal` value."""

    reason: str
    message: str


@dataclass(frozen=True, slots=True)
class Bound:
    """A binding as a face shows it, with the region of the holder's account."""

    binding: Binding
    region: str

    def to_json(self) -> dict[str, Any]:
        b = self.binding
        return {"holder": b.holder, "member": b.member, "relation": b.relation.value,
                "relation_name": b.relation.label, "region": self.region,
                "start": b.start.isoformat(), "end": None if b.end is None else b.end.isoformat(),
                "in_force": b.in_force, "bound_by": b.bound_by, "unbound_by": b.unbound_by}


def _refused(refusal: Refusal) -> FamilyRefused:
    return FamilyRefused(refusal.reason.value, refusal.message)


def _not_found(psn_no: str) -> FamilyRefused:
    return FamilyRefused(FamilyProblem.NOT_FOUND, f"没有参保人 {psn_no}（或不在管辖范围内）")


def _may(who: Principal | None, roles: frozenset[str], doing: str) -> FamilyRefused | None:
    if who is not None and who.role not in roles:
        return FamilyRefused(FamilyProblem.FORBIDDEN, f"角色 {who.role} 无权{doing}家庭共济绑定")
    return None


def check_psn_no(value: str, field: str) -> FamilyRefused | None:
    """A person number is 1 to 32 ASCII letters and digits (the ID number)."""
    if not (0 < len(value) <= PSN_NO_MAX and value.isascii() and value.isalnum()):
        return FamilyRefused(FamilyProblem.INVALID,
                             f"{field} {value!r} 无效："
                             "应为身份证号（人员编号），1 至 32 位字母或数字")
    return None


def _check_request(who: Principal | None, doing: str, holder: str, member: str
                   ) -> FamilyRefused | None:
    """The checks of a bind or unbind made before the store is asked: the role, the numbers."""
    return (_may(who, WRITERS, doing) or check_psn_no(holder, "账户持有人")
            or check_psn_no(member, "共济人员"))


def _hidden(who: Principal | None, enrollments: Sequence[Enrollment]) -> bool:
    """Whether a user must not learn of the holder: none of their enrollments is in scope."""
    return who is not None and bool(enrollments) and not any(who.sees(e.region)
                                                             for e in enrollments)


def bind(holder: str, member: str, relation: Relation | str, *, actor: str,
         who: Principal | None = None, today: date | None = None, store: Store | None = None
         ) -> Bound | FamilyRefused:
    """Bind `member` to `holder`'s personal account from `today` (see the module doc)."""
    refused = _check_request(who, "办理", holder, member)
    if refused is not None:
        return refused
    today = today or beijing_today()

    def work(uow: UnitOfWork) -> Bound | FamilyRefused:
        member_known = uow.family.lock_person(member)
        holder_known = uow.registry.person(holder) is not None
        holder_enrollments = uow.registry.enrollments_of(holder) if holder_known else None
        if _hidden(who, holder_enrollments or []):
            return _not_found(holder)
        account = check_bind(holder, member, relation, today.year, holder_enrollments,
                             uow.registry.enrollments_of(member) if member_known else None,
                             uow.family.of_member(member))
        if isinstance(account, Refusal):
            return _refused(account)
        kind = relation if isinstance(relation, Relation) else parse_relation(relation)
        assert isinstance(kind, Relation), "checked by check_bind"
        if who is not None and not who.sees(account.region):
            return FamilyRefused(FamilyProblem.OUT_OF_SCOPE,
                                 f"账户持有人的参保地 {account.region} "
                                 f"不在您的管辖范围（{who.region}）内")
        binding = Binding(holder, member, kind, today, None, actor[:80])
        uow.family.add(binding, account.region)
        log_write(uow, actor, "family.bind", f"{holder}>{member}",
             {"holder": holder, "member": member, "relation": kind.value,
              "start": today.isoformat()}, account.region)
        uow.commit()
        return Bound(binding, account.region)

    return (store or default_store()).transaction(work)


def unbind(holder: str, member: str, *, actor: str, who: Principal | None = None,
           today: date | None = None, store: Store | None = None) -> Bound | FamilyRefused:
    """End the binding in force between `holder` and `member` from `today` (it no longer
    holds that day); refused when there is none (never bound, or ended already)."""
    refused = _check_request(who, "解除", holder, member)
    if refused is not None:
        return refused
    today = today or beijing_today()

    def work(uow: UnitOfWork) -> Bound | FamilyRefused:
        uow.family.lock_person(member)
        found = check_unbind(holder, member, uow.family.of_member(member))
        if isinstance(found, Refusal):
            return _refused(found)
        region = uow.family.region_of(holder, member)
        assert region is not None, "a binding in force has its region"
        if who is not None and not who.sees(region):
            return _not_found(holder)
        ended = uow.family.end(holder, member, today, actor)
        assert ended, "ended under the member's lock after reading it in force"
        log_write(uow, actor, "family.unbind", f"{holder}>{member}",
             {"holder": holder, "member": member, "relation": found.relation.value,
              "start": found.start.isoformat(), "end": today.isoformat()}, region)
        uow.commit()
        return Bound(Binding(found.holder, found.member, found.relation, found.start, today,
                             found.bound_by, actor[:80]), region)

    return (store or default_store()).transaction(work)


def bindings_of(psn_no: str, *, who: Principal | None = None, store: Store | None = None
                ) -> list[Bound] | FamilyRefused:
    """Every binding naming the person as holder or member (ended ones too), oldest first; a
    user sees those whose account region is in their scope (and a person of another region
    only through such a binding)."""
    refused = _may(who, READERS, "查看") or check_psn_no(psn_no, "人员编号")
    if refused is not None:
        return refused
    with (store or default_store()).unit_of_work(read_only=True) as uow:
        person = uow.registry.person(psn_no)
        if person is None:
            return _not_found(psn_no)
        enrollments = uow.registry.enrollments_of(psn_no) if who is not None else []
        found = uow.family.of_person(psn_no)
    shown = [Bound(b, region) for b, region in found if who is None or who.sees(region)]
    if who is not None and not (shown or who.sees(person.region)
                                or any(who.sees(e.region) for e in enrollments)):
        return _not_found(psn_no)
    return shown
