"""Filing use cases (异地就医备案, docs/offsite.md): file, revoke and list a person's filings.

`file_offsite` checks the person (registered, an active enrollment covering the start date: its
region is the insured region), the care area (a GB/T 2260 code of a known province), the rules
of the insured region's policy for the start year (`[filing]`) and the person's other filings,
then writes the filing and a write-log row in one unit of work, under the person's row lock (on
PostgreSQL `SELECT … FOR UPDATE`; SQLite's `BEGIN IMMEDIATE` already serialises writers), so two
concurrent filings of one person cannot both pass the overlap check. `revoke_offsite` revokes
from today, once. Every refusal is a value (`FilingRefused`) with a reason code and one zh-CN
sentence; the faces turn it into exit status 2, a 422 / 403 / 404 answer or an interface
refusal. `who` is the bureau user acting (None: the operator's command line, every region);
users read filings with the roles that read persons and write them as handlers (经办).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, Final

from yibao.core.beijing import in_beijing
from yibao.core.codes import PROVINCES, REGION_CODE
from yibao.enroll.eligibility import Refusal as Ineligible
from yibao.enroll.eligibility import covering_enrollment
from yibao.offsite.model import CATEGORY_NAMES, TYPE_NAMES, Filing, FilingType, area_level
from yibao.offsite.rules import NewFiling, Refusal, check_filing, check_revocation
from yibao.policy.filing import DEFAULT_FILING, FilingRules
from yibao.policy.loader import load_policy, shipped_ids
from yibao.policy.model import Policy
from yibao.services.accounts import Principal
from yibao.services.bureau import PERMISSIONS
from yibao.services.national import Answer, keep_in
from yibao.store import Store, default_store
from yibao.store.accounts import WriteEntry
from yibao.store.uow import UnitOfWork

#: Who may file and revoke for a person at the bureau: handlers (经办).
WRITERS: Final = frozenset({"handler"})
READERS: Final = PERMISSIONS["persons"]
MATERIALS_MAX: Final = 2000
DAY: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
CHANNELS: Final = ("cli", "api", "console", "interface")
STATUS_NAMES: Final = {"pending": "未生效", "active": "有效", "expired": "已到期",
                       "revoked": "已撤销"}
AREA_LEVEL_NAMES: Final = {"province": "省", "city": "市", "county": "县（区）"}


class FilingProblem(StrEnum):
    """Why a filing request is refused before the filing rules (`FilingRefusal`) are asked."""

    INVALID = "invalid"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    OUT_OF_SCOPE = "out_of_scope"
    NOT_INSURED = "not_insured"


@dataclass(frozen=True, slots=True)
class FilingRefused:
    """A refused request: `reason` is a `FilingProblem` or a `FilingRefusal` value."""

    reason: str
    message: str


@dataclass(frozen=True, slots=True)
class Filed:
    """A filing as a face shows it, with its status on `today`."""

    filing: Filing
    status: str
    channel: str = ""
    filed_by: str = ""

    def to_json(self) -> dict[str, Any]:
        f = self.filing
        return {"filing_id": f.filing_id, "psn_no": f.id_number,
                "insured_region": f.insured_region, "filing_type": f.filing_type.value,
                "type_name": TYPE_NAMES[f.filing_type], "category": f.category.value,
                "category_name": CATEGORY_NAMES[f.category], "care_area": f.care_area,
                "area_level": area_level(f.care_area),
                "start": f.start.isoformat(), "end": None if f.end is None else f.end.isoformat(),
                "filed_on": f.filed_on.isoformat(), "promise": f.promise,
                "materials": f.materials,
                "revoked_on": None if f.revoked_on is None else f.revoked_on.isoformat(),
                "status": self.status, "status_name": STATUS_NAMES[self.status],
                "channel": self.channel, "filed_by": self.filed_by}


def status_on(filing: Filing, today: date) -> str:
    """`revoked`, `expired`, `pending` (not begun) or `active` on `today`."""
    if filing.revoked_on is not None and filing.revoked_on <= max(today, filing.start):
        return "revoked"
    if filing.end is not None and filing.end < today:
        return "expired"
    return "pending" if filing.start > today else "active"


def beijing_today() -> date:
    return in_beijing(datetime.now(UTC)).date()


def region_policy(region: str, year: int) -> Policy | None:
    """`region`'s shipped policy for `year`, else the newest shipped year of the region, else
    None (no policy shipped for the region)."""
    years = sorted(int(i.split("-")[1]) for i in shipped_ids() if i.startswith(f"{region}-"))
    if not years:
        return None
    chosen = year if year in years else years[-1]
    return load_policy(f"{region}-{chosen}")


def filing_rules(region: str, year: int) -> FilingRules:
    """The `[filing]` rules of `region`'s policy for `year` (`region_policy`), else the
    defaults."""
    policy = region_policy(region, year)
    return DEFAULT_FILING if policy is None else policy.filing


def parse_type(value: str) -> FilingType | FilingRefused:
    """A filing type by its code (`long_term_resident`) or its zh-CN name (异地长期居住人员)."""
    text = value.strip()
    for kind in FilingType:
        if text in (kind.value, TYPE_NAMES[kind]):
            return kind
    choices = "、".join(f"{k.value}（{TYPE_NAMES[k]}）" for k in FilingType)
    return FilingRefused(FilingProblem.INVALID, f"备案类型 {value!r} 无效：应为 {choices} 之一")


def check_area(area: str) -> FilingRefused | None:
    """A care area is a six-digit GB/T 2260 code of a known province."""
    if not REGION_CODE.fullmatch(area) or area[:2] not in PROVINCES:
        return FilingRefused(FilingProblem.INVALID,
                             f"就医地 {area!r} 无效：应为 6 位行政区划代码（省、市或县级，"
                             "如 510000、510100、511602）")
    return None


def parse_day(value: str, field: str) -> date | FilingRefused:
    """A date written YYYY-MM-DD (ASCII digits, ten characters), or the refusal naming `field`."""
    try:
        if not DAY.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        return FilingRefused(FilingProblem.INVALID, f"{field} {value!r} 无效：应为 YYYY-MM-DD")


def parse_new_filing(filing_type: str, area: str, start: str, *, promise: bool = True,
                     materials: str = "") -> NewFiling | FilingRefused:
    """What a face was given, as a `NewFiling`, or the first field that is wrong."""
    kind = parse_type(filing_type)
    if isinstance(kind, FilingRefused):
        return kind
    day = parse_day(start, "开始日期")
    if isinstance(day, FilingRefused):
        return day
    new = NewFiling(kind, area, day, promise, materials.strip())
    return check_input(new) or new


def check_input(new: NewFiling) -> FilingRefused | None:
    """The checks of a filing's own fields the rules do not make: the care area, the length of
    the materials."""
    if len(new.materials) > MATERIALS_MAX:
        return FilingRefused(FilingProblem.INVALID, f"备案材料说明不得超过 {MATERIALS_MAX} 个字符")
    return check_area(new.care_area)


def new_filing_id(id_number: str, new: NewFiling, filed_on: date, earlier: int) -> str:
    """"F" and 20 hex digits from the filing and the number of the person's earlier filings
    (read under the person's lock: unique, and the same for the same history)."""
    text = "\x1f".join((id_number, new.filing_type.value, new.care_area, new.start.isoformat(),
                        filed_on.isoformat(), str(earlier)))
    return "F" + hashlib.sha256(text.encode()).hexdigest()[:20].upper()


def _refused(refusal: Refusal | Ineligible) -> FilingRefused:
    if isinstance(refusal, Ineligible):
        return FilingRefused(FilingProblem.NOT_INSURED, f"不能办理异地就医备案：{refusal.message}")
    return FilingRefused(refusal.reason.value, refusal.message)


def _not_found(psn_no: str) -> FilingRefused:
    return FilingRefused(FilingProblem.NOT_FOUND, f"没有参保人 {psn_no}（或不在管辖范围内）")


def _may(who: Principal | None, roles: frozenset[str], doing: str) -> FilingRefused | None:
    if who is not None and who.role not in roles:
        return FilingRefused(FilingProblem.FORBIDDEN, f"角色 {who.role} 无权{doing}异地就医备案")
    return None


def log_write(uow: UnitOfWork, actor: str, action: str, target: str, detail: dict[str, Any],
         region: str) -> None:
    uow.accounts.log(WriteEntry(datetime.now(UTC), actor[:80], action, target,
                                json.dumps(detail, ensure_ascii=False, sort_keys=True), region))


def _insured_region(uow: UnitOfWork, psn_no: str, start: date, who: Principal | None
                    ) -> str | FilingRefused:
    """Lock the person and find the region of the enrollment covering `start` (in `who`'s
    scope), or why there is none."""
    if not uow.filings.lock_person(psn_no):
        return _not_found(psn_no)
    enrollments = uow.registry.enrollments_of(psn_no)
    if who is not None and not any(who.sees(e.region) for e in enrollments):
        return _not_found(psn_no)
    covering = covering_enrollment(enrollments, start)
    if isinstance(covering, Ineligible):
        return _refused(covering)
    if who is not None and not who.sees(covering.region):
        return FilingRefused(FilingProblem.OUT_OF_SCOPE,
                             f"参保地 {covering.region} 不在您的管辖范围（{who.region}）内")
    return covering.region


#: The national interface's answer to what was written, kept under its msgid in the filing's
#: unit of work: the filing and the answer commit together (`AnsweredBefore` when the msgid was
#: answered meanwhile, and nothing is written).
Keep = Callable[["Filed"], Answer]


def file_offsite(psn_no: str, new: NewFiling, *, actor: str, channel: str,
                 who: Principal | None = None, today: date | None = None,
                 keep: Keep | None = None, store: Store | None = None
                 ) -> Filed | FilingRefused:
    """File `new` for the person `psn_no` (see the module doc); the filing, or why not."""
    assert channel in CHANNELS, channel
    refused = _may(who, WRITERS, "办理") or check_input(new)
    if refused is not None:
        return refused
    today = today or beijing_today()

    def work(uow: UnitOfWork) -> Filed | FilingRefused:
        region = _insured_region(uow, psn_no, new.start, who)
        if isinstance(region, FilingRefused):
            return region
        existing = uow.filings.of_person(psn_no)
        end = check_filing(new, region, existing, today, filing_rules(region, new.start.year))
        if isinstance(end, Refusal):
            return _refused(end)
        filing = Filing(new_filing_id(psn_no, new, today, len(existing)), psn_no, region,
                        new.filing_type, new.care_area, new.start, end, today, new.promise,
                        new.materials)
        uow.filings.add(filing, channel=channel, filed_by=actor[:64])
        log_write(uow, actor, "offsite.file", filing.filing_id,
             {"psn_no": psn_no, "filing_type": new.filing_type.value, "care_area": new.care_area,
              "start": new.start.isoformat(), "end": None if end is None else end.isoformat(),
              "promise": new.promise, "channel": channel}, region)
        filed = Filed(filing, status_on(filing, today), channel, actor[:64])
        if keep is not None:
            keep_in(uow, keep(filed))
        uow.commit()
        return filed

    return (store or default_store()).transaction(work)


def revoke_offsite(filing_id: str, *, actor: str, who: Principal | None = None,
                   by_institution: str | None = None, today: date | None = None,
                   keep: Keep | None = None, store: Store | None = None
                   ) -> Filed | FilingRefused:
    """Revoke a filing from `today` (it no longer holds that day); once only, and a long-term
    filing not before the policy's minimum. `by_institution`: only a filing that institution
    made through the interface."""
    forbidden = _may(who, WRITERS, "撤销")
    if forbidden is not None:
        return forbidden
    today = today or beijing_today()
    missing = FilingRefused(FilingProblem.NOT_FOUND, f"没有备案 {filing_id}（或不在管辖范围内）")

    def work(uow: UnitOfWork) -> Filed | FilingRefused:
        found = uow.filings.get(filing_id)
        if found is None or (who is not None and not who.sees(found.insured_region)):
            return missing
        origin = uow.filings.origin(filing_id)
        if by_institution is not None and (
                origin is None or origin[0] != "interface"
                or origin[1].split("/")[0] != by_institution):
            return FilingRefused("other_institution",
                                 f"备案 {filing_id} 不是本机构办理的，不能由本机构撤销")
        uow.filings.lock_person(found.id_number)
        found = uow.filings.get(filing_id)
        assert found is not None, "a filing is never deleted"
        refusal = check_revocation(found, today,
                                   filing_rules(found.insured_region, found.start.year))
        if refusal is not None:
            return _refused(refusal)
        revoked = uow.filings.revoke(filing_id, today, actor[:64])
        assert revoked, "revoked under the person's lock after reading it unrevoked"
        log_write(uow, actor, "offsite.revoke", filing_id,
             {"psn_no": found.id_number, "revoked_on": today.isoformat()}, found.insured_region)
        done = replace(found, revoked_on=today)
        filed = Filed(done, status_on(done, today), *(origin or ("", "")))
        if keep is not None:
            keep_in(uow, keep(filed))
        uow.commit()
        return filed

    return (store or default_store()).transaction(work)


def filings_of(psn_no: str, *, who: Principal | None = None, today: date | None = None,
               store: Store | None = None) -> list[Filed] | FilingRefused:
    """The person's filings (revoked and expired ones too), oldest first, with their status;
    a user sees those of the insured regions in their scope."""
    forbidden = _may(who, READERS, "查看")
    if forbidden is not None:
        return forbidden
    today = today or beijing_today()
    with (store or default_store()).unit_of_work(read_only=True) as uow:
        person = uow.registry.person(psn_no)
        if person is None:
            return _not_found(psn_no)
        enrollments = uow.registry.enrollments_of(psn_no) if who is not None else []
        found = uow.filings.of_person(psn_no)
        origins = uow.filings.origins([f.filing_id for f in found])
    if who is not None and not (who.sees(person.region) or any(who.sees(e.region)
                                                                for e in enrollments)):
        return _not_found(psn_no)
    return [Filed(f, status_on(f, today), *origins.get(f.filing_id, ("", "")))
            for f in found if who is None or who.sees(f.insured_region)]


def page_of(items: Sequence[Filed], limit: int, offset: int) -> tuple[int, list[Filed]]:
    """One page of a person's filings (they are few: paged in memory)."""
    return len(items), list(items[offset:offset + limit])
