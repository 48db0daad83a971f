"""Cross-region care (异地就医): filing types, filings and care areas, as frozen values.

The national people types (医保发〔2022〕22号 Art. 7; facts/policy.md §9): 异地长期居住人员 —
异地安置退休人员, 异地长期居住人员, 常驻异地工作人员 — whose filing holds until revoked, and
临时外出就医人员 — 异地转诊人员, 异地急诊抢救人员, 其他临时外出就医人员 — whose filing holds for a
period the insured region's policy sets (`[filing]`, `yibao.policy.filing`).

A filing names a care area (就医地) by a GB/T 2260 code at one of three levels: a province
(`510000`, any region of Sichuan), a city (`510100`, any region of Chengdu) or a county-level
region (`511602`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Final

from yibao.core.codes import same_province as same_province  # one rule, in core


class Category(StrEnum):
    LONG_TERM = "long_term"  # 异地长期居住
    TEMPORARY = "temporary"  # 临时外出就医


class FilingType(StrEnum):
    """The six national filing types."""

    RESETTLED_RETIREE = "resettled_retiree"  # 异地安置退休人员
    LONG_TERM_RESIDENT = "long_term_resident"  # 异地长期居住人员
    RESIDENT_WORKER = "resident_worker"  # 常驻异地工作人员
    REFERRAL = "referral"  # 异地转诊人员
    EMERGENCY = "emergency"  # 异地急诊抢救人员
    OTHER_TEMPORARY = "other_temporary"  # 其他临时外出就医人员

    @property
    def category(self) -> Category:
        return Category.LONG_TERM if self in LONG_TERM else Category.TEMPORARY

    @property
    def label(self) -> str:
        return TYPE_NAMES[self]

    @property
    def offsite(self) -> str:
        """The `offsite` value of SETTLEMENT.md a visit under this filing is settled with."""
        if self in LONG_TERM:
            return "filed"
        return "referral" if self in (FilingType.REFERRAL, FilingType.EMERGENCY) else "temporary"


LONG_TERM: Final = frozenset({FilingType.RESETTLED_RETIREE, FilingType.LONG_TERM_RESIDENT,
                              FilingType.RESIDENT_WORKER})
TYPE_NAMES: Final = {
    FilingType.RESETTLED_RETIREE: "异地安置退休人员",
    FilingType.LONG_TERM_RESIDENT: "异地长期居住人员",
    FilingType.RESIDENT_WORKER: "常驻异地工作人员",
    FilingType.REFERRAL: "异地转诊人员",
    FilingType.EMERGENCY: "异地急诊抢救人员",
    FilingType.OTHER_TEMPORARY: "其他临时外出就医人员",
}
CATEGORY_NAMES: Final = {Category.LONG_TERM: "异地长期居住", Category.TEMPORARY: "临时外出就医"}


def area_level(area: str) -> str:
    """`province`, `city` or `county`: the level a six-digit care-area code names."""
    if area[2:] == "0000":
        return "province"
    return "city" if area[4:] == "00" else "county"


def covers(area: str, region: str) -> bool:
    """Whether the care area `area` (province, city or county code) contains `region`."""
    level = area_level(area)
    if level == "province":
        return region[:2] == area[:2]
    if level == "city":
        return region[:4] == area[:4]
    return region == area


@dataclass(frozen=True, slots=True)
class Filing:
    """One filing (备案) of a person insured in `insured_region` for care in `care_area`.

    `end` is the last day it holds (None: until revoked); `revoked_on` the day from which it no
    longer holds; `promise` the 承诺制 (filed on the person's written promise, materials
    optional); `filed_on` the day it was made (a 补办备案 has `start` before it)."""

    filing_id: str
    id_number: str
    insured_region: str
    filing_type: FilingType
    care_area: str
    start: date
    end: date | None
    filed_on: date
    promise: bool = True
    materials: str = ""
    revoked_on: date | None = None

    @property
    def category(self) -> Category:
        return self.filing_type.category

    def holds_on(self, day: date) -> bool:
        """In force on `day`: started, not ended and not revoked."""
        if day < self.start or (self.end is not None and day > self.end):
            return False
        return self.revoked_on is None or day < self.revoked_on

    @property
    def retro(self) -> bool:
        """补办备案: filed after the care it covers began."""
        return self.start < self.filed_on
