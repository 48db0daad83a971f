"""Settlement repository (结算记录) and the accumulator rows (年度累计) that serialise a person.

Settlements, their detail rows and reversals are only ever inserted. `AccumulatorRepository.lock`
takes the row lock that makes concurrent settlements of one person queue: an upsert that locks
the row on PostgreSQL (like `SELECT … FOR UPDATE`, but creating the row when it is missing); on
SQLite the unit of work already holds the write lock (`BEGIN IMMEDIATE`). Hot statements are
built once, with bound parameters, and run through the unit of work's `Runner` (compiled once,
sent on the driver's cursor). On PostgreSQL `add_all` writes a whole settlement — row, details,
fund transaction, postings, running balances, accumulators — in one statement.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, String, bindparam, cast, select, update

from yibao.core.money import from_fen, to_fen
from yibao.enroll.model import Enrollment, PersonRecord
from yibao.fund.postings import PostingSet
from yibao.settle.model import MONEY_FIELDS, OPSP_KEYS, YTD_KEYS, SettleResult, Ytd
from yibao.store.balances import BalanceRepository, Overdrawn, balance_rows, spends
from yibao.store.ledger import LedgerRepository, beijing_day, check_balanced, posting_rows
from yibao.store.registry import ENROLLMENT_COLUMNS, EnrollmentView, enrollment_of, person_of
from yibao.store.runner import Runner
from yibao.store.schema import (
    accumulators,
    enrollments,
    fund_balances,
    fund_postings,
    institutions,
    persons,
    reversals,
    settlement_details,
    settlements,
)
from yibao.store.upsert import insert_for


def opsp_json(ytd: Ytd) -> str:
    """The per-disease accumulators as stored: `{"opsp_paid": {code: fen}, …}`, keys in order."""
    return json.dumps({key: {code: to_fen(value) for code, value in getattr(ytd, key)}
                       for key in OPSP_KEYS}, ensure_ascii=False, separators=(",", ":"))


def ytd_columns(ytd: Ytd) -> dict[str, int | str]:
    columns: dict[str, int | str] = {
        ("admissions" if k == "admissions" else f"{k}_fen"):
        (ytd.admissions if k == "admissions" else to_fen(getattr(ytd, k))) for k in YTD_KEYS}
    columns["opsp_json"] = opsp_json(ytd)
    return columns


def ytd_of(row: Any) -> Ytd:
    values: dict[str, Any] = {k: from_fen(getattr(row, f"{k}_fen"))
                              for k in YTD_KEYS if k != "admissions"}
    stored = json.loads(getattr(row, "opsp_json", None) or "{}")
    for key in OPSP_KEYS:
        values[key] = tuple((code, from_fen(fen)) for code, fen in stored.get(key, {}).items())
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
    created_at: datetime


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
    #: Cross-region care (docs/offsite.md): the care region (None: the insured region), the
    #: derived `offsite` value, the filing it rests on, `direct` or `manual` (零星报销).
    care_region: str | None = None
    offsite: str = "local"
    filing_id: str | None = None
    channel: str = "direct"
    #: 家庭共济: the employee whose personal account paid part of this bill (`acct_mulaid`).
    mulaid_holder: str | None = None


_STORED = (settlements.c.commit_seq, settlements.c.setl_id, settlements.c.fixmedins_code,
           settlements.c.mdtrt_id, settlements.c.id_number, settlements.c.scheme,
           settlements.c.region, settlements.c.year, settlements.c.request_hash,
           settlements.c.result_json, settlements.c.ytd_before_json, settlements.c.txn_id,
           reversals.c.reversal_id, settlements.c.created_at)
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
        select(institutions.c.region).where(institutions.c.code == _ASKED.c.code)
        .scalar_subquery().label("institution_region"),
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
    #: The institution's registered region (its care region), None when it is unregistered.
    institution_region: str | None = None

_BY_SETL_ID = (select(*_STORED)
               .outerjoin(reversals, reversals.c.setl_id == settlements.c.setl_id)
               .where(settlements.c.setl_id == bindparam("setl_id")))
_INSERT = settlements.insert().returning(settlements.c.commit_seq)
_INSERT_REVERSAL = reversals.insert().returning(reversals.c.commit_seq)
_DETAILS = settlement_details.insert()
_DETAIL_COLUMNS = tuple(c.name for c in settlement_details.columns if c.name != "setl_id")
_POSTING_COLUMNS = ("account_key", "side", "amount_fen")
_BALANCE_COLUMNS = ("account_key", "shard", "debit_fen", "credit_fen")
_ALL_IN_ONE: dict[str, str] = {}
#: Settlement columns passed one by one, and those (money, accumulators) passed as one array
#: each: psycopg caches the parsing of a statement only up to 50 parameters.
_MONEY = tuple(c.name for c in settlements.columns if c.name.endswith("_fen"))
_PLAIN = tuple(c.name for c in settlements.columns if c.name not in ("commit_seq", *_MONEY))
_YTD = tuple(c.name for c in accumulators.columns
             if c.name not in ("id_number", "scheme", "year", "region", "opsp_json"))


def _recordset(name: str, table: Any, columns: tuple[str, ...], dialect: Any) -> str:
    """Rows passed as one JSON array of objects (cheaper to send than an array per column)."""
    types = ", ".join(f"{c} {table.c[c].type.compile(dialect)}" for c in columns)
    return f"json_to_recordset(%({name})s::json) AS {name}({types})"


def _all_in_one(dialect: Any) -> str:
    """Every write of one settlement as data-modifying CTEs (PostgreSQL; built once). The
    foreign keys are checked at the end of the statement, when all its rows exist."""
    if "sql" not in _ALL_IN_ONE:
        values = [f"%({c})s" for c in _PLAIN] + [
            f"(%(money)s::bigint[])[{i}]" for i in range(1, len(_MONEY) + 1)]
        _ALL_IN_ONE["sql"] = f"""WITH
