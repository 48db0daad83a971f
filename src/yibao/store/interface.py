"""The national interface's own records (接口数据): messages answered (for `msgid` replay),
visits registered (2201/2401), fee lines uploaded (2204/2301) and settlement lists (4101A) with
their DRG group; and `FaceWork`, the unit of work of the faces' services.

Messages, fee lines and settlement lists are only inserted. A visit row changes when its visit
information (2203) or discharge (2402) arrives.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Column,
    Connection,
    Date,
    DateTime,
    Index,
    Integer,
    RootTransaction,
    String,
    Table,
    Text,
    bindparam,
    func,
    select,
    update,
)

from yibao.store import accounts as _accounts
from yibao.store.db import Runner
from yibao.store.schema import enrollments, metadata, persons, reversals, settlements
from yibao.store.upsert import insert_for

if TYPE_CHECKING:
    from yibao.store.accounts import AccountRepository, WriteEntry
    from yibao.store.db import Store

interface_messages = Table(
    "interface_messages", metadata,
    Column("fixmedins_code", String(12), primary_key=True),
    Column("msgid", String(64), primary_key=True),
    Column("infno", String(8), nullable=False),
    Column("body_hash", String(64), nullable=False),
    Column("response_json", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

interface_visits = Table(
    "interface_visits", metadata,
    Column("mdtrt_id", String(32), primary_key=True),
    Column("fixmedins_code", String(12), nullable=False),
    Column("ipt_otp_no", String(64), nullable=False),
    Column("psn_no", String(18), nullable=False),
    Column("insutype", String(3), nullable=False),
    Column("insuplc_admdvs", String(6), nullable=False),
    Column("med_type", String(2), nullable=False),
    Column("begndate", Date, nullable=False),
    Column("enddate", Date),
    Column("dscg_way", String(2)),
    Column("diseinfo_json", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
Index(None, interface_visits.c.psn_no)
Index(None, interface_visits.c.fixmedins_code, interface_visits.c.ipt_otp_no)

interface_fees = Table(
    "interface_fees", metadata,
    Column("mdtrt_id", String(32), primary_key=True),
    Column("feedetl_sn", String(32), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("line_json", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

settlement_lists = Table(
    "settlement_lists", metadata,
    Column("setl_id", String(32), primary_key=True),
    Column("mdtrt_id", String(32), nullable=False),
    Column("fixmedins_code", String(12), nullable=False),
    Column("region", String(6), nullable=False),
    Column("year", Integer, nullable=False),
    Column("list_json", Text, nullable=False),
    Column("mdc", String(8), nullable=False),
    Column("adrg", String(8), nullable=False),
    Column("drg", String(8), nullable=False),
    Column("status", String(16), nullable=False),
    Column("trace_json", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
Index(None, settlement_lists.c.region, settlement_lists.c.year)


@dataclass(frozen=True, slots=True)
class StoredMessage:
    body_hash: str
    response_json: str


@dataclass(frozen=True, slots=True)
class VisitRecord:
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


@dataclass(frozen=True, slots=True)
class ListRecord:
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


_MESSAGE = select(interface_messages.c.body_hash, interface_messages.c.response_json).where(
    interface_messages.c.fixmedins_code == bindparam("code"),
    interface_messages.c.msgid == bindparam("msgid"))
_VISIT = select(interface_visits).where(interface_visits.c.mdtrt_id == bindparam("mdtrt_id"))
_FEES = (select(interface_fees.c.feedetl_sn, interface_fees.c.line_json)
         .where(interface_fees.c.mdtrt_id == bindparam("mdtrt_id"))
         .order_by(interface_fees.c.position))
_ADD_MESSAGE: dict[str, Any] = {}
#: PostgreSQL: `InterfaceRepository.settling` in one statement.
_SETTLING = f"""
SELECT m.body_hash, m.response_json, f.sns, f.lines,
       {", ".join(f"v.{c.name}" for c in interface_visits.columns)}
