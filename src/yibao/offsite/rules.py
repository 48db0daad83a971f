"""The rules of filing (备案) and of settling care outside the insured region.

`check_filing` decides whether a new filing is accepted and until when it holds;
`check_revocation` whether a filing may be revoked; `derive_offsite` the `offsite` value of
SETTLEMENT.md a visit is settled with, from the person's filings, the insured region and the
care region — never from what the institution sends. Refusals come back as values, their
reasons in the precedence order of `FilingRefusal`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Final

from yibao.offsite.model import (
    CATEGORY_NAMES,
    Category,
    Filing,
    FilingType,
    area_level,
    covers,
)
from yibao.policy.filing import FilingRules


class FilingRefusal(StrEnum):
    """Why a filing or a revocation is refused, in precedence order."""

    LOCAL_AREA = "local_area"
    RETRO_NOT_ALLOWED = "retro_not_allowed"
    RETRO_TOO_LATE = "retro_too_late"
    MATERIALS_REQUIRED = "materials_required"
    OVERLAP = "overlap"
    ALREADY_REVOKED = "already_revoked"
    TOO_SOON = "too_soon"


@dataclass(frozen=True, slots=True)
class Refusal:
    reason: FilingRefusal
    message: str


@dataclass(frozen=True, slots=True)
class NewFiling:
    """What a person (or a handler, or an institution for them) asks to file."""

    filing_type: FilingType
    care_area: str
    start: date
    promise: bool = True
    materials: str = ""


def _day(d: date | None) -> str:
    return "长期有效" if d is None else d.isoformat()


def _end(new: NewFiling, rules: FilingRules) -> date | None:
    if new.filing_type.category is Category.LONG_TERM:
        return None
    return new.start + timedelta(days=rules.temporary_days - 1)


def _overlaps(a_start: date, a_end: date | None, b: Filing) -> bool:
    b_end = b.end
    if b.revoked_on is not None:
        last = b.revoked_on - timedelta(days=1)
        b_end = last if b_end is None else min(b_end, last)
    if b_end is not None and b_end < b.start:
        return False  # revoked before it began
    return (b_end is None or a_start <= b_end) and (a_end is None or b.start <= a_end)


def check_filing(new: NewFiling, insured_region: str, existing: Iterable[Filing], today: date,
                 rules: FilingRules) -> date | Refusal | None:
    """The last day the new filing holds (None: until revoked), or why it is refused.

    The care area may be wider than the insured region (a Linshui person files for all of
    Guang'an city, 511600, or all of Sichuan: care in any *other* region of it is offsite, each
    county being its own coordinating region), but not the insured region or a part of it.
    Only an emergency (异地急诊抢救) may start before `today` (补办备案), at most
    `rules.retro_days` days before; a filing on paper (not by promise, 承诺制) needs materials;
    a person holds at most one filing of a category at a time."""
    if covers(insured_region, new.care_area):
        return Refusal(FilingRefusal.LOCAL_AREA,
                       f"就医地 {new.care_area} 属于参保地 {insured_region}，本地就医无需备案")
    if new.start < today:
        if new.filing_type is not FilingType.EMERGENCY:
            return Refusal(FilingRefusal.RETRO_NOT_ALLOWED,
                           f"开始日期 {new.start.isoformat()} 早于今天；"
                           "只有异地急诊抢救可以补办备案")
        if (today - new.start).days > rules.retro_days:
            return Refusal(FilingRefusal.RETRO_TOO_LATE,
                           f"急诊抢救补办备案须在就医后 {rules.retro_days} 天内办理，"
                           f"{new.start.isoformat()} 已超过期限")
    if not new.promise and not new.materials.strip():
        return Refusal(FilingRefusal.MATERIALS_REQUIRED,
                       "未选择承诺制（告知承诺）时须提交备案材料")
    end = _end(new, rules)
    for other in existing:
        if other.category is new.filing_type.category and _overlaps(new.start, end, other):
            kind = CATEGORY_NAMES[other.category]
            return Refusal(FilingRefusal.OVERLAP,
                           f"已有{kind}备案 {other.filing_id}（就医地 {other.care_area}，"
                           f"{other.start.isoformat()} 至 {_day(other.end)}），"
                           "同类备案不能重叠，请先撤销原备案")
    return end


def check_revocation(filing: Filing, today: date, rules: FilingRules) -> Refusal | None:
    """Whether `filing` may be revoked from `today`: once only, and a long-term filing not
    before `rules.long_term_min_days` days have passed since it began (a change is a
    revocation and a new filing)."""
    if filing.revoked_on is not None:
        return Refusal(FilingRefusal.ALREADY_REVOKED,
                       f"备案 {filing.filing_id} 已于 {filing.revoked_on.isoformat()} 撤销")
    if filing.category is Category.LONG_TERM and today >= filing.start:
        earliest = filing.start + timedelta(days=rules.long_term_min_days)
        if today < earliest:
            return Refusal(FilingRefusal.TOO_SOON,
                           f"异地长期居住备案自 {filing.start.isoformat()} 起须满 "
                           f"{rules.long_term_min_days} 天方可变更或撤销，"
                           f"最早 {earliest.isoformat()}")
    return None


#: Which filing a visit is settled under when several hold: the long-term one first, then a
#: referral or emergency, then another temporary trip; a narrower care area before a wider one.
_PREFERENCE: Final = {FilingType.RESETTLED_RETIREE: 0, FilingType.LONG_TERM_RESIDENT: 0,
                      FilingType.RESIDENT_WORKER: 0, FilingType.REFERRAL: 1,
                      FilingType.EMERGENCY: 1, FilingType.OTHER_TEMPORARY: 2}
_NARROW: Final = {"county": 0, "city": 1, "province": 2}


@dataclass(frozen=True, slots=True)
class Derived:
    """How a visit is settled: `offsite` (SETTLEMENT.md §1), the filing it rests on, and
    whether it is an emergency settled before its filing (补办备案 due)."""

    offsite: str
    filing_id: str | None = None
    retro_due: bool = False


def derive_offsite(filings: Sequence[Filing], insured_region: str, care_region: str, on: date,
                   *, emergency: bool = False) -> Derived:
    """The `offsite` value of a visit on day `on` at an institution of `care_region`.

    Local when the care region is the insured region; else the best filing in force on `on`
    whose care area contains the care region; else an emergency is settled as one (急诊,
    `referral`) with its filing due afterwards; else `unfiled`."""
    if care_region == insured_region:
        return Derived("local")
    held = [f for f in filings
            if f.insured_region == insured_region and f.holds_on(on)
            and covers(f.care_area, care_region)]
    if held:
        best = min(held, key=lambda f: (_PREFERENCE[f.filing_type],
                                        _NARROW[area_level(f.care_area)], f.start, f.filing_id))
        return Derived(best.filing_type.offsite, best.filing_id)
    if emergency:
        return Derived(FilingType.EMERGENCY.offsite, None, retro_due=True)
    return Derived("unfiled")
