"""Plan an enrollment import against the registry: duplicates, transfers and waiting periods.

Rows are taken year by year (then in file order), each against the history of its person — what
the store holds plus the rows already taken — so a file may carry several years of one person.
A second active enrollment of one person in one year, in another scheme or another region, is a
duplicate (重复参保) and is refused, never kept; moving region within a year is a transfer
(`action = transfer`, 转移接续), which closes the old enrollment and carries its contribution
years and its benefit start. Re-importing an enrollment that is already there changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from yibao.enroll.model import (
    SCHEME_NAMES,
    EnrollAction,
    Enrollment,
    EnrollStatus,
    PersonRecord,
)
from yibao.enroll.rows import ImportRow, RowError, RowProblem
from yibao.enroll.waiting import add_months, waiting_period


@dataclass(frozen=True, slots=True)
class Transfer:
    """An active enrollment that a transfer closes (status becomes `transferred`)."""

    id_number: str
    scheme: str
    year: int
    from_region: str
    to_region: str
    on: date


@dataclass(frozen=True, slots=True)
class ImportPlan:
    """What to write: persons to add or update, new enrollments, transfers, and refusals."""

    persons: tuple[PersonRecord, ...]
    enrollments: tuple[Enrollment, ...]
    transfers: tuple[Transfer, ...]
    unchanged: int
    errors: tuple[RowError, ...]


def _describe(e: Enrollment) -> str:
    return f"{e.region} {SCHEME_NAMES[e.scheme]}（{e.scheme}）{e.year} 年度"


class _Planner:
    def __init__(self, history: Mapping[str, Sequence[Enrollment]], employers: frozenset[str]):
        self.state = {k: list(v) for k, v in history.items()}
        self.origin: dict[tuple[str, int, str, str], int] = {}  # new enrollment → its row
        self.employers = employers
        self.persons: dict[str, PersonRecord] = {}
        self.new: list[Enrollment] = []
        self.transfers: list[Transfer] = []
        self.errors: list[RowError] = []
        self.unchanged = 0

    def take(self, item: ImportRow) -> None:
        req, person = item.request, item.person
        if req.employer_code is not None and req.employer_code not in self.employers:
            self._refuse(item, "employer_code", RowProblem.UNKNOWN_EMPLOYER,
                         f"参保单位 {req.employer_code} 未登记，请先导入参保单位")
            return
        mine = self.state.setdefault(person.id_number, [])
        same_year = [e for e in mine if e.year == req.year]
        if any(self._same(e, item) for e in same_year):
            self._repeat(item, next(e for e in same_year if self._same(e, item)))
            return
        active = next((e for e in same_year if e.status is EnrollStatus.ACTIVE), None)
        if req.action is EnrollAction.TRANSFER:
            self._transfer(item, active)
        elif active is not None and req.status is EnrollStatus.ACTIVE:
            self._duplicate(item, active)
        else:
            self._enroll(item, mine)

    @staticmethod
    def _same(e: Enrollment, item: ImportRow) -> bool:
        """The row asks for what is already there (an enrollment since transferred counts)."""
        r = item.request
        status_same = e.status is r.status or (
            r.status is EnrollStatus.ACTIVE and e.status is EnrollStatus.TRANSFERRED)
        return (e.scheme, e.region) == (r.scheme, r.region) and status_same

    def _repeat(self, item: ImportRow, existing: Enrollment) -> None:
        first = self.origin.get(_key(existing))
        if first is None:
            self.unchanged += 1
            self.persons[item.person.id_number] = item.person
            return
        self._refuse(item, "id_number", RowProblem.DUPLICATE_IN_FILE,
                     f"与第 {first} 行重复：{_describe(existing)}")

    def _duplicate(self, item: ImportRow, active: Enrollment) -> None:
        first = self.origin.get(_key(active))
        where = f"（第 {first} 行）" if first is not None else "（已登记）"
        self._refuse(item, "id_number", RowProblem.DUPLICATE_ENROLLMENT,
                     f"同一年度重复参保：已参加 {_describe(active)}{where}；"
                     "跨统筹区转移请用 action=transfer")

    def _enroll(self, item: ImportRow, mine: list[Enrollment]) -> None:
        req, person = item.request, item.person
        covered = frozenset(e.year for e in mine if e.covered)
        wait = waiting_period(
            scheme=req.scheme, year=req.year, start_date=req.start_date,
            birth_date=person.birth_date, covered_years=covered, groups=person.groups,
            repair_years=req.repair_years)
        years = len({y for y in covered if y < req.year}) + req.prior_years
        self._add(item, Enrollment(
            id_number=person.id_number, scheme=req.scheme, region=req.region, year=req.year,
            psn_type=req.psn_type, start_date=req.start_date,
            benefit_start=add_months(req.start_date, wait.months), waiting_months=wait.months,
            status=req.status, employer_code=req.employer_code, wage_base=req.wage_base,
            contribution_years=years))

    def _transfer(self, item: ImportRow, source: Enrollment | None) -> None:
        req = item.request
        problem = None
        if source is None:
            problem = f"没有可转出的 {req.year} 年度参保记录"
        elif source.scheme != req.scheme:
            problem = f"转移接续限同一险种：现参加 {_describe(source)}"
        elif source.region == req.region:
            problem = f"已在本统筹区参保：{_describe(source)}"
        elif req.start_date < source.start_date:
            problem = f"转入日期早于原参保开始日期 {source.start_date.isoformat()}"
        if problem is not None or source is None:
            self._refuse(item, "action", RowProblem.TRANSFER_WITHOUT_SOURCE, problem or "")
            return
        mine = self.state[source.id_number]
        mine[mine.index(source)] = replace(source, status=EnrollStatus.TRANSFERRED)
        self.transfers.append(Transfer(source.id_number, source.scheme, source.year,
                                       source.region, req.region, req.start_date))
        self._add(item, replace(
            source, region=req.region, start_date=req.start_date,
            benefit_start=max(req.start_date, source.benefit_start), psn_type=req.psn_type,
            employer_code=req.employer_code, wage_base=req.wage_base,
            contribution_years=source.contribution_years + req.prior_years))

    def _add(self, item: ImportRow, enrollment: Enrollment) -> None:
        self.state[enrollment.id_number].append(enrollment)
        self.origin[_key(enrollment)] = item.row
        self.new.append(enrollment)
        self.persons[item.person.id_number] = item.person

    def _refuse(self, item: ImportRow, field: str, reason: RowProblem, message: str) -> None:
        self.errors.append(RowError(item.row, field, reason, message))


def _key(e: Enrollment) -> tuple[str, int, str, str]:
    return (e.id_number, e.year, e.scheme, e.region)


def plan_import(
    rows: Sequence[ImportRow | RowError],
    history: Mapping[str, Sequence[Enrollment]],
    employers: frozenset[str],
) -> ImportPlan:
    """Decide every row: write it, keep it unchanged, or refuse it (errors sorted by row)."""
    planner = _Planner(history, employers)
    good = [r for r in rows if isinstance(r, ImportRow)]
    planner.errors.extend(r for r in rows if isinstance(r, RowError))
    for item in sorted(good, key=lambda r: (r.request.year, r.row)):
        planner.take(item)
    return ImportPlan(
        persons=tuple(planner.persons.values()),
        enrollments=tuple(planner.new),
        transfers=tuple(planner.transfers),
        unchanged=planner.unchanged,
        errors=tuple(sorted(planner.errors, key=lambda e: e.row)),
    )
