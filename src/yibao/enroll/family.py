"""职工医保个人账户家庭共济: who may draw on an employee's personal account (the binding register).

A binding joins a holder (the employee whose personal account pays) to a member (a close
relative whose own costs it may pay) from a start day until it is ended. The rules, checked and
reported in the order of `BindRefusal`:

- the holder and the member are two different persons;
- the relation is one of 配偶 (spouse), 父母 (parent) and 子女 (child);
- the holder is registered and has an active employee enrollment (`310`, 职工医保) in the year:
  only an employee has a personal account (个人账户);
- the member is registered and has an active enrollment in either scheme (`310` or `390`) in
  the year;
- the same holder and member are not bound already;
- the member is not bound to another holder (one holder per member at a time).

A member may also be the holder of others (an employee whose parent's account pays for them may
pay for their own child or spouse), and two spouses may each hold for the other: the binding is
not transitive — only the holder's own account pays for the member, never the account of the
holder's holder. Unbinding is refused when there is no binding in force between the two.

The rules are values here; the store, the lock that makes "one holder per member" hold under
concurrent binds, and the write log belong to the service (`yibao.services.family`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Final

from yibao.enroll.model import Enrollment, EnrollStatus

HOLDER_SCHEME: Final = "310"


class Relation(StrEnum):
    """The member's relation to the holder."""

    SPOUSE = "spouse"
    PARENT = "parent"
    CHILD = "child"

    @property
    def label(self) -> str:
        return RELATION_NAMES[self]


RELATION_NAMES: Final = {Relation.SPOUSE: "配偶", Relation.PARENT: "父母", Relation.CHILD: "子女"}


class BindRefusal(StrEnum):
    """Why a binding or an unbinding is refused, in precedence order."""

    SAME_PERSON = "same_person"
    BAD_RELATION = "bad_relation"
    HOLDER_UNKNOWN = "holder_unknown"
    HOLDER_NOT_EMPLOYEE = "holder_not_employee"
    MEMBER_UNKNOWN = "member_unknown"
    MEMBER_NOT_ENROLLED = "member_not_enrolled"
    ALREADY_BOUND = "already_bound"
    OTHER_HOLDER = "other_holder"
    NOT_BOUND = "not_bound"


@dataclass(frozen=True, slots=True)
class Refusal:
    reason: BindRefusal
    message: str


@dataclass(frozen=True, slots=True)
class Binding:
    """One binding: `end` is None while it is in force, else the day it ended (it no longer
    holds that day)."""

    holder: str
    member: str
    relation: Relation
    start: date
    end: date | None = None
    bound_by: str = ""
    unbound_by: str | None = None

    @property
    def in_force(self) -> bool:
        return self.end is None


def parse_relation(value: str) -> Relation | Refusal:
    """A relation by its code (`spouse`) or its zh-CN name (配偶)."""
    text = value.strip()
    for relation in Relation:
        if text in (relation.value, relation.label):
            return relation
    choices = "、".join(f"{r.value}（{r.label}）" for r in Relation)
    return Refusal(BindRefusal.BAD_RELATION, f"关系 {value!r} 无效：应为 {choices} 之一")


def _active(enrollments: Sequence[Enrollment], year: int, schemes: Sequence[str]
            ) -> Enrollment | None:
    return next((e for e in enrollments if e.year == year and e.status is EnrollStatus.ACTIVE
                 and e.scheme in schemes), None)


def holder_account(holder: str, enrollments: Sequence[Enrollment] | None, year: int
                   ) -> Enrollment | Refusal:
    """The holder's active employee enrollment of `year` (its region keeps the account), or why
    there is none; `enrollments` None: the holder is not registered."""
    if enrollments is None:
        return Refusal(BindRefusal.HOLDER_UNKNOWN, f"没有参保人 {holder}（账户持有人）")
    found = _active(enrollments, year, (HOLDER_SCHEME,))
    if found is None:
        return Refusal(BindRefusal.HOLDER_NOT_EMPLOYEE,
                       f"账户持有人 {holder} 在 {year} 年度没有有效的职工医保参保，"
                       "没有个人账户可以共济")
    return found


def check_bind(holder: str, member: str, relation: Relation | str, year: int,
               holder_enrollments: Sequence[Enrollment] | None,
               member_enrollments: Sequence[Enrollment] | None,
               member_bindings: Sequence[Binding]) -> Enrollment | Refusal:
    """Whether `holder` may bind `member` in `year` (see the module doc): the holder's
    enrollment that keeps the account, or the first refusal. `member_bindings` are the
    member's bindings as a member (ended ones too); None enrollments: not registered."""
    if holder == member:
        return Refusal(BindRefusal.SAME_PERSON, "账户持有人与共济人员不能是同一人")
    if not isinstance(relation, Relation):
        parsed = parse_relation(relation)
        if isinstance(parsed, Refusal):
            return parsed
    account = holder_account(holder, holder_enrollments, year)
    if isinstance(account, Refusal):
        return account
    if member_enrollments is None:
        return Refusal(BindRefusal.MEMBER_UNKNOWN, f"没有参保人 {member}（共济人员）")
    if _active(member_enrollments, year, ("310", "390")) is None:
        return Refusal(BindRefusal.MEMBER_NOT_ENROLLED,
                       f"共济人员 {member} 在 {year} 年度没有有效参保（职工医保或城乡居民医保）")
    current = next((b for b in member_bindings if b.in_force), None)
    if current is not None and current.holder == holder:
        return Refusal(BindRefusal.ALREADY_BOUND,
                       f"{member} 已与账户持有人 {holder} 绑定"
                       f"（自 {current.start.isoformat()} 起）")
    if current is not None:
        return Refusal(BindRefusal.OTHER_HOLDER,
                       f"{member} 已绑定账户持有人 {current.holder}，同一时间只能绑定一名持有人；"
                       "请先解除原绑定")
    return account


def check_unbind(holder: str, member: str, member_bindings: Sequence[Binding]
                 ) -> Binding | Refusal:
    """The binding in force between `holder` and `member`, or why there is none to end."""
    current = next((b for b in member_bindings if b.in_force and b.holder == holder), None)
    if current is None:
        ended = any(b.holder == holder for b in member_bindings)
        state = "已解除" if ended else "不存在"
        return Refusal(BindRefusal.NOT_BOUND,
                       f"账户持有人 {holder} 与 {member} 之间没有有效的家庭共济绑定（{state}）")
    return current
