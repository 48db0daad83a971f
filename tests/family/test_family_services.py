"""The family-binding rules and services (家庭共济) on SQLite and PostgreSQL: each refusal
reason, bind and unbind with the write log, scope and roles — and concurrent binds of one
member to several holders from separate processes, of which exactly one is written."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from tests.forked import TIMEOUT_S, at_once
from tests.services.population import CITY, DIBAO, LAPSED, RESIDENT, RETIREE, WORKER, populate
from tests.store.fixtures import StoreFactory
from yibao.enroll.family import BindRefusal, Relation
from yibao.services.accounts import Principal, write_log
from yibao.services.family import (
    Bound,
    FamilyProblem,
    FamilyRefused,
    bind,
    bindings_of,
    unbind,
)
from yibao.store import Store

TODAY = date(2024, 5, 10)
UNKNOWN = "110101199001011234"
HANDLER = Principal("h1", "handler", "511623")
OTHER_HANDLER = Principal("h3", "handler", "511602")
AUDITOR = Principal("a1", "auditor", "511623")


def _bind(store: Store, holder: str, member: str, relation: str = "spouse",
          **kw: Any) -> Bound | FamilyRefused:
    return bind(holder, member, relation, actor=kw.pop("actor", "test"),
                today=kw.pop("today", TODAY), store=store, **kw)


def _reason(result: Bound | FamilyRefused) -> str:
    return result.reason if isinstance(result, FamilyRefused) else "bound"


def test_every_refusal_reason_in_order(populated: Store) -> None:
    assert isinstance(_bind(populated, WORKER, DIBAO, "parent"), Bound)
    # (holder, member, relation) → the reason; earlier reasons win over later ones.
    table = [
        (WORKER, WORKER, "brother", BindRefusal.SAME_PERSON),
        (WORKER, RESIDENT, "brother", BindRefusal.BAD_RELATION),
        (UNKNOWN, RESIDENT, "spouse", BindRefusal.HOLDER_UNKNOWN),
        (RESIDENT, WORKER, "spouse", BindRefusal.HOLDER_NOT_EMPLOYEE),  # 390: no account
        (WORKER, UNKNOWN, "spouse", BindRefusal.MEMBER_UNKNOWN),
        (WORKER, LAPSED, "child", BindRefusal.MEMBER_NOT_ENROLLED),  # 2023 only
        (WORKER, DIBAO, "parent", BindRefusal.ALREADY_BOUND),
        (RETIREE, DIBAO, "spouse", BindRefusal.OTHER_HOLDER),
    ]
    for holder, member, relation, reason in table:
        result = _bind(populated, holder, member, relation)
        assert _reason(result) == reason, (holder, member, relation, result)
    # The holder's employee enrollment must be of the year asked: none in 2025.
    late = _bind(populated, RETIREE, RESIDENT, today=date(2025, 1, 2))
    assert _reason(late) == BindRefusal.HOLDER_NOT_EMPLOYEE
    never = unbind(RETIREE, RESIDENT, actor="test", today=TODAY, store=populated)
    assert _reason(never) == BindRefusal.NOT_BOUND and "不存在" in never.message  # type: ignore[union-attr]
    for bad in ("", "11010119900101123４", "x" * 33):
        refused = _bind(populated, bad, RESIDENT)
        assert _reason(refused) == FamilyProblem.INVALID and "账户持有人" in refused.message  # type: ignore[union-attr]
    listed = bindings_of(DIBAO, store=populated)
    assert isinstance(listed, list) and len(listed) == 1  # nothing else was written


def test_bind_unbind_and_the_write_log(populated: Store) -> None:
    bound = _bind(populated, WORKER, RESIDENT, "配偶", actor="cli:op")
    assert isinstance(bound, Bound), bound
    assert bound.binding.relation is Relation.SPOUSE and bound.region == "511623"
    assert bound.binding.start == TODAY and bound.binding.in_force
    # A member may hold for others: RESIDENT is a resident (no account), but WORKER, bound as
    # a member of RETIREE, may still hold for RESIDENT (not transitive).
    assert isinstance(_bind(populated, RETIREE, WORKER, "child"), Bound)
    ended = unbind(WORKER, RESIDENT, actor="cli:op2", today=date(2024, 6, 1), store=populated)
    assert isinstance(ended, Bound) and ended.binding.end == date(2024, 6, 1)
    assert ended.binding.unbound_by == "cli:op2"
    again = unbind(WORKER, RESIDENT, actor="cli:op2", today=date(2024, 6, 2), store=populated)
    assert _reason(again) == BindRefusal.NOT_BOUND and "已解除" in again.message  # type: ignore[union-attr]
    # Once ended, the member may be bound to another holder.
    assert isinstance(_bind(populated, RETIREE, RESIDENT, "parent"), Bound)
    listed = bindings_of(RESIDENT, store=populated)
    assert isinstance(listed, list)
    assert [(b.binding.holder, b.binding.end) for b in listed] == [
        (WORKER, date(2024, 6, 1)), (RETIREE, None)]
    of_worker = bindings_of(WORKER, store=populated)
    assert isinstance(of_worker, list) and len(of_worker) == 2  # as holder and as member
    _, entries = write_log(20, prefix="511623", store=populated)
    mine = [(e.action, e.actor, json.loads(e.detail)["member"]) for e in entries
            if e.action.startswith("family.")]
    assert sorted(mine) == sorted([("family.bind", "cli:op", RESIDENT),
                                   ("family.bind", "test", WORKER),
                                   ("family.unbind", "cli:op2", RESIDENT),
                                   ("family.bind", "test", RESIDENT)])


def test_users_act_in_their_scope_with_their_role(populated: Store) -> None:
    forbidden = _bind(populated, WORKER, RESIDENT, who=AUDITOR)
    assert _reason(forbidden) == FamilyProblem.FORBIDDEN
    hidden = _bind(populated, WORKER, RESIDENT, who=OTHER_HANDLER)
    assert _reason(hidden) == FamilyProblem.NOT_FOUND
    # A member enrolled elsewhere (CITY, 511602) may be bound where the account is kept.
    bound = _bind(populated, WORKER, CITY, "child", who=HANDLER)
    assert isinstance(bound, Bound) and bound.binding.bound_by == "test"
    assert _reason(unbind(WORKER, CITY, actor="x", who=OTHER_HANDLER, store=populated)) \
        == FamilyProblem.NOT_FOUND
    assert bindings_of(CITY, who=OTHER_HANDLER, store=populated) == []  # account not theirs
    seen = bindings_of(CITY, who=AUDITOR, store=populated)  # through the Linshui account
    assert isinstance(seen, list) and [b.binding.holder for b in seen] == [WORKER]
    assert _reason(bindings_of(WORKER, who=Principal("f", "finance", "511623"),  # type: ignore[arg-type]
                               store=populated)) == FamilyProblem.FORBIDDEN
    assert isinstance(unbind(WORKER, CITY, actor="x", who=HANDLER, store=populated), Bound)


def _worker(url: str, key: tuple[str, int], barrier: Any, results: Any) -> None:
    store = Store(url)
    try:
        barrier.wait(TIMEOUT_S)
        results.put((key, _reason(_bind(store, key[0], RESIDENT, "child"))))
    except BaseException as err:  # report, so the parent fails with the reason
        results.put((key, repr(err)))
    finally:
        store.dispose()


def test_concurrent_binds_of_one_member_write_exactly_one(make_store: StoreFactory) -> None:
    store = make_store(populate, "population")
    # Four binds to each of the two employees at once: one is written; the other holder's
    # are refused as another holder, the winner's own repeats as already bound.
    outcomes = at_once(store, _worker, [(h, i) for h in (WORKER, RETIREE) for i in range(4)])
    won = [key for key, v in outcomes.items() if v == "bound"]
    assert len(won) == 1, outcomes
    winner = won[0][0]
    for (holder, _i), value in outcomes.items():
        if (holder, _i) != won[0]:
            expected = BindRefusal.ALREADY_BOUND if holder == winner else BindRefusal.OTHER_HOLDER
            assert value == expected, outcomes
    listed = bindings_of(RESIDENT, store=store)
    assert isinstance(listed, list) and [b.binding.holder for b in listed] == [winner]
