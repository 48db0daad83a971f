"""Post a year's contributions (`yibao contribute --year Y`): one row and one balanced
transaction per active enrollment, in batches, each batch one transaction.

Idempotent: a contribution is keyed `C<year>-<scheme>-<id number>` under a unique constraint, so
running the command again posts only what is missing. Regions whose policy has no
`[contributions]` section (or no policy for that year) are reported and skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Final

from yibao.core.money import ZERO
from yibao.enroll.contributions import Contribution, contribution_for
from yibao.enroll.model import Enrollment
from yibao.fund.analysis import contribution_day
from yibao.fund.events import contribution_postings, premium_postings
from yibao.policy.contributions import Contributions
from yibao.policy.loader import PolicyError, load_policy
from yibao.store import Store, default_store
from yibao.store.db import describe
from yibao.store.ledger import beijing_day, shard_of
from yibao.store.uow import UnitOfWork

BATCH_SIZE: Final = 2_000
MAX_ATTEMPTS: Final = 3


@dataclass(frozen=True, slots=True)
class ContributeReport:
    location: str
    year: int
    region: str | None
    enrollments: int
    posted: int
    already_posted: int
    without_policy: tuple[str, ...]
    totals: dict[str, Decimal] = field(default_factory=dict)
    by_scheme: dict[str, int] = field(default_factory=dict)


def _policy_section(region: str, year: int, cache: dict[str, Contributions | None]
                    ) -> Contributions | None:
    if region not in cache:
        try:
            cache[region] = load_policy(f"{region}-{year}").contributions
        except PolicyError:
            cache[region] = None
    return cache[region]


def plan_contributions(
    rows: Sequence[tuple[Enrollment, frozenset[str]]], year: int
) -> tuple[list[Contribution], tuple[str, ...]]:
    """Contributions of the enrollments, and the regions without a contributions policy."""
    cache: dict[str, Contributions | None] = {}
    planned: list[Contribution] = []
    for enrollment, groups in rows:
        section = _policy_section(enrollment.region, year, cache)
        item = contribution_for(enrollment, groups, section)
        if item is not None:
            planned.append(item)
    missing = tuple(sorted(r for r, section in cache.items() if section is None))
    return planned, missing


def _post_batch(uow: UnitOfWork, batch: Sequence[Contribution]) -> list[Contribution]:
    """Post the contributions of a batch not posted yet; those posted now."""
    now = datetime.now(UTC)
    done = uow.contributions.existing([c.client_id for c in batch])
    fresh = [c for c in batch if c.client_id not in done]
    entries = [contribution_postings(c.client_id, c) for c in fresh]
    # Each resident's serious-illness premium is its own transaction (kind `premium`).
    premiums = [(p, c) for c in fresh if (p := premium_postings(c)) is not None]
    entries += [p for p, _c in premiums]
    holders = [*fresh, *(c for _p, c in premiums)]
    uow.ledger.ensure_accounts(p.account for e in entries for p in e.postings)
    uow.step("accounts")
    for year in sorted({c.year for c in holders}):
        uow.ledger.add_transactions([e for e, c in zip(entries, holders, strict=True)
                                     if c.year == year], now,
                                    contribution_day(year, beijing_day(now)))
    uow.step("transactions")
    uow.contributions.add(fresh, now)
    uow.step("contributions")
    uow.ledger.add_postings(entries)
    uow.step("postings")
    uow.balances.apply((e, shard_of(c.id_number)) for e, c in zip(entries, holders, strict=True))
    uow.commit()
    return fresh


def post_contributions(
    year: int, *, region: str | None = None, store: Store | None = None,
    on_step: Callable[[str], None] | None = None, batch_size: int = BATCH_SIZE,
) -> ContributeReport:
    """Post every missing contribution of `year` (optionally of one region)."""
    store = store or default_store()
    with store.unit_of_work() as uow:
        rows = list(uow.registry.active_enrollments(year, region))
    planned, missing = plan_contributions(rows, year)
    posted: list[Contribution] = []
    for start in range(0, len(planned), batch_size):
        batch = planned[start:start + batch_size]
        # Another run may post some of them meanwhile: the batch is then filtered again.
        posted += store.transaction(lambda uow, batch=batch: _post_batch(uow, batch),
                                    on_step=on_step, attempts=MAX_ATTEMPTS)
    totals: dict[str, Decimal] = {}
    by_scheme: dict[str, int] = {}
    for c in posted:
        by_scheme[c.scheme] = by_scheme.get(c.scheme, 0) + 1
        for name, amount in c.amounts().items():
            totals[name] = totals.get(name, ZERO) + amount
    return ContributeReport(describe(store.url), year, region, len(rows), len(posted),
                            len(planned) - len(posted), missing, totals, by_scheme)
