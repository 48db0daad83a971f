"""The unit of work: one connection, one transaction, the repositories on it; and what a lost
race looks like (`lost_race`, `Conflict`), for `Store.transaction`, which retries it.

Use it as a context manager; nothing is kept unless `commit()` is called. `step(name)` marks the
point between two writes: a test passes `on_step` to inject a failure there and proves that the
transaction leaves no trace. A read-only unit (`read_only=True`) is for a few reads on the
request path: on PostgreSQL each statement then runs on its own (autocommit), which saves the
BEGIN and ROLLBACK round trips and changes nothing at READ COMMITTED, where every statement sees
its own snapshot anyway; it cannot commit.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Final

from sqlalchemy import Connection, Engine, RootTransaction
from sqlalchemy.exc import IntegrityError

from yibao.store.accounts import AccountRepository
from yibao.store.assist import AssistRepository
from yibao.store.balances import BalanceRepository
from yibao.store.cases import CaseRepository
from yibao.store.catalog import CatalogRepository
from yibao.store.clearing import ClearingRepository
from yibao.store.contributions import ContributionRepository
from yibao.store.family import FamilyRepository
from yibao.store.interface import InterfaceRepository
from yibao.store.ledger import LedgerRepository
from yibao.store.offsite import FilingRepository
from yibao.store.opsp import CertificationRepository
from yibao.store.reads import BureauReads
from yibao.store.registry import RegistryRepository
from yibao.store.runner import Runner
from yibao.store.settlements import AccumulatorRepository, SettlementRepository

#: How many times `Store.transaction` runs a unit of work that lost a race before giving up.
MAX_ATTEMPTS: Final = 8
Step = Callable[[str], None] | None


class UnitOfWork:
    registry: RegistryRepository
    settlements: SettlementRepository
    accumulators: AccumulatorRepository
    ledger: LedgerRepository
    balances: BalanceRepository
    contributions: ContributionRepository
    #: The national interface's records (answers kept under their msgid, visits, fee lines,
    #: settlement lists), kept in the same transaction as a settlement when it settles one.
    interface: InterfaceRepository
    accounts: AccountRepository
    cases: CaseRepository
    #: 家庭共济 bindings (holder, member, relation, from, to).
    family: FamilyRepository
    catalog: CatalogRepository
    #: 依申请救助 applications and the groups they grant (`groups_on`).
    assist: AssistRepository
    reads: BureauReads
    connection: Connection

    def __init__(self, engine: Engine, dialect: str, known_accounts: set[str],
                 on_step: Step = None, *, read_only: bool = False) -> None:
        self.engine, self.dialect, self.known_accounts = engine, dialect, known_accounts
        self.on_step, self.read_only = on_step, read_only
        self._connection: Connection | None = None
        self._transaction: RootTransaction | None = None
        self.committed = False

    def __enter__(self) -> UnitOfWork:
        self.connection = connection = self.engine.connect()
        self._connection = connection
        dialect = self.dialect
        if self.read_only and dialect == "postgresql":
            connection.execution_options(isolation_level="AUTOCOMMIT")
        self._transaction = connection.begin()
        self.runner = runner = Runner(connection)
        self.registry = RegistryRepository(connection, dialect)
        self.accumulators = AccumulatorRepository(connection, dialect, runner)
        self.ledger = LedgerRepository(connection, dialect, self.known_accounts, runner)
        self.balances = BalanceRepository(connection, dialect, runner)
        self.settlements = SettlementRepository(connection, runner, self.ledger, self.balances,
                                                self.accumulators, self.step)
        self.contributions = ContributionRepository(connection)
        self.accounts = AccountRepository(connection, runner)
        self.interface = InterfaceRepository(connection, dialect, runner, self.accounts)
        self.cases = CaseRepository(connection)
        self.catalog = CatalogRepository(connection, dialect)
        self.reads = BureauReads(connection)
        self.filings = FilingRepository(connection)
        self.certifications = CertificationRepository(connection)
        self.family = FamilyRepository(connection)
        self.assist = AssistRepository(connection)
        self.clearing = ClearingRepository(connection, dialect, runner)
        return self

    def step(self, name: str) -> None:
        """A point between two writes (a failure injected here must leave no trace)."""
        if self.on_step is not None:
            self.on_step(name)

    def commit(self) -> None:
        assert self._transaction is not None, "commit outside the unit of work"
        assert not self.read_only, "a read-only unit of work does not commit"
        self.step("commit")
        self._transaction.commit()
        self.committed = True
        self.known_accounts.update(self.ledger.created)

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


class Conflict(Exception):
    """A write kept losing a race with a concurrent one (a unique key taken meanwhile, a
    deadlock, a serialization failure, SQLite busy) after every attempt of `Store.transaction`."""


def lost_race(error: Exception) -> bool:
    """Whether a driver error means a concurrent writer won: a unique key taken meanwhile, a
    deadlock or serialization failure (PostgreSQL), a lock timeout (SQLite busy)."""
    if isinstance(error, IntegrityError):
        return True
    code = getattr(getattr(error, "orig", None), "sqlstate", None)
    return code in ("40001", "40P01") or "database is locked" in str(error)
