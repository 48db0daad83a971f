"""The national interface's own records (接口数据): messages answered (for `msgid` replay),
visits registered (2201/2401), fee lines uploaded (2204/2301) and settlement lists (4101A) with
their DRG group.

Messages, fee lines and settlement lists are only inserted. A visit row changes when its visit
information (2203) or discharge (2402) arrives.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from yibao.store.accounts import AccountRepository, WriteEntry
from yibao.store.runner import Runner
from yibao.store.schema import (
    interface_fees,
    interface_messages,
    interface_visits,
    settlement_lists,
)
from yibao.store.upsert import insert_for


@dataclass(frozen=True, slots=True)
class VisitClose:
    """A settlement closing its visit: the visit, the version it was read at, the settlement."""

    mdtrt_id: str
    version: int
    setl_id: str


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
#: PostgreSQL: the message and, when it was inserted and `log` is true, its write-log row;
#: when `close` is true, the visit closed by a settlement, only at the version it was read at.
_KEEP = """
WITH m AS (
  INSERT INTO interface_messages (fixmedins_code, msgid, infno, body_hash, response_json,
                                  created_at)
  VALUES (%(code)s, %(msgid)s, %(infno)s, %(hash)s, %(response)s, %(at)s)
  ON CONFLICT DO NOTHING RETURNING 1),
l AS (
  INSERT INTO write_log (at, actor, action, target, detail)
  SELECT %(at)s, %(actor)s, %(action)s, %(target)s, %(detail)s FROM m WHERE %(log)s),
v AS (
  UPDATE interface_visits SET setl_id = %(setl_id)s, version = version + 1
  WHERE %(close)s AND mdtrt_id = %(mdtrt_id)s AND version = %(version)s
  RETURNING 1)
SELECT (SELECT count(*) FROM m), (SELECT count(*) FROM v)"""
_CLOSE = (update(interface_visits)
          .where(interface_visits.c.mdtrt_id == bindparam("m_id"),
                 interface_visits.c.version == bindparam("m_version"))
          .values(setl_id=bindparam("setl_id"), version=interface_visits.c.version + 1))
_LOCK_VISIT = _VISIT.with_for_update()


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

    def __init__(self, connection: Connection, dialect: str, runner: Runner | None = None,
                 accounts: AccountRepository | None = None) -> None:
        self.connection, self.dialect = connection, dialect
        self.runner = runner = runner or Runner(connection)
        self.accounts = accounts or AccountRepository(connection, runner)

    def message(self, fixmedins_code: str, msgid: str) -> tuple[str, str] | None:
        """(body hash, answer text) kept under the msgid."""
        rows = self.runner.run(_MESSAGE, {"code": fixmedins_code, "msgid": msgid})
        return (rows[0][0], rows[0][1]) if rows else None

    def add_message(self, fixmedins_code: str, msgid: str, infno: str, body_hash: str,
                    response_json: str, at: datetime) -> bool:
        """Keep an answer under its msgid; False when one was kept meanwhile (kept wins)."""
        return bool(self.runner.run(_add_message(self.dialect), {
            "fixmedins_code": fixmedins_code, "msgid": msgid, "infno": infno,
            "body_hash": body_hash, "response_json": response_json, "created_at": at}))

    def keep(self, fixmedins_code: str, msgid: str, infno: str, body_hash: str,
             response_json: str, at: datetime, entry: WriteEntry | None,
             close: VisitClose | None = None) -> tuple[bool, bool]:
        """`add_message`, when it was added the write-log `entry` too, and `close` (one
        statement on PostgreSQL): (whether the message was added — False when a message with
        the msgid was kept meanwhile —, whether the visit was closed or none was asked)."""
        if self.runner.native is None:
            added = self.add_message(fixmedins_code, msgid, infno, body_hash, response_json, at)
            if added and entry is not None:
                self.accounts.log(entry)
            return added, close is None or self.close_visit(close)
        log = entry or WriteEntry(at, "", "", "", "")
        ((added, closed),) = self.runner.text(_KEEP, {
            "code": fixmedins_code, "msgid": msgid, "infno": infno, "hash": body_hash,
            "response": response_json, "at": at, "log": entry is not None,
            "actor": log.actor, "action": log.action, "target": log.target[:96],
            "detail": log.detail, "close": close is not None,
            "mdtrt_id": close.mdtrt_id if close else "", "version": close.version if close else 0,
            "setl_id": close.setl_id if close else ""})
        return bool(added), close is None or closed == 1

    def close_visit(self, close: VisitClose) -> bool:
        """Close a visit for its settlement, only when it is still at the version read."""
        return self.connection.execute(_CLOSE, {
            "m_id": close.mdtrt_id, "m_version": close.version,
            "setl_id": close.setl_id}).rowcount == 1

    def locked_visit(self, mdtrt_id: str) -> Any:
        """The visit's row, locked until the transaction ends (a change queues behind a
        settlement closing the visit, and sees it closed), or None."""
        rows = self.runner.run(_LOCK_VISIT, {"mdtrt_id": mdtrt_id})
        return rows[0] if rows else None

    def settling(self, fixmedins_code: str, msgid: str, mdtrt_id: str
                 ) -> tuple[tuple[str, str] | None, Any, list[tuple[str, str]]]:
        """What a settlement request reads: the message kept under its msgid, the visit and
        its fee lines (one statement on PostgreSQL)."""
        if self.runner.native is None:
            return (self.message(fixmedins_code, msgid), self.visit(mdtrt_id),
                    self.fees(mdtrt_id))
        ((hash_, response, sns, lines, *visit),) = self.runner.text(_SETTLING, {
            "code": fixmedins_code, "msgid": msgid, "mdtrt_id": mdtrt_id})
        return (None if hash_ is None else (hash_, response),
                None if visit[0] is None else tuple(visit),
                list(zip(sns or (), lines or (), strict=True)))

    def visit(self, mdtrt_id: str) -> Any:
        """The visit's row (its columns in table order), or None."""
        rows = self.runner.run(_VISIT, {"mdtrt_id": mdtrt_id})
        return rows[0] if rows else None

    def add_visit(self, values: dict[str, Any]) -> None:
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

    def settlement_list(self, setl_id: str) -> Any:
        """The list's row (its columns in table order), or None."""
        return self.connection.execute(
            select(settlement_lists).where(settlement_lists.c.setl_id == setl_id)).first()

    def add_settlement_list(self, values: dict[str, Any]) -> None:
        self.connection.execute(settlement_lists.insert(), values)
