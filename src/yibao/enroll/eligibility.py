"""Who may be settled (待遇享受资格): the enrollment that covers a visit, or why none does.

Reasons are checked, and reported, in the order of `Ineligible`: a person never enrolled up to
the visit year; enrolled that year, but in another region than the one asked for; not enrolled
that year or enrollment lapsed (断保/停保); still in the waiting period (待遇等待期).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from yibao.enroll.model import SCHEME_NAMES, Enrollment, EnrollStatus


class Ineligible(StrEnum):
    """Why a visit is not covered, in precedence order."""

    NOT_ENROLLED = "not_enrolled"
    OTHER_REGION = "other_region"
    LAPSED = "lapsed"
    WAITING_PERIOD = "waiting_period"


@dataclass(frozen=True, slots=True)
class Refusal:
    reason: Ineligible
    message: str


def covering_enrollment(
    enrollments: Sequence[Enrollment], on: date, region: str | None = None
) -> Enrollment | Refusal:
    """The active enrollment that pays for a visit settled on day `on`, or a refusal.

    `region` is the insured region the request names (参保地), or None to accept any.
    """
    known = [e for e in enrollments if e.year <= on.year]
    if not known:
        return Refusal(Ineligible.NOT_ENROLLED, f"{on.year} 年度及以前无参保记录")
    active = next((e for e in known
                   if e.year == on.year and e.status is EnrollStatus.ACTIVE), None)
    if active is not None and region is not None and active.region != region:
        return Refusal(Ineligible.OTHER_REGION,
                       f"参保地为 {active.region}，不是请求的 {region}，请按异地就医办理")
    if active is None:
        last = max(known, key=lambda e: (e.year, e.start_date))
        state = "已停保" if last.status is EnrollStatus.LAPSED else "未续保"
        return Refusal(Ineligible.LAPSED,
                       f"{on.year} 年度无有效参保（最近一次：{last.region} "
                       f"{SCHEME_NAMES[last.scheme]} {last.year} 年度，{state}）")
    if on < active.start_date:
        start = active.start_date.isoformat()
        return Refusal(Ineligible.NOT_ENROLLED,
                       f"就诊日期 {on.isoformat()} 早于参保开始日期 {start}")
    if on < active.benefit_start:
        return Refusal(Ineligible.WAITING_PERIOD,
                       f"待遇等待期 {active.waiting_months} 个月，"
                       f"{active.benefit_start.isoformat()} 起享受待遇")
    return active