s AS (INSERT INTO settlements ({", ".join(_PLAIN + _MONEY)})
      VALUES ({", ".join(values)}) RETURNING commit_seq),
d AS (INSERT INTO settlement_details (setl_id, {", ".join(_DETAIL_COLUMNS)})
      SELECT %(setl_id)s::varchar, {", ".join(_DETAIL_COLUMNS)}
      FROM {_recordset("details", settlement_details, _DETAIL_COLUMNS, dialect)}),
t AS (INSERT INTO fund_transactions (txn_id, kind, region, created_at, booked_on)
      SELECT %(txn_id)s::varchar, %(t_kind)s::varchar, %(t_region)s::varchar,
             %(created_at)s::timestamptz, %(t_booked_on)s::date
      WHERE %(txn_id)s::varchar IS NOT NULL),
p AS (INSERT INTO fund_postings (txn_id, {", ".join(_POSTING_COLUMNS)})
      SELECT %(txn_id)s::varchar, {", ".join(_POSTING_COLUMNS)}
      FROM {_recordset("postings", fund_postings, _POSTING_COLUMNS, dialect)}),
b AS (INSERT INTO fund_balances ({", ".join(_BALANCE_COLUMNS)})
      SELECT {", ".join(_BALANCE_COLUMNS)}
      FROM {_recordset("balances", fund_balances, _BALANCE_COLUMNS, dialect)}
      ON CONFLICT (account_key, shard) DO UPDATE
      SET debit_fen = fund_balances.debit_fen + excluded.debit_fen,
          credit_fen = fund_balances.credit_fen + excluded.credit_fen),
u AS (UPDATE fund_balances f
      SET debit_fen = f.debit_fen + spent.debit_fen,
          credit_fen = f.credit_fen + spent.credit_fen
      FROM {_recordset("spent", fund_balances, _BALANCE_COLUMNS, dialect)}
      WHERE f.account_key = spent.account_key AND f.shard = spent.shard
      RETURNING 1),