FROM (SELECT 1) AS one
LEFT JOIN interface_messages m ON m.fixmedins_code = %(code)s AND m.msgid = %(msgid)s
LEFT JOIN interface_visits v ON v.mdtrt_id = %(mdtrt_id)s
LEFT JOIN LATERAL (
  SELECT array_agg(x.feedetl_sn ORDER BY x.position) AS sns,
         array_agg(x.line_json ORDER BY x.position) AS lines
  FROM interface_fees x WHERE x.mdtrt_id = %(mdtrt_id)s) f ON true"""
#: PostgreSQL: the message and, when it was inserted and `log` is true, its write-log row.
_KEEP = """
WITH m AS (
  INSERT INTO interface_messages (fixmedins_code, msgid, infno, body_hash, response_json,
                                  created_at)
  VALUES (%(code)s, %(msgid)s, %(infno)s, %(hash)s, %(response)s, %(at)s)
  ON CONFLICT DO NOTHING RETURNING 1),
l AS (
  INSERT INTO write_log (at, actor, action, target, detail)
  SELECT %(at)s, %(actor)s, %(action)s, %(target)s, %(detail)s FROM m WHERE %(log)s)
SELECT count(*) FROM m"""


def _add_message(dialect: str) -> Any:
    """Insert a message unless its msgid is taken; returns the msgid only when inserted."""
    if dialect not in _ADD_MESSAGE:
        _ADD_MESSAGE[dialect] = (insert_for(dialect, interface_messages)
                                 .on_conflict_do_nothing()
                                 .returning(interface_messages.c.msgid))
    return _ADD_MESSAGE[dialect]


class InterfaceRepository:
    """The interface's records on one connection; the statements every request makes go
    through the `Runner` (compiled once, sent on the driver's cursor on PostgreSQL)."""

    def __init__(self, connection: Connection, dialect: str, runner: Runner | None = None
                 ) -> None:
        self.connection, self.dialect = connection, dialect
        self.runner = runner or Runner(connection)

    def message(self, fixmedins_code: str, msgid: str) -> StoredMessage | None:
        rows = self.runner.run(_MESSAGE, {"code": fixmedins_code, "msgid": msgid})
        return StoredMessage(rows[0][0], rows[0][1]) if rows else None

    def add_message(self, fixmedins_code: str, msgid: str, infno: str, body_hash: str,
                    response_json: str, at: datetime) -> bool:
        """Keep an answer under its msgid; False when one was kept meanwhile (kept wins)."""
        return bool(self.runner.run(_add_message(self.dialect), {
            "fixmedins_code": fixmedins_code, "msgid": msgid, "infno": infno,
            "body_hash": body_hash, "response_json": response_json, "created_at": at}))

    def keep(self, fixmedins_code: str, msgid: str, infno: str, body_hash: str,
             response_json: str, at: datetime, entry: WriteEntry | None) -> bool:
        """`add_message`, and when it was added the write-log `entry` too (one statement on
        PostgreSQL); False when a message with the msgid was kept meanwhile."""
        if self.runner.native is None:
            added = self.add_message(fixmedins_code, msgid, infno, body_hash, response_json, at)
            if added and entry is not None:
                _accounts.AccountRepository(self.connection, self.runner).log(entry)
            return added
        log = entry or _accounts.WriteEntry(at, "", "", "", "")
        ((added,),) = self.runner.text(_KEEP, {
            "code": fixmedins_code, "msgid": msgid, "infno": infno, "hash": body_hash,
            "response": response_json, "at": at, "log": entry is not None,
            "actor": log.actor, "action": log.action, "target": log.target[:96],
            "detail": log.detail})
        return bool(added)

    def settling(self, fixmedins_code: str, msgid: str, mdtrt_id: str
                 ) -> tuple[StoredMessage | None, VisitRecord | None, list[tuple[str, str]]]:
        """What a settlement request reads: the message kept under its msgid, the visit and
        its fee lines (one statement on PostgreSQL)."""
        if self.runner.native is None:
            return (self.message(fixmedins_code, msgid), self.visit(mdtrt_id),
                    self.fees(mdtrt_id))
        ((hash_, response, sns, lines, *visit),) = self.runner.text(_SETTLING, {
            "code": fixmedins_code, "msgid": msgid, "mdtrt_id": mdtrt_id})
        return (None if hash_ is None else StoredMessage(hash_, response),
                None if visit[0] is None else VisitRecord(*visit),
                list(zip(sns or (), lines or (), strict=True)))

    def visit(self, mdtrt_id: str) -> VisitRecord | None:
        rows = self.runner.run(_VISIT, {"mdtrt_id": mdtrt_id})
        return VisitRecord(*rows[0]) if rows else None

    def add_visit(self, record: VisitRecord) -> None:
        values = {name: getattr(record, name) for name in VisitRecord.__dataclass_fields__}
        self.connection.execute(interface_visits.insert(), values)

    def update_visit(self, mdtrt_id: str, **values: Any) -> None:
        self.connection.execute(update(interface_visits)
                                .where(interface_visits.c.mdtrt_id == mdtrt_id).values(values))

    def fees(self, mdtrt_id: str) -> list[tuple[str, str]]:
        """(feedetl_sn, line JSON) of a visit, in upload order."""
        return [(r[0], r[1]) for r in self.runner.run(_FEES, {"mdtrt_id": mdtrt_id})]

    def add_fees(self, mdtrt_id: str, lines: list[tuple[str, str]], first_position: int,
                 at: datetime) -> None:
        rows = [{"mdtrt_id": mdtrt_id, "feedetl_sn": sn, "line_json": text,
                 "position": first_position + i, "created_at": at}
                for i, (sn, text) in enumerate(lines)]
        if rows:
            self.connection.execute(interface_fees.insert(), rows)

    def settlement_list(self, setl_id: str) -> ListRecord | None:
        row = self.connection.execute(
            select(settlement_lists).where(settlement_lists.c.setl_id == setl_id)).first()
        return None if row is None else ListRecord(*row)

    def add_settlement_list(self, record: ListRecord) -> None:
        values = {name: getattr(record, name) for name in ListRecord.__dataclass_fields__}
        self.connection.execute(settlement_lists.insert(), values)


class FaceWork:
    """One connection and transaction with the interface and account repositories (and the
    read-only bureau queries); nothing is kept unless `commit()` is called.

    `read_only=True` is for a few reads on the request path: on PostgreSQL each statement then
    runs on its own (autocommit), which saves the BEGIN and ROLLBACK round trips and changes
    nothing at READ COMMITTED, where every statement sees its own snapshot anyway. Such a unit
    cannot commit.
    """

    interface: InterfaceRepository
    accounts: AccountRepository
    reads: BureauReads
    connection: Connection

    def __init__(self, store: Store, on_step: Callable[[str], None] | None = None, *,
                 read_only: bool = False) -> None:
        self.store, self.on_step, self.read_only = store, on_step, read_only
        self._transaction: RootTransaction | None = None

    def __enter__(self) -> FaceWork:
        self.connection = self.store.engine.connect()
        if self.read_only and self.store.dialect == "postgresql":
            self.connection.execution_options(isolation_level="AUTOCOMMIT")
        self._transaction = self.connection.begin()
        runner = Runner(self.connection)
        self.interface = InterfaceRepository(self.connection, self.store.dialect, runner)
        self.accounts = _accounts.AccountRepository(self.connection, runner)
        self.reads = BureauReads(self.connection)
        return self

    def commit(self) -> None:
        assert self._transaction is not None, "commit outside the unit of work"
        assert not self.read_only, "a read-only unit of work does not commit"
        if self.on_step is not None:
            self.on_step("commit")
        self._transaction.commit()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        try:
            if self._transaction is not None and self._transaction.is_active:
                self._transaction.rollback()
        finally:
            self.connection.close()
            self._transaction = None


class BureauReads:
    """Read-only, paginated queries of the bureau API, each limited to regions whose code
    starts with `prefix` (the reader's scope)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def _page(self, query: Any, limit: int, offset: int) -> tuple[int, list[Any]]:
        total = self.connection.execute(
            select(func.count()).select_from(query.order_by(None).subquery())).scalar_one()
        return int(total), list(self.connection.execute(query.limit(limit).offset(offset)))

    def persons(self, prefix: str, name: str | None, limit: int, offset: int
                ) -> tuple[int, list[Any]]:
        query = (select(persons).where(persons.c.region.like(f"{prefix}%"))
                 .order_by(persons.c.id_number))
        if name:
            query = query.where(persons.c.name.contains(name, autoescape=True))
        return self._page(query, limit, offset)

    def enrollments(self, prefix: str, filters: Mapping[str, Any], limit: int, offset: int
                    ) -> tuple[int, list[Any]]:
        c = enrollments.c
        query = select(enrollments).where(c.region.like(f"{prefix}%")).order_by(c.id)
        for key in ("year", "scheme", "status", "region", "id_number"):
            if filters.get(key) is not None:
                query = query.where(c[key] == filters[key])
        return self._page(query, limit, offset)

    def settlements(self, prefix: str, filters: Mapping[str, Any], limit: int, offset: int
                    ) -> tuple[int, list[Any]]:
        s = settlements.c
        query = (select(s.commit_seq, s.setl_id, s.mdtrt_id, s.fixmedins_code, s.id_number,
                        s.scheme, s.region, s.year, s.med_type, s.medfee_sumamt_fen,
                        s.fund_pay_sumamt_fen, s.acct_pay_fen, s.psn_cash_pay_fen,
                        s.created_at, reversals.c.reversal_id)
                 .outerjoin(reversals, reversals.c.setl_id == s.setl_id)
                 .where(s.region.like(f"{prefix}%")).order_by(s.commit_seq))
        for key in ("year", "region", "fixmedins_code", "id_number", "med_type"):
            if filters.get(key) is not None:
                query = query.where(s[key] == filters[key])
        return self._page(query, limit, offset)

    def settlement_region(self, setl_id: str) -> str | None:
        return self.connection.execute(select(settlements.c.region)
                                       .where(settlements.c.setl_id == setl_id)).scalar()

    def drg_results(self, prefix: str, filters: Mapping[str, Any], limit: int, offset: int
                    ) -> tuple[int, list[Any]]:
        c = settlement_lists.c
        query = (select(c.setl_id, c.mdtrt_id, c.fixmedins_code, c.region, c.year, c.mdc,
                        c.adrg, c.drg, c.status, c.trace_json, c.created_at)
                 .where(c.region.like(f"{prefix}%")).order_by(c.setl_id))
        for key in ("year", "region", "drg", "status", "fixmedins_code"):
            if filters.get(key) is not None:
                query = query.where(c[key] == filters[key])
        return self._page(query, limit, offset)

    def settlement_totals(self, prefix: str, year: int) -> list[Any]:
        """Per med_type: count, medfee, in-policy, pooling and all funds (reversed left out)."""
        s = settlements.c
        return list(self.connection.execute(
            select(s.med_type, func.count(), func.sum(s.medfee_sumamt_fen),
                   func.sum(s.inscp_scp_amt_fen), func.sum(s.hifp_pay_fen),
                   func.sum(s.fund_pay_sumamt_fen))
            .outerjoin(reversals, reversals.c.setl_id == s.setl_id)
            .where(s.region.like(f"{prefix}%"), s.year == year,
                   reversals.c.reversal_id.is_(None))
            .group_by(s.med_type).order_by(s.med_type)))

    def grouped_lists(self, prefix: str, year: int) -> int:
        c = settlement_lists.c
        return int(self.connection.execute(
            select(func.count()).where(c.region.like(f"{prefix}%"), c.year == year,
                                       c.status == "ok")).scalar_one())
