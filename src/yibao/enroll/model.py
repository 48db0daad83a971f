"""Registry values (参保登记): persons, employers, institutions and enrollments, frozen.

A person is known by the resident identity number (居民身份证号码). An enrollment (参保) is one
person in one basic scheme — `310` employee (职工医保) or `390` resident (城乡居民医保) — of one
region (统筹区) for one year. At most one enrollment per person and year is `active`: a second
basic scheme or a second region in the same year is a duplicate (重复参保) and is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Final

from yibao.core.labels import INSUTYPE

SCHEMES: Final = ("310", "390")
PSN_TYPES: Final = {"310": ("in_service", "retired"), "390": ("resident",)}
SCHEME_NAMES: Final = INSUTYPE  # 险种 names, shared with the faces (yibao.core.labels)


class EnrollStatus(StrEnum):
    """`active` 参保中; `lapsed` 停保/断保; `transferred` 已转出 (转移接续 to another region)."""

    ACTIVE = "active"
    LAPSED = "lapsed"
    TRANSFERRED = "transferred"


class EnrollAction(StrEnum):
    """What an import row asks: a new enrollment, or a transfer from another region (转移接续)."""

    ENROLL = "enroll"
    TRANSFER = "transfer"


@dataclass(frozen=True, slots=True)
class PersonRecord:
    """A person of the registry; `region` is where the household lives (户籍/居住地区划)."""

    id_number: str
    name: str
    birth_date: date
    sex: str
    region: str
    household_id: str | None = None
    groups: frozenset[str] = frozenset()
    civil_servant: bool = False


@dataclass(frozen=True, slots=True)
class Employer:
    """参保单位: code (统一社会信用代码 or local code), name, region."""

    code: str
    name: str
    region: str


@dataclass(frozen=True, slots=True)
class Institution:
    """定点医药机构 as the settlement service needs it: its level (医院等级) and region."""

    code: str
    name: str
    level: str
    region: str


@dataclass(frozen=True, slots=True)
class Enrollment:
    """One person in one scheme, region and year.

    `benefit_start` is the first day benefits are paid: `start_date` plus the waiting period
    (待遇等待期). `contribution_years` counts the years contributed before this one, anywhere: a
    transfer carries them (转移接续). `wage_base` is the monthly contribution base (缴费基数) of
    an employee in service.
    """

    id_number: str
    scheme: str
    region: str
    year: int
    psn_type: str
    start_date: date
    benefit_start: date
    waiting_months: int = 0
    status: EnrollStatus = EnrollStatus.ACTIVE
    employer_code: str | None = None
    wage_base: Decimal | None = None
    contribution_years: int = 0

    @property
    def covered(self) -> bool:
        """Whether the year counts as insured (参保) for continuity: not when it lapsed."""
        return self.status is not EnrollStatus.LAPSED
