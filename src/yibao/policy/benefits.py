"""Benefits beyond the basic bill (SETTLEMENT.md §5): the `[opsp]`, `[maternity]` and `[cmi]`
sections of a policy file, as frozen values.

- `[opsp]` 门诊慢特病: disease groups (门特 sharing the pooling fund's annual maximum, 两病 with
  an own limit per disease) and the disease list with ICD-10 codes, 认定标准 and the validity of a
  certification; `long_rx_days` flags 长期处方 (国卫办医发〔2021〕17号: at most 12 weeks [K]).
- `[maternity.employee]`, `[maternity.resident]` 生育: prenatal care (产前检查) with a yearly cap,
  delivery by 生育类别 (`matn_type`) with a ratio and a cap (a lump sum is ratio 1 with cap = the
  sum), and for employees the days of 生育津贴 (社会保险法 第56条 [K]).
- `[cmi.products.<id>]` 惠民保: a commercial product settled in the one bill.

This module only reads and checks; the settlement engine applies the sections in a later step.
Errors name the file, the key and the line (`Reader.fail`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from yibao.policy.model import Benefit

if TYPE_CHECKING:
    from yibao.policy.loader import Reader

#: 长期处方 covers at most 12 weeks (国卫办医发〔2021〕17号 [K]); flagged above 4 weeks by default.
MAX_RX_DAYS: Final = 84
DEFAULT_LONG_RX_DAYS: Final = 28
MAX_CERT_MONTHS: Final = 120
DEFAULT_CERT_MONTHS: Final = 24
MAX_ALLOWANCE_DAYS: Final = 365
#: The visit kinds a commercial product may cover: 11 普通门诊, 14 门诊慢特病, 21 住院, 51/52 生育.
CMI_MED_TYPES: Final = ("11", "14", "21", "51", "52")
CMI_ID: Final = re.compile(r"[A-Za-z0-9_-]{1,20}", re.ASCII)
#: A category (`I10`), a subcategory (`Z94.0`) or a 医保版 prefix (`I10.x00`, `E11.900x001`).
ICD10_PREFIX: Final = re.compile(r"[A-Z]\d{2}(?:\.[\dx]{1,3}(?:x\d{3})?)?", re.ASCII)


@dataclass(frozen=True, slots=True)
class OpspGroup:
    """A group of 门诊慢特病 diseases with its benefit per scheme (None: not covered there)."""

    name: str
    shared_cap: bool = False
    resident: Benefit | None = None
    employee: Benefit | None = None


@dataclass(frozen=True, slots=True)
class OpspDisease:
    """One disease of the list: its group, ICD-10 codes or ranges, 认定标准 and validity."""

    code: str
    name: str
    group: str
    icd10: tuple[str, ...]
    criteria: str = ""
    cert_months: int = DEFAULT_CERT_MONTHS

    def covers(self, diagnosis: str) -> bool:
        """Whether an ICD-10 diagnosis (`I10.x09`) falls under one of the codes or ranges."""
        for entry in self.icd10:
            low, _, high = entry.partition("-")
            high = high or low
            if diagnosis[: len(low)] >= low and diagnosis[: len(high)] <= high:
                return True
        return False


@dataclass(frozen=True, slots=True)
class Opsp:
    """The `[opsp]` section: 长期处方 flag, groups and diseases (in file order)."""

    long_rx_days: int = DEFAULT_LONG_RX_DAYS
    groups: tuple[tuple[str, OpspGroup], ...] = ()
    diseases: tuple[OpspDisease, ...] = ()

    def disease(self, code: str) -> OpspDisease | None:
        return next((d for d in self.diseases if d.code == code), None)

    def group(self, key: str) -> OpspGroup | None:
        return dict(self.groups).get(key)


@dataclass(frozen=True, slots=True)
class Capped:
    """A ratio and a cap: prenatal care (yearly cap) or one delivery type (cap per delivery)."""

    ratio: Decimal
    cap: Decimal


@dataclass(frozen=True, slots=True)
class MaternityScheme:
    """`[maternity.<scheme>]`: what the fund pays for prenatal care and delivery."""

    prenatal: Capped | None = None
    delivery: tuple[tuple[str, Capped], ...] = ()
    extra_fetus: Decimal = Decimal(0)
    allowance_days: tuple[tuple[str, int], ...] = ()
    extra_fetus_days: int = 0


@dataclass(frozen=True, slots=True)
class Maternity:
    """The `[maternity]` section (None: that scheme has no maternity benefit)."""

    employee: MaternityScheme | None = None
    resident: MaternityScheme | None = None


@dataclass(frozen=True, slots=True)
class CmiProduct:
    """A 惠民保 product: one yearly deductible, in- and out-of-catalogue ratios, a yearly cap."""

    id: str
    name: str
    deductible: Decimal
    in_ratio: Decimal
    annual_cap: Decimal
    out_ratio: Decimal = Decimal(0)
    med_types: tuple[str, ...] = ("21",)
    insurer: str = ""


def _group(reader: Reader, raw: object, path: tuple[str, ...]) -> OpspGroup:
    table = reader.table(raw, path)
    reader.keys(table, path, set(), {"name", "shared_cap", "resident", "employee"})
    if "resident" not in table and "employee" not in table:
        raise reader.fail((*path, "resident"), "至少要有 resident 或 employee 之一的待遇表")
    return OpspGroup(
        name=reader.string(table["name"], (*path, "name")) if "name" in table else path[-1],
        shared_cap=reader.flag(table.get("shared_cap", False), (*path, "shared_cap")),
        **{scheme: reader.benefit(table[scheme], (*path, scheme), scheme == "employee")
           for scheme in ("resident", "employee") if scheme in table},
    )


def _icd10(reader: Reader, raw: object, path: tuple[str, ...]) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw:
        raise reader.fail(path, "应为非空的 ICD-10 编码或范围列表，如 [\"I10\", \"E10-E14\"]")
    for index, entry in enumerate(raw):
        where = (*path, str(index))
        parts = entry.split("-") if isinstance(entry, str) else []
        if not 1 <= len(parts) <= 2 or not all(ICD10_PREFIX.fullmatch(p) for p in parts):
            raise reader.fail(where, f"ICD-10 编码或范围格式不正确：{entry!r}"
                              "（应形如 I10、Z94.0、I10.x00 或 E10-E14）")
        if len(parts) == 2 and parts[0] > parts[1]:
            raise reader.fail(where, f"ICD-10 范围的起点大于终点：{entry!r}")
    return tuple(raw)


def _disease(reader: Reader, raw: object, path: tuple[str, ...],
             groups: Mapping[str, OpspGroup]) -> OpspDisease:
    code = path[-1]
    if not 1 <= len(code) <= 30:
        raise reader.fail(path, "病种编码应为 1–30 个字符")
    table = reader.table(raw, path)
    reader.keys(table, path, {"name", "group", "icd10"}, {"criteria", "cert_months"})
    group = table["group"]
    if not isinstance(group, str) or group not in groups:
        known = "、".join(groups) or "（无）"
        raise reader.fail((*path, "group"),
                          f"没有这个病种分组：{group!r}（[opsp.groups] 有：{known}）")
    return OpspDisease(
        code=code,
        name=reader.string(table["name"], (*path, "name")),
        group=group,
        icd10=_icd10(reader, table["icd10"], (*path, "icd10")),
        criteria=(reader.string(table["criteria"], (*path, "criteria"))
                  if "criteria" in table else ""),
        cert_months=reader.whole(table.get("cert_months", DEFAULT_CERT_MONTHS),
                           (*path, "cert_months"), 1, MAX_CERT_MONTHS),
    )


def parse_opsp(reader: Reader, raw: Mapping[str, Any]) -> Opsp:
    """Validate `[opsp]`: groups first, then diseases, each naming a group that exists."""
    path = ("opsp",)
    reader.keys(raw, path, set(), {"long_rx_days", "groups", "diseases"})
    long_rx = reader.whole(raw.get("long_rx_days", DEFAULT_LONG_RX_DAYS),
                     (*path, "long_rx_days"), 1, MAX_RX_DAYS)
    group_table = reader.table(raw.get("groups", {}), (*path, "groups"))
    groups = {key: _group(reader, item, (*path, "groups", key))
              for key, item in group_table.items()}
    disease_table = reader.table(raw.get("diseases", {}), (*path, "diseases"))
    diseases = tuple(_disease(reader, item, (*path, "diseases", code), groups)
                     for code, item in disease_table.items())
    return Opsp(long_rx_days=long_rx, groups=tuple(groups.items()), diseases=diseases)


def _capped(reader: Reader, raw: object, path: tuple[str, ...], cap_key: str) -> Capped:
    table = reader.table(raw, path)
    reader.keys(table, path, {"ratio", cap_key}, set())
    return Capped(ratio=reader.number(table["ratio"], (*path, "ratio"), "ratio"),
                  cap=reader.number(table[cap_key], (*path, cap_key), "amount"))


def _matn_type(reader: Reader, key: str, path: tuple[str, ...]) -> str:
    if not 1 <= len(key) <= 6:
        raise reader.fail(path, "生育类别（matn_type）应为 1–6 个字符")
    return key


def _maternity_scheme(reader: Reader, raw: object, scheme: str) -> MaternityScheme:
    path = ("maternity", scheme)
    table = reader.table(raw, path)
    optional = {"prenatal", "delivery", "extra_fetus"}
    if scheme == "employee":
        optional |= {"allowance_days", "extra_fetus_days"}
    reader.keys(table, path, set(), optional)
    delivery = reader.table(table.get("delivery", {}), (*path, "delivery"))
    days = reader.table(table.get("allowance_days", {}), (*path, "allowance_days"))
    return MaternityScheme(
        prenatal=(_capped(reader, table["prenatal"], (*path, "prenatal"), "annual_cap")
                  if "prenatal" in table else None),
        delivery=tuple(
            (_matn_type(reader, key, (*path, "delivery", key)),
             _capped(reader, item, (*path, "delivery", key), "cap"))
            for key, item in delivery.items()),
        extra_fetus=reader.number(table.get("extra_fetus", "0"), (*path, "extra_fetus"), "amount"),
        allowance_days=tuple(
            (_matn_type(reader, key, (*path, "allowance_days", key)),
             reader.whole(item, (*path, "allowance_days", key), 0, MAX_ALLOWANCE_DAYS))
            for key, item in days.items()),
        extra_fetus_days=reader.whole(table.get("extra_fetus_days", 0),
                                (*path, "extra_fetus_days"), 0, MAX_ALLOWANCE_DAYS),
    )


def parse_maternity(reader: Reader, raw: Mapping[str, Any]) -> Maternity:
    """Validate `[maternity]`: an `employee` and/or a `resident` table, every key optional."""
    reader.keys(raw, ("maternity",), set(), {"employee", "resident"})
    return Maternity(**{scheme: _maternity_scheme(reader, raw[scheme], scheme)
                        for scheme in ("employee", "resident") if scheme in raw})


def _med_types(reader: Reader, raw: object, path: tuple[str, ...]) -> tuple[str, ...]:
    allowed = "、".join(CMI_MED_TYPES)
    if not isinstance(raw, list) or not raw:
        raise reader.fail(path, f"应为非空的医疗类别列表，取值于 {allowed}")
    for value in raw:
        if value not in CMI_MED_TYPES:
            raise reader.fail(path, f"医疗类别 {value!r} 不在 {allowed} 之中")
    if len(set(raw)) != len(raw):
        raise reader.fail(path, "医疗类别不得重复")
    return tuple(raw)


def _product(reader: Reader, raw: object, path: tuple[str, ...]) -> CmiProduct:
    if not CMI_ID.fullmatch(path[-1]):
        raise reader.fail(path, "产品编号应为 1–20 个字母、数字、下划线或连字符")
    table = reader.table(raw, path)
    reader.keys(table, path, {"name", "deductible", "in_ratio", "annual_cap"},
                {"insurer", "out_ratio", "med_types"})
    return CmiProduct(
        id=path[-1],
        name=reader.string(table["name"], (*path, "name")),
        insurer=reader.string(table["insurer"], (*path, "insurer")) if "insurer" in table else "",
        deductible=reader.number(table["deductible"], (*path, "deductible"), "amount"),
        in_ratio=reader.number(table["in_ratio"], (*path, "in_ratio"), "ratio"),
        out_ratio=reader.number(table.get("out_ratio", "0"), (*path, "out_ratio"), "ratio"),
        annual_cap=reader.number(table["annual_cap"], (*path, "annual_cap"), "amount"),
        med_types=_med_types(reader, table.get("med_types", ["21"]), (*path, "med_types")),
    )


def parse_cmi(reader: Reader, raw: Mapping[str, Any]) -> tuple[CmiProduct, ...]:
    """Validate `[cmi]`: its `products` table, one product per id."""
    reader.keys(raw, ("cmi",), set(), {"products"})
    products = reader.table(raw.get("products", {}), ("cmi", "products"))
    return tuple(_product(reader, item, ("cmi", "products", key))
                 for key, item in products.items())
