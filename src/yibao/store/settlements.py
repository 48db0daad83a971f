"""Settlement repository (结算记录) and the accumulator rows (年度累计) that serialise a person.

Settlements, their detail rows and reversals are only ever inserted. `AccumulatorRepository.lock`
takes the row lock that makes concurrent settlements of one person queue: an upsert that locks
the row on PostgreSQL (like `SELECT … FOR UPDATE`, but creating the row when it is missing); on
SQLite the unit of work already holds the write lock (`BEGIN IMMEDIATE`). Hot statements are
built once, with bound parameters, so each call costs one round trip and no compilation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, String, bindparam, cast, select, update

from yibao.core.money import from_fen, to_fen
from yibao.enroll.model import Enrollment, PersonRecord
from yibao.settle.model import MONEY_FIELDS, YTD_KEYS, SettleResult, Ytd
from yibao.store.registry import ENROLLMENT_COLUMNS, EnrollmentView, enrollment_of, person_of
from yibao.store.schema import (
    accumulators,
    enrollments,
    institutions,
    persons,
    reversals,
    settlement_details,
    settlements,
)
from yibao.store.upsert import insert_for


def ytd_columns(ytd: Ytd) -> dict[str, int]:
    return {("admissions" if k == "admissions" else f"{k}_fen"):
            (ytd.admissions if k == "admissions" else to_fen(getattr(ytd, k)))
            for k in YTD_KEYS}


def ytd_of(row: Any) -> Ytd:
    values: dict[str, Any] = {k: from_fen(getattr(row, f"{k}_fen"))
                              for k in YTD_KEYS if k != "admissions"}
    return Ytd(admissions=row.admissions, **values)


@dataclass(frozen=True, slots=True)
class StoredSettlement:
    commit_seq: int
    setl_id: str
    fixmedins_code: str
    mdtrt_id: str
    id_number: str
    scheme: str
    region: str
    year: int
    request_hash: str
    result_json: str
    ytd_before_json: str
    txn_id: str | None
    reversal_id: str | None


@dataclass(frozen=True, slots=True)
class SettlementRecord:
    """What the service writes for one settlement (the request and result as canonical JSON)."""

    setl_id: str
    fixmedins_code: str
    mdtrt_id: str
    id_number: str
    scheme: str
    region: str
    year: int
    policy_id: str
    request_hash: str
    request_json: str
    result_json: str
    ytd_before_json: str
    accum_version: int
    txn_id: str | None
    created_at: datetime


_STORED = (settlements.c.commit_seq, settlements.c.setl_id, settlements.c.fixmedins_code,
           settlements.c.mdtrt_id, settlements.c.id_number, settlements.c.scheme,
           settlements.c.region, settlements.c.year, settlements.c.request_hash,
           settlements.c.result_json, settlements.c.ytd_before_json, settlements.c.txn_id,
           reversals.c.reversal_id)
_ASKED = select(cast(bindparam("code"), String(12)).label("code"),
                cast(bindparam("id_number"), String(18)).label("id_number")).subquery("asked")
#: One round trip before the lock: the id of a settlement already stored under this identity,
#: the institution's level (医院等级), the person and every enrollment of the person.
_PRELUDE = (
    select(
        select(settlements.c.setl_id)
        .where(settlements.c.fixmedins_code == _ASKED.c.code,
               settlements.c.mdtrt_id == bindparam("mdtrt_id"))
        .scalar_subquery().label("stored_setl_id"),
        select(institutions.c.level).where(institutions.c.code == _ASKED.c.code)
        .scalar_subquery().label("institution_level"),
        *persons.columns, *ENROLLMENT_COLUMNS)
    .select_from(_ASKED
                 .outerjoin(persons, persons.c.id_number == _ASKED.c.id_number)
                 .outerjoin(enrollments, enrollments.c.id_number == persons.c.id_number))
    .order_by(enrollments.c.year, enrollments.c.id)
)


@dataclass(frozen=True, slots=True)
class Prelude:
    """What a settlement reads before it takes the person's lock."""

    stored_setl_id: str | None
    institution_level: str | None
    person: PersonRecord | None
    enrollments: tuple[Enrollment, ...]
_BY_SETL_ID = (select(*_STORED)
               .outerjoin(reversals, reversals.c.setl_id == settlements.c.setl_id)
               .where(settlements.c.setl_id == bindparam("setl_id")))
_INSERT = settlements.insert().returning(settlements.c.commit_seq)
_INSERT_REVERSAL = reversals.insert().returning(reversals.c.commit_seq)


class SettlementRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def prelude(self, fixmedins_code: str, mdtrt_id: str, id_number: str) -> Prelude:
        rows = self.connection.execute(_PRELUDE, {
            "code": fixmedins_code, "mdtrt_id": mdtrt_id, "id_number": id_number}).all()
        first = rows[0]
        person = None if first.id_number is None else person_of(first)
        enrollments_ = tuple(enrollment_of(EnrollmentView(r)) for r in rows
                             if r.e_id is not None)
        return Prelude(first.stored_setl_id, first.institution_level, person, enrollments_)


    def by_setl_id(self, setl_id: str) -> StoredSettlement | None:
        row = self.connection.execute(_BY_SETL_ID, {"setl_id": setl_id}).first()
        return None if row is None else StoredSettlement(*row)  # type: ignore[call-arg]

    def add(self, record: SettlementRecord, result: SettleResult) -> int:
        """Insert one settlement; its commit sequence number."""
        values: dict[str, Any] = {
            name: getattr(record, name) for name in SettlementRecord.__dataclass_fields__}
        values.update({f"{name}_fen": to_fen(getattr(result, name)) for name in MONEY_FIELDS})
        values["med_type"] = result.med_type
        return int(self.connection.execute(_INSERT, values).scalar_one())

    def add_details(self, setl_id: str, result: SettleResult) -> None:
        rows = [{
            "setl_id": setl_id, "row_no": index, "fund_pay_type": d.fund_pay_type,
            "inscp_scp_amt_fen": to_fen(d.inscp_scp_amt),
            "crt_payb_lmt_amt_fen": None if d.crt_payb_lmt_amt is None
            else to_fen(d.crt_payb_lmt_amt),
            "fund_payamt_fen": to_fen(d.fund_payamt), "setl_proc_info": d.setl_proc_info,
        } for index, d in enumerate(result.setldetail, start=1)]
        if rows:
            self.connection.execute(settlement_details.insert(), rows)

    def reversal_time(self, setl_id: str) -> datetime | None:
        return self.connection.execute(select(reversals.c.created_at)
                                       .where(reversals.c.setl_id == setl_id)).scalar()

    def add_reversal(self, reversal_id: str, setl_id: str, accum_version: int,
                     txn_id: str | None, created_at: datetime) -> int:
        seq = self.connection.execute(_INSERT_REVERSAL, {
            "reversal_id": reversal_id, "setl_id": setl_id, "accum_version": accum_version,
            "txn_id": txn_id, "created_at": created_at}).scalar_one()
        return int(seq)

    def in_commit_order(self, id_number: str | None = None) -> list[tuple[int, str, str]]:
        """(commit_seq, setl_id, request_json) of every settlement, in commit order."""
        query = select(settlements.c.commit_seq, settlements.c.setl_id,
                       settlements.c.request_json).order_by(settlements.c.commit_seq)
        if id_number is not None:
            query = query.where(settlements.c.id_number == id_number)
        return [(int(r[0]), r[1], r[2]) for r in self.connection.execute(query)]


_KEY = (accumulators.c.id_number == bindparam("k_id"),
        accumulators.c.scheme == bindparam("k_scheme"),
        accumulators.c.year == bindparam("k_year"))
_GET = select(accumulators).where(*_KEY)
_SAVE = (update(accumulators).where(*_KEY, accumulators.c.version == bindparam("k_version"))
         .values({c.name: bindparam(c.name) for c in accumulators.columns
                  if c.name not in ("id_number", "scheme", "year", "region")}))
_LOCK: dict[str, Any] = {}


def _lock_statement(dialect: str) -> Any:
    """`INSERT … ON CONFLICT DO UPDATE … RETURNING`: creates the row if needed and locks it,
    returning the latest committed accumulators, in one round trip (PostgreSQL waits here for
    a concurrent settlement of the same person to commit)."""
    if dialect not in _LOCK:
        stmt = insert_for(dialect, accumulators)
        _LOCK[dialect] = stmt.on_conflict_do_update(
            index_elements=["id_number", "scheme", "year"],
            set_={"version": accumulators.c.version}).returning(*accumulators.columns)
    return _LOCK[dialect]


class AccumulatorRepository:
    def __init__(self, connection: Connection, dialect: str) -> None:
        self.connection, self.dialect = connection, dialect

    def lock(self, id_number: str, scheme: str, year: int, region: str) -> tuple[Ytd, int]:
        """The person's accumulators and version, row-locked until the transaction ends."""
        blank = {"id_number": id_number, "scheme": scheme, "year": year, "region": region,
                 "version": 0, **ytd_columns(Ytd())}
        row = self.connection.execute(_lock_statement(self.dialect), blank).one()
        return ytd_of(row), int(row.version)

    def get(self, id_number: str, scheme: str, year: int) -> tuple[Ytd, int] | None:
        row = self.connection.execute(
            _GET, {"k_id": id_number, "k_scheme": scheme, "k_year": year}).first()
        return None if row is None else (ytd_of(row), int(row.version))

    def save(self, id_number: str, scheme: str, year: int, ytd: Ytd, version: int) -> None:
        """Write the accumulators after a settlement or reversal; `version` is the new one."""
        done = self.connection.execute(_SAVE, {
            "k_id": id_number, "k_scheme": scheme, "k_year": year, "k_version": version - 1,
            "version": version, **ytd_columns(ytd)})
        if done.rowcount != 1:
            raise RuntimeError(f"accumulator row of {id_number} changed under its lock")

    def all_rows(self) -> list[tuple[str, str, int, Ytd, int]]:
        rows = self.connection.execute(select(accumulators).order_by(
            accumulators.c.id_number, accumulators.c.scheme, accumulators.c.year))
        return [(r.id_number, r.scheme, r.year, ytd_of(r), int(r.version)) for r in rows]
