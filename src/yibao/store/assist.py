"""依申请救助 applications, the groups they grant, and the out-of-pocket sums that §6 reads
(SETTLEMENT.md §6; docs/benefits.md "依申请救助与监测").

An application row is inserted `applied` and decided once: `decide` updates it only while it is
still `applied`, so a second decision changes nothing. `groups_on(psn_no, day)` is the groups a
person holds on a day: `persons.groups` and every group granted over a span that covers the day.

Out-of-pocket (`oop`) sums `psn_part_amt` of the settlements dated in a period — the Beijing day
of `created_at`, the settlement time (a simulated year's settlements carry their visit's day) —
leaving out the settlements reversed (reversals netted); a year's (monitoring) is that of the
settlements of the year (`settlements.year`, the visit's year).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, func, select, update

from yibao.assist.model import Application, AppState
from yibao.core.beijing import BEIJING
from yibao.core.money import from_fen
from yibao.store.accounts import WriteEntry
from yibao.store.schema import (
    assist_applications,
    enrollments,
    person_group_grants,
    persons,
    reversals,
    settlements,
    write_log,
)

a, g, s, p = assist_applications.c, person_group_grants.c, settlements.c, persons.c
_REMAINING = (s.inscp_scp_amt_fen - s.hifp_pay_fen - s.hifob_pay_fen - s.hifmi_pay_fen
              - s.cvlserv_pay_fen - s.maf_pay_fen)
_NOT_REVERSED = ~select(reversals.c.setl_id).where(reversals.c.setl_id == s.setl_id).exists()


def _money(fen: int | None) -> Any:
    return None if fen is None else from_fen(int(fen))


def _application(row: Any) -> Application:
    return Application(
        int(row.app_id), row.id_number, row.scheme, row.region, int(row.year),
        from_fen(int(row.income_fen)), row.applied_on, row.applied_by, AppState(row.state),
        row.reason, row.note, row.decided_on, row.decided_by, _money(row.household_oop_fen),
        _money(row.threshold_fen), _money(row.b_fen), _money(row.t_fen), _money(row.grant_fen),
        row.txn_id)


def utc_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """The instants (UTC) of the Beijing days `first` to `last`, both included: [start, end)."""
    start = datetime.combine(first, time(0), BEIJING).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(0), BEIJING).astimezone(UTC)
    return start, end


@dataclass(frozen=True, slots=True)
class Decision:
    """What `decide` writes on an application."""

    state: AppState
    reason: str
    note: str
    decided_on: date
    decided_by: str
    household_oop_fen: int | None = None
    threshold_fen: int | None = None
    b_fen: int | None = None
    t_fen: int | None = None
    grant_fen: int | None = None
    txn_id: str | None = None


@dataclass(frozen=True, slots=True)
class PersonOop:
    """A person's out-of-pocket over a year, with what monitoring needs of the person."""

    psn_no: str
    household_id: str | None
    groups: frozenset[str]
    oop_fen: int
    last_settled: datetime


class AssistRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    # ---------- applications ----------

    def add(self, psn_no: str, scheme: str, region: str, year: int, income_fen: int,
            applied_on: date, applied_by: str) -> int:
        """Record an application (`applied`); its number."""
        done = self.connection.execute(assist_applications.insert().values(
            id_number=psn_no, scheme=scheme, region=region, year=year, income_fen=income_fen,
            applied_on=applied_on, applied_by=applied_by[:80], state=AppState.APPLIED.value,
            reason="", note="", created_at=datetime.now(UTC)).returning(a.app_id))
        return int(done.scalar_one())

    def get(self, app_id: int, *, lock: bool = False) -> Application | None:
        """An application; `lock` holds its row until the transaction ends (PostgreSQL
        `SELECT … FOR UPDATE`; SQLite's writer holds the database lock already)."""
        query = select(assist_applications).where(a.app_id == app_id)
        row = self.connection.execute(query.with_for_update() if lock else query).first()
        return None if row is None else _application(row)

    def of_person(self, psn_no: str, year: int | None = None) -> list[Application]:
        query = select(assist_applications).where(a.id_number == psn_no)
        if year is not None:
            query = query.where(a.year == year)
        rows = self.connection.execute(query.order_by(a.applied_on, a.app_id))
        return [_application(r) for r in rows]

    def page(self, *, state: str | None = None, year: int | None = None,
             regions: str = "", psn_no: str | None = None, limit: int = 50, offset: int = 0
             ) -> tuple[int, list[Application]]:
        """(total, one page) of the applications matching the filters, newest first;
        `regions` a prefix of the insured region ("" every region)."""
        where = []
        if state:
            where.append(a.state == state)
        if year is not None:
            where.append(a.year == year)
        if regions:
            where.append(a.region.startswith(regions))
        if psn_no:
            where.append(a.id_number == psn_no)
        total = self.connection.execute(
            select(func.count()).select_from(assist_applications).where(*where)).scalar_one()
        rows = self.connection.execute(
            select(assist_applications).where(*where)
            .order_by(a.applied_on.desc(), a.app_id.desc()).limit(limit).offset(offset))
        return int(total), [_application(r) for r in rows]

    def decide(self, app_id: int, decision: Decision) -> bool:
        """Write the decision while the application is still `applied`; False otherwise."""
        done = self.connection.execute(
            update(assist_applications)
            .where(a.app_id == app_id, a.state == AppState.APPLIED.value)
            .values(state=decision.state.value, reason=decision.reason, note=decision.note,
                    decided_on=decision.decided_on, decided_by=decision.decided_by[:80],
                    household_oop_fen=decision.household_oop_fen,
                    threshold_fen=decision.threshold_fen, b_fen=decision.b_fen,
                    t_fen=decision.t_fen, grant_fen=decision.grant_fen,
                    txn_id=decision.txn_id))
        return done.rowcount == 1

    def trail(self, target: str) -> list[WriteEntry]:
        """The write-log rows of one application (its target), oldest first."""
        w = write_log.c
        rows = self.connection.execute(
            select(w.at, w.actor, w.action, w.target, w.detail, w.region)
            .where(w.target == target).order_by(w.id))
        return [WriteEntry(r.at, r.actor, r.action, r.target, r.detail, r.region) for r in rows]

    # ---------- groups held ----------

    def add_grant(self, psn_no: str, group: str, start: date, end: date, app_id: int) -> None:
        self.connection.execute(person_group_grants.insert().values(
            id_number=psn_no, group=group, start_date=start, end_date=end, app_id=app_id,
            created_at=datetime.now(UTC)))

    def granted(self, psn_nos: Iterable[str]) -> dict[str, list[tuple[str, date, date]]]:
        """Each person's granted groups: (group, first day, last day), in grant order."""
        out: dict[str, list[tuple[str, date, date]]] = {}
        ids = sorted(set(psn_nos))
        for chunk in range(0, len(ids), 1000):
            rows = self.connection.execute(
                select(g.id_number, g.group, g.start_date, g.end_date)
                .where(g.id_number.in_(ids[chunk:chunk + 1000])).order_by(g.grant_id))
            for row in rows:
                out.setdefault(row.id_number, []).append(
                    (row.group, row.start_date, row.end_date))
        return out

    def groups_on(self, psn_no: str, day: date) -> frozenset[str]:
        """The groups the person holds on `day`: `persons.groups` and the groups granted over
        a span covering `day` (empty for an unregistered person)."""
        static = self.connection.execute(select(p.groups).where(p.id_number == psn_no)).scalar()
        if static is None:
            return frozenset()
        granted = self.connection.execute(
            select(g.group).where(g.id_number == psn_no, g.start_date <= day,
                                  g.end_date >= day)).scalars()
        return frozenset(x for x in static.split(",") if x) | frozenset(granted)

    # ---------- out-of-pocket and B ----------

    def household_of(self, psn_no: str) -> list[str]:
        """The person and every person registered in the person's household (the person alone
        without a household)."""
        household = self.connection.execute(
            select(p.household_id).where(p.id_number == psn_no)).scalar()
        if not household:
            return [psn_no]
        return sorted(self.connection.execute(
            select(p.id_number).where(p.household_id == household)).scalars())

    def oop_fen(self, psn_nos: Sequence[str], first: date, last: date) -> int:
        """The persons' out-of-pocket (fen) over the Beijing days `first` to `last`."""
        start, end = utc_bounds(first, last)
        total = self.connection.execute(
            select(func.coalesce(func.sum(s.psn_part_amt_fen), 0))
            .where(s.id_number.in_(list(psn_nos)), s.created_at >= start, s.created_at < end,
                   _NOT_REVERSED)).scalar_one()
        return int(total)

    def remaining_fen(self, psn_no: str, scheme: str, year: int, med_types: Sequence[str]
                      ) -> int:
        """`B` (fen): over the person's settled visits of `med_types` of the scheme and year
        (not reversed), `inscp_scp_amt − hifp_pay − hifob_pay − hifmi_pay − cvlserv_pay −
        maf_pay` summed."""
        total = self.connection.execute(
            select(func.coalesce(func.sum(_REMAINING), 0))
            .where(s.id_number == psn_no, s.scheme == scheme, s.year == year,
                   s.med_type.in_(list(med_types)), _NOT_REVERSED)).scalar_one()
        return int(total)

    def year_oop(self, year: int) -> list[PersonOop]:
        """Every person with a settlement of `year` (the settlement's year, that of its visit,
        as the accumulators count it; not reversed): out-of-pocket, the time of the last such
        settlement, household and `persons.groups`."""
        rows = self.connection.execute(
            select(s.id_number, p.household_id, p.groups,
                   func.sum(s.psn_part_amt_fen), func.max(s.created_at))
            .select_from(settlements.join(persons, p.id_number == s.id_number))
            .where(s.year == year, _NOT_REVERSED)
            .group_by(s.id_number, p.household_id, p.groups).order_by(s.id_number))
        return [PersonOop(r[0], r[1] or None, frozenset(x for x in (r[2] or "").split(",") if x),
                          int(r[3]), _aware(r[4])) for r in rows]

    def insured_members(self, households: Iterable[str], year: int) -> dict[str, list[str]]:
        """Each household's members with an enrollment in `year`, by ID number."""
        out: dict[str, list[str]] = {}
        ids = sorted(set(households))
        for chunk in range(0, len(ids), 1000):
            rows = self.connection.execute(
                select(p.household_id, p.id_number).distinct()
                .select_from(persons.join(enrollments, enrollments.c.id_number == p.id_number))
                .where(p.household_id.in_(ids[chunk:chunk + 1000]),
                       enrollments.c.year == year)
                .order_by(p.household_id, p.id_number))
            for household, psn_no in rows:
                out.setdefault(household, []).append(psn_no)
        return out

    def regions_in(self, psn_nos: Iterable[str], year: int) -> dict[str, str]:
        """Each person's insured region in `year`: the region of the person's active
        enrollment of the year, else of any enrollment of the year."""
        out: dict[str, str] = {}
        ids = sorted(set(psn_nos))
        e = enrollments.c
        for chunk in range(0, len(ids), 1000):
            rows = self.connection.execute(
                select(e.id_number, e.region, e.status)
                .where(e.id_number.in_(ids[chunk:chunk + 1000]), e.year == year)
                .order_by(e.id_number, e.id))
            for psn_no, region, status in rows:
                if psn_no not in out or status == "active":
                    out[psn_no] = region
        return out


def _aware(at: Any) -> datetime:
    """SQLite hands back a timezone-aware column naive (UTC) or, for an aggregate, as text."""
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)

