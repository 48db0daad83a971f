"""The unit of work: one connection, one transaction, the repositories on it.

Use it as a context manager; nothing is kept unless `commit()` is called. `step(name)` marks the
point between two writes: a test passes `on_step` to inject a failure there and proves that the
transaction leaves no trace.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING

from sqlalchemy import Connection, RootTransaction

from yibao.store.contributions import ContributionRepository
from yibao.store.db import Runner
from yibao.store.interface import InterfaceRepository
from yibao.store.ledger import BalanceRepository, LedgerRepository
from yibao.store.registry import RegistryRepository
from yibao.store.settlements import AccumulatorRepository, SettlementRepository

if TYPE_CHECKING:
    from yibao.store.db import Store


class UnitOfWork:
    registry: RegistryRepository
    settlements: SettlementRepository
    accumulators: AccumulatorRepository
    ledger: LedgerRepository
    balances: BalanceRepository
    contributions: ContributionRepository
    #: The national interface's records, for a caller that keeps its own rows in the same
    #: transaction (the interface keeps its answer and write-log row with the settlement).
    interface: InterfaceRepository

    def __init__(self, store: Store, on_step: Callable[[str], None] | None = None) -> None:
        self.store, self.on_step = store, on_step
        self._connection: Connection | None = None
        self._transaction: RootTransaction | None = None
        self.committed = False

    def __enter__(self) -> UnitOfWork:
        connection = self.store.engine.connect()
        self._connection = connection
        self._transaction = connection.begin()
        dialect = self.store.dialect
        self.runner = runner = Runner(connection)
        self.registry = RegistryRepository(connection, dialect)
        self.settlements = SettlementRepository(connection, runner)
        self.accumulators = AccumulatorRepository(connection, dialect, runner)
        self.ledger = LedgerRepository(connection, dialect, self.store.known_accounts, runner)
        self.balances = BalanceRepository(connection, dialect, runner)
        self.contributions = ContributionRepository(connection)
        self.interface = InterfaceRepository(connection, dialect, runner)
        return self

    def step(self, name: str) -> None:
        """A point between two writes (a failure injected here must leave no trace)."""
        if self.on_step is not None:
            self.on_step(name)

    def commit(self) -> None:
        assert self._transaction is not None, "commit outside the unit of work"
        self.step("commit")
        self._transaction.commit()
        self.committed = True
        self.store.known_accounts.update(self.ledger.created)

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        try:
            if self._transaction is not None and self._transaction.is_active:
                self._transaction.rollback()
        finally:
            if self._connection is not None:
                self._connection.close()
            self._connection = self._transaction = None
