"""Designated institutions (定点医药机构): code, name, level, kind and insurance region."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final, Literal

from yibao.catalog.items import HospLevel
from yibao.core.checks import invariant

InstitutionKind = Literal["hospital", "pharmacy", "clinic"]

INSTITUTION_KINDS: Final[tuple[InstitutionKind, ...]] = ("hospital", "pharmacy", "clinic")


@dataclass(frozen=True, slots=True)
class Institution:
    """One designated institution; `region` is its 医保区划 (admdvs)."""

    fixmedins_code: str
    name: str
    hosp_lv: HospLevel
    kind: InstitutionKind
    region: str


@dataclass(frozen=True, slots=True)
class InstitutionRegistry:
    """An immutable set of institutions looked up by code."""

    institutions: tuple[Institution, ...]
    _by_code: Mapping[str, Institution] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_code = {inst.fixmedins_code: inst for inst in self.institutions}
        invariant(len(by_code) == len(self.institutions), "institution codes must be unique")
        object.__setattr__(self, "_by_code", MappingProxyType(by_code))

    @classmethod
    def of(cls, institutions: Iterable[Institution]) -> InstitutionRegistry:
        return cls(tuple(institutions))

    def get(self, fixmedins_code: str) -> Institution | None:
        return self._by_code.get(fixmedins_code)

    def __contains__(self, fixmedins_code: object) -> bool:
        return fixmedins_code in self._by_code

    def __len__(self) -> int:
        return len(self.institutions)

    def __iter__(self) -> Iterator[Institution]:
        return iter(self.institutions)