a AS (UPDATE accumulators
      SET {", ".join(f"{c} = (%(ytd)s::bigint[])[{i}]" for i, c in enumerate(_YTD, 1))},
          opsp_json = %(opsp_json)s
      WHERE id_number = %(k_id)s AND scheme = %(k_scheme)s AND year = %(k_year)s
        AND version = %(k_version)s
      RETURNING version)
SELECT (SELECT commit_seq FROM s), (SELECT count(*) FROM a), (SELECT count(*) FROM u)"""
    return _ALL_IN_ONE["sql"]


def settlement_values(record: SettlementRecord, result: SettleResult) -> dict[str, Any]:
    values: dict[str, Any] = {
        name: getattr(record, name) for name in SettlementRecord.__dataclass_fields__}
    values.update({f"{name}_fen": to_fen(getattr(result, name)) for name in MONEY_FIELDS})
    values["med_type"] = result.med_type
    values["matn_alwn_days"] = result.matn_alwn_days
    values["care_region"] = record.care_region or record.region
    return values


def detail_rows(setl_id: str, result: SettleResult) -> list[dict[str, Any]]:
    return [{
        "setl_id": setl_id, "row_no": index, "fund_pay_type": d.fund_pay_type,
        "inscp_scp_amt_fen": to_fen(d.inscp_scp_amt),
        "crt_payb_lmt_amt_fen": None if d.crt_payb_lmt_amt is None
        else to_fen(d.crt_payb_lmt_amt),
        "fund_payamt_fen": to_fen(d.fund_payamt), "setl_proc_info": d.setl_proc_info,
    } for index, d in enumerate(result.setldetail, start=1)]


class SettlementRepository:
    """Settlements and reversals (insert only). `record` writes a whole settlement with the
    ledger, balance and accumulator repositories of the same unit of work."""

    def __init__(self, connection: Connection, runner: Runner, ledger: LedgerRepository,
                 balances: BalanceRepository, accumulators: AccumulatorRepository,
                 step: Callable[[str], None]) -> None:
        self.connection, self.runner = connection, runner
        self.ledger, self.balances, self.accumulators = ledger, balances, accumulators
        self.step = step

    def prelude(self, fixmedins_code: str, mdtrt_id: str, id_number: str) -> Prelude:
        rows = self.runner.run(_PRELUDE, {
            "code": fixmedins_code, "mdtrt_id": mdtrt_id, "id_number": id_number})
        first = rows[0]
        person = None if first.id_number is None else person_of(first)
        enrollments_ = tuple(enrollment_of(EnrollmentView(r)) for r in rows
                             if r.e_id is not None)
        return Prelude(first.stored_setl_id, first.institution_level, person, enrollments_,
                       first.institution_region)

    def record(self, record: SettlementRecord, result: SettleResult, entry: PostingSet,
               shard: int) -> int:
        """Every write of one settlement — row, details, fund transaction, postings, running
        balances (in `shard`), the person's accumulators — with a step between any two; the
        commit sequence number. On PostgreSQL the fund accounts come first and all the rest is
        one statement (`_add_all`): one round trip instead of six."""
        ledger = self.ledger
        if self.runner.native is not None:
            if entry.postings:
                ledger.ensure_accounts(p.account for p in entry.postings)
                self.step("accounts")
            return self._add_all(record, result, entry, shard)
        seq = self.add(record, result)
        self.step("settlement")
        self.add_details(record.setl_id, result)
        self.step("details")
        if entry.postings:
            ledger.ensure_accounts(p.account for p in entry.postings)
            self.step("accounts")
            ledger.add_transaction(entry, record.created_at)
            self.step("transaction")
            ledger.add_postings([entry])
            self.step("postings")
            self.balances.apply([(entry, shard)])
            self.step("balances")
        self.accumulators.save(record.id_number, result.insutype, record.year, result.ytd_after,
                               record.accum_version)
        return seq

    def _add_all(self, record: SettlementRecord, result: SettleResult, entry: PostingSet,
                shard: int) -> int:
        """PostgreSQL: the settlement, its details, its transaction, postings and running
        balances (in `shard`) and the person's new accumulators (version `accum_version`,
        written only over the locked row), in one statement; the commit sequence number."""
        check_balanced(entry)
        save = save_params(record.id_number, result.insutype, record.year, result.ytd_after,
                           record.accum_version)
        values = settlement_values(record, result)
        deltas = balance_rows([(entry, shard)])
        spent = [r for r in deltas if spends(r)]
        params = {**{c: values[c] for c in _PLAIN}, "money": [values[c] for c in _MONEY],
                  "t_kind": entry.kind.value, "t_region": entry.region,
                  "t_booked_on": beijing_day(record.created_at),
                  "ytd": [save[c] for c in _YTD], "opsp_json": save["opsp_json"],
                  "details": json.dumps(detail_rows(record.setl_id, result)),
                  "postings": json.dumps(posting_rows([entry])),
                  "balances": json.dumps([r for r in deltas if not spends(r)]),
                  "spent": json.dumps(spent),
                  **{k: v for k, v in save.items() if k.startswith("k_")}}
        ((seq, saved, paid),) = self.runner.text(_all_in_one(self.connection.dialect), params)
        if saved != 1:
            raise RuntimeError(f"accumulator row of {record.id_number} changed under its lock")
        if paid != len(spent):
            raise Overdrawn(f"personal account of {record.id_number} has no balance to pay from")
        return int(seq)

    def by_setl_id(self, setl_id: str) -> StoredSettlement | None:
        rows = self.runner.run(_BY_SETL_ID, {"setl_id": setl_id})
        return StoredSettlement(*rows[0]) if rows else None

    def add(self, record: SettlementRecord, result: SettleResult) -> int:
        """Insert one settlement; its commit sequence number."""
        ((seq,),) = self.runner.run(_INSERT, settlement_values(record, result))
        return int(seq)

    def add_details(self, setl_id: str, result: SettleResult) -> None:
        rows = detail_rows(setl_id, result)
        if rows:
            self.runner.run(_DETAILS, rows)

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
                  if c.name not in ("id_number", "scheme", "year", "region")})
         .returning(accumulators.c.version))
_LOCK: dict[str, Any] = {}


def save_params(id_number: str, scheme: str, year: int, ytd: Ytd, version: int
                ) -> dict[str, Any]:
    """The parameters of `_SAVE`: the row's key, the version it must have, the new values."""
    return {"k_id": id_number, "k_scheme": scheme, "k_year": year, "k_version": version - 1,
            "version": version, **ytd_columns(ytd)}


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


