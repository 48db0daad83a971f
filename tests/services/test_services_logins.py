"""The record of login attempts is bounded: each new attempt removes up to
`LOGIN_PRUNE_BATCH` of the oldest attempts past `LOGIN_RECORD_KEPT`, so the table holds what
that retention keeps and no more, while attempts inside it (and the throttle's window) stay.
Before the fix nothing was ever removed. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from yibao.services import accounts
from yibao.store import Store

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def _attempts(store: Store, username: str) -> int:
    with store.unit_of_work() as work:
        return work.accounts.failures(EPOCH, username=username)


def test_attempts_past_the_retention_are_pruned(store: Store) -> None:
    now, kept = datetime.now(UTC), accounts.LOGIN_RECORD_KEPT
    expired = [kept + timedelta(days=d) for d in (200, 100, 10, 1)]
    with store.unit_of_work() as work:
        for age in [*expired, kept - timedelta(days=1)]:
            work.accounts.add_attempt(now - age, "ghost", "10.0.0.1")
        work.commit()
    logins = -(-len(expired) // accounts.LOGIN_PRUNE_BATCH) + 1  # one more than it needs
    for _ in range(logins):
        refused = accounts.open_session("nobody", "wrong password", address="10.0.0.2",
                                        store=store)
        assert isinstance(refused, accounts.AccountError)
    assert _attempts(store, "ghost") == 1  # the one still inside the retention
    assert _attempts(store, "nobody") == logins  # recent attempts stay, the throttle counts them


def test_a_users_region_is_six_ascii_digits(store: Store) -> None:
    """Full-width digits and a trailing newline are not a region (`\\d` and `$` took them)."""
    for region in ("５１１６２３", "511623\n", "51162", "5116233"):
        refused = accounts.add_user("zhang", "handler", region, actor="test", store=store)
        assert isinstance(refused, accounts.AccountError), region
        assert refused.reason is accounts.AccountRefusal.INVALID
    assert isinstance(accounts.add_user("zhang", "handler", "511623", actor="test", store=store),
                      accounts.Issued)