_BLANK = ytd_columns(Ytd())


class AccumulatorRepository:
    def __init__(self, connection: Connection, dialect: str, runner: Runner | None = None
                 ) -> None:
        self.connection, self.dialect = connection, dialect
        self.runner = runner or Runner(connection)

    def lock(self, id_number: str, scheme: str, year: int, region: str) -> tuple[Ytd, int]:
        """The person's accumulators and version, row-locked until the transaction ends."""
        blank = {"id_number": id_number, "scheme": scheme, "year": year, "region": region,
                 "version": 0, **_BLANK}
        (row,) = self.runner.run(_lock_statement(self.dialect), blank)
        return ytd_of(row), int(row.version)

    def get(self, id_number: str, scheme: str, year: int) -> tuple[Ytd, int] | None:
        row = self.connection.execute(
            _GET, {"k_id": id_number, "k_scheme": scheme, "k_year": year}).first()
        return None if row is None else (ytd_of(row), int(row.version))

    def save(self, id_number: str, scheme: str, year: int, ytd: Ytd, version: int) -> None:
        """Write the accumulators after a settlement or reversal; `version` is the new one."""
        done = self.runner.run(_SAVE, save_params(id_number, scheme, year, ytd, version))
        if len(done) != 1:
            raise RuntimeError(f"accumulator row of {id_number} changed under its lock")

    def all_rows(self) -> list[tuple[str, str, int, Ytd, int]]:
        rows = self.connection.execute(select(accumulators).order_by(
            accumulators.c.id_number, accumulators.c.scheme, accumulators.c.year))
        return [(r.id_number, r.scheme, r.year, ytd_of(r), int(r.version)) for r in rows]
