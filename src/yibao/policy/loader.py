"""Read a policy TOML file (docs/settlement.md §5) into a frozen `Policy`, validating every key.

Errors name the file, the key and the line: an unknown section or key, a missing required key, a
ratio outside [0, 1], a negative amount, more decimals than allowed, tiers out of order.
Shipped policies live in `policies/<region>-<year>.toml` beside this module. A file may name a
shipped `template` in its `[policy]` section and hold only its overrides (`_with_template`).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

from yibao.core.money import DecimalError, parse_amount, parse_decimal, parse_ratio
from yibao.policy.assist import AssistanceApply, parse_apply, parse_monitoring
from yibao.policy.benefits import parse_cmi, parse_maternity, parse_opsp
from yibao.policy.contributions import parse_contributions
from yibao.policy.filing import DEFAULT_FILING, parse_filing
from yibao.policy.fund import parse_fund
from yibao.policy.model import (
    GROUPS,
    LEVELS,
    OFFSITE_KINDS,
    Assistance,
    Benefit,
    ByLevel,
    CappedFund,
    Offsite,
    Policy,
    Scheme,
    SeriousIllness,
    Tier,
    Tilt,
)

SHIPPED_DIR: Final = Path(__file__).parent / "policies"
POLICY_ID: Final = re.compile(r"^\d{6}-\d{4}$")


class PolicyError(ValueError):
    """A policy file that cannot be used, with where and why (zh-CN message)."""

    def __init__(self, file: str, key: str, line: int | None, message: str) -> None:
        self.file, self.key, self.line, self.message = file, key, line, message
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {key}: {message}")


class Reader:
    """Reads typed values out of the parsed TOML, raising errors that point at the source."""

    def __init__(self, file: str, text: str) -> None:
        self.file, self.text = file, text

    def fail(self, path: tuple[str, ...], message: str) -> PolicyError:
        return PolicyError(self.file, ".".join(path), find_line(self.text, path), message)

    def table(self, raw: object, path: tuple[str, ...]) -> Mapping[str, Any]:
        if not isinstance(raw, Mapping):
            raise self.fail(path, "应为表（table）")
        return raw

    def keys(
        self, raw: Mapping[str, Any], path: tuple[str, ...], required: set[str], optional: set[str]
    ) -> None:
        for key in raw:
            if key not in required | optional:
                raise self.fail((*path, key), "未知的键")
        for key in sorted(required):
            if key not in raw:
                raise self.fail((*path, key), "缺少必需的键")

    def number(self, raw: object, path: tuple[str, ...], kind: str) -> Decimal:
        try:
            if kind == "amount":
                return parse_amount(raw)
            if kind == "ratio":
                return parse_ratio(raw)
            if kind == "delta":  # offsite ratio deltas lie in [-1, 0]
                return parse_decimal(raw, places=4, minimum=Decimal(-1), maximum=Decimal(0))
            return parse_decimal(raw, places=4)  # a factor ≥ 0
        except DecimalError as err:
            raise self.fail(path, err.message) from None

    def by_level(self, raw: object, path: tuple[str, ...], kind: str) -> ByLevel:
        table = self.table(raw, path)
        self.keys(table, path, set(LEVELS), set())
        values = [self.number(table[lv], (*path, lv), kind) for lv in LEVELS]
        return ByLevel(*values)

    def flag(self, raw: object, path: tuple[str, ...]) -> bool:
        if not isinstance(raw, bool):
            raise self.fail(path, "应为 true 或 false")
        return raw

    def whole(self, raw: object, path: tuple[str, ...], low: int, high: int) -> int:
        if not isinstance(raw, int) or isinstance(raw, bool) or not low <= raw <= high:
            raise self.fail(path, f"应为 {low}–{high} 之间的整数")
        return raw

    def string(self, raw: object, path: tuple[str, ...]) -> str:
        if not isinstance(raw, str) or not raw.strip():
            raise self.fail(path, "应为非空字符串")
        return raw

    def benefit(self, raw: object, path: tuple[str, ...], employee: bool) -> Benefit:
        """A benefit table (deductible and ratio by level, annual cap); `retired_ratio_add` for
        employees, `repeat_admission_factor` for inpatient care."""
        table = self.table(raw, path)
        optional = {"retired_ratio_add"} if employee else set()
        if path[-1] == "inpatient":
            optional.add("repeat_admission_factor")
        self.keys(table, path, {"deductible", "ratio", "annual_cap"}, optional)
        return Benefit(
            deductible=self.by_level(table["deductible"], (*path, "deductible"), "amount"),
            ratio=self.by_level(table["ratio"], (*path, "ratio"), "ratio"),
            annual_cap=self.number(table["annual_cap"], (*path, "annual_cap"), "amount"),
            repeat_admission_factor=self.number(
                table.get("repeat_admission_factor", "1"), (*path, "repeat_admission_factor"),
                "factor"),
            retired_ratio_add=self.number(
                table.get("retired_ratio_add", "0"), (*path, "retired_ratio_add"), "ratio"),
        )


def find_line(text: str, path: tuple[str, ...]) -> int | None:
    """The 1-based line where `path` (or the nearest enclosing key or table) is written."""
    best: tuple[int, int] | None = None  # (matched length, line)
    table: tuple[str, ...] = ()
    for number, line in enumerate(text.splitlines(), start=1):
        header = re.match(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?", line)
        if header:
            table = tuple(part.strip().strip('"') for part in header.group(1).split("."))
            candidate = table
        else:
            key = re.match(r'^\s*("[^"]*"|[\w-]+)\s*=', line)
            if not key:
                continue
            candidate = (*table, key.group(1).strip('"'))
        if path[: len(candidate)] == candidate and (best is None or len(candidate) > best[0]):
            best = (len(candidate), number)
    return best[1] if best else None


def _scheme(reader: Reader, raw: object, name: str) -> tuple[Scheme, Mapping[str, Any]]:
    path = (name,)
    table = reader.table(raw, path)
    funds = {"serious_illness"} if name == "resident" else {
        "large_expense", "civil_servant", "account"}
    reader.keys(table, path, set(), {"inpatient", "chronic", "outpatient"} | funds)
    benefits = {
        kind: reader.benefit(table[kind], (name, kind), name == "employee")
        for kind in ("inpatient", "chronic", "outpatient")
        if kind in table
    }
    return Scheme(**benefits), table


def _tiers(reader: Reader, raw: object, path: tuple[str, ...]) -> tuple[Tier, ...]:
    if not isinstance(raw, list) or not raw:
        raise reader.fail(path, "应为非空的分段列表")
    tiers: list[Tier] = []
    for index, item in enumerate(raw):
        where = (*path, str(index))
        table = reader.table(item, where)
        reader.keys(table, where, {"above", "ratio"}, set())
        tier = Tier(
            above=reader.number(table["above"], (*where, "above"), "amount"),
            ratio=reader.number(table["ratio"], (*where, "ratio"), "ratio"),
        )
        if index == 0 and tier.above != 0:
            raise reader.fail(where, "第一段的 above 必须为 0")
        if tiers and tier.above <= tiers[-1].above:
            raise reader.fail(where, "分段的 above 必须严格递增")
        tiers.append(tier)
    return tuple(tiers)


def _groups(reader: Reader, raw: object, path: tuple[str, ...]) -> frozenset[str]:
    if not isinstance(raw, list) or not all(isinstance(g, str) for g in raw):
        raise reader.fail(path, "应为人群名称列表")
    unknown = sorted(set(raw) - GROUPS)
    if unknown:
        raise reader.fail(path, f"未知的人群：{', '.join(unknown)}")
    return frozenset(raw)


def _tilt(reader: Reader, raw: object, path: tuple[str, ...]) -> Tilt:
    table = reader.table(raw, path)
    reader.keys(table, path, {"groups"}, {"threshold_factor", "ratio_add", "no_cap"})
    return Tilt(
        groups=_groups(reader, table["groups"], (*path, "groups")),
        threshold_factor=reader.number(
            table.get("threshold_factor", "1"), (*path, "threshold_factor"), "ratio"
        ),
        ratio_add=reader.number(table.get("ratio_add", "0"), (*path, "ratio_add"), "ratio"),
        no_cap=reader.flag(table.get("no_cap", False), (*path, "no_cap")),
    )


def _serious_illness(reader: Reader, raw: object) -> SeriousIllness:
    path = ("resident", "serious_illness")
    table = reader.table(raw, path)
    reader.keys(table, path, {"threshold", "tiers", "annual_cap"}, {"tilt"})
    return SeriousIllness(
        threshold=reader.number(table["threshold"], (*path, "threshold"), "amount"),
        tiers=_tiers(reader, table["tiers"], (*path, "tiers")),
        annual_cap=reader.number(table["annual_cap"], (*path, "annual_cap"), "amount"),
        tilt=_tilt(reader, table["tilt"], (*path, "tilt")) if "tilt" in table else None,
    )


def _capped(reader: Reader, raw: object, path: tuple[str, ...]) -> CappedFund:
    table = reader.table(raw, path)
    reader.keys(table, path, {"ratio", "annual_cap"}, set())
    return CappedFund(
        ratio=reader.number(table["ratio"], (*path, "ratio"), "ratio"),
        annual_cap=reader.number(table["annual_cap"], (*path, "annual_cap"), "amount"),
    )


def _assistance(
    reader: Reader, raw: object
) -> tuple[tuple[tuple[str, Assistance], ...], AssistanceApply | None]:
    """`[assistance.groups.<group>]` (one table per group) and `[assistance.apply]`, whose group
    must have its table."""
    table = reader.table(raw, ("assistance",))
    reader.keys(table, ("assistance",), set(), {"groups", "apply"})
    groups = reader.table(table.get("groups", {}), ("assistance", "groups"))
    result = []
    for name, item in groups.items():
        path = ("assistance", "groups", name)
        if name not in GROUPS:
            raise reader.fail(path, "未知的救助人群")
        entry = reader.table(item, path)
        reader.keys(entry, path, {"threshold", "ratio", "annual_cap"}, set())
        result.append((name, Assistance(
            threshold=reader.number(entry["threshold"], (*path, "threshold"), "amount"),
            ratio=reader.number(entry["ratio"], (*path, "ratio"), "ratio"),
            annual_cap=reader.number(entry["annual_cap"], (*path, "annual_cap"), "amount"),
        )))
    apply = (parse_apply(reader, table["apply"], frozenset(name for name, _ in result))
             if "apply" in table else None)
    return tuple(result), apply


def _header(reader: Reader, raw: object) -> dict[str, Any]:
    path = ("policy",)
    table = reader.table(raw, path)
    reader.keys(table, path, {"id", "region", "year", "class_b_selfpay"}, {"name"})
    policy_id, region, year = table["id"], table["region"], table["year"]
    if not isinstance(policy_id, str) or not POLICY_ID.match(policy_id):
        raise reader.fail((*path, "id"), "应为 <六位区划>-<年度>，如 511623-2024")
    if not isinstance(region, str) or not re.fullmatch(r"\d{6}", region):
        raise reader.fail((*path, "region"), "应为六位行政区划代码字符串")
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
        raise reader.fail((*path, "year"), "应为 2000–2100 之间的整数年度")
    if policy_id != f"{region}-{year}":
        raise reader.fail((*path, "id"), f"应与 region 和 year 一致：{region}-{year}")
    name = table.get("name", policy_id)
    if not isinstance(name, str):
        raise reader.fail((*path, "name"), "应为字符串")
    selfpay = reader.number(table["class_b_selfpay"], (*path, "class_b_selfpay"), "ratio")
    return {"id": policy_id, "region": region, "year": year, "name": name,
            "class_b_selfpay": selfpay}


def _offsite(reader: Reader, raw: object) -> Offsite:
    table = reader.table(raw, ("offsite",))
    reader.keys(table, ("offsite",), set(), set(OFFSITE_KINDS))
    return Offsite(**{
        kind: reader.number(table[kind], ("offsite", kind), "delta") for kind in table
    })


def parse_policy(text: str, file: str = "<policy>") -> Policy:
    """Validate and build a policy from TOML text; `file` names it in errors."""
    reader = Reader(file, text)
    try:
        raw = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as err:
        raise PolicyError(file, "", None, f"TOML 语法错误：{err}") from None
    raw = _with_template(reader, raw)
    known = {"policy", "offsite", "filing", "resident", "employee", "assistance",
             "contributions", "fund", "opsp", "maternity", "cmi", "monitoring"}
    for section in raw:
        if section not in known:
            raise reader.fail((section,), "未知的节（section）")
    if "policy" not in raw:
        raise reader.fail(("policy",), "缺少 [policy] 节")
    header = _header(reader, raw["policy"])
    resident, resident_raw = _scheme(reader, raw.get("resident", {}), "resident")
    employee, employee_raw = _scheme(reader, raw.get("employee", {}), "employee")
    contributions = (
        parse_contributions(reader, reader.table(raw["contributions"], ("contributions",)))
        if "contributions" in raw else None
    )
    account = reader.table(employee_raw.get("account", {}), ("employee", "account"))
    reader.keys(account, ("employee", "account"), set(), {"pays_selfpay_items", "family_sharing"})
    assistance, apply = _assistance(reader, raw.get("assistance", {}))
    return Policy(
        **header,
        offsite=_offsite(reader, raw.get("offsite", {})),
        resident=resident,
        employee=employee,
        serious_illness=_optional(reader, resident_raw, "serious_illness", _serious_illness),
        large_expense=_optional_capped(reader, employee_raw, "large_expense"),
        civil_servant=_optional_capped(reader, employee_raw, "civil_servant"),
        account_pays_selfpay_items=reader.flag(
            account.get("pays_selfpay_items", False), ("employee", "account", "pays_selfpay_items")
        ),
        family_sharing=reader.flag(
            account.get("family_sharing", True), ("employee", "account", "family_sharing")
        ),
        assistance=assistance,
        source=file,
        contributions=contributions,
        fund=parse_fund(reader, reader.table(raw["fund"], ("fund",))) if "fund" in raw else None,
        filing=(parse_filing(reader, reader.table(raw["filing"], ("filing",)))
                if "filing" in raw else DEFAULT_FILING),
        opsp=_section(reader, raw, "opsp", parse_opsp),
        maternity=_section(reader, raw, "maternity", parse_maternity),
        cmi_products=_section(reader, raw, "cmi", parse_cmi) or (),
        assistance_apply=apply,
        monitoring=_section(reader, raw, "monitoring", parse_monitoring),
    )


def _section(
    reader: Reader, raw: Mapping[str, Any], name: str,
    parse: Callable[[Reader, Mapping[str, Any]], Any],
) -> Any:
    """A top-level section parsed by `parse`, or None when the file has none."""
    return parse(reader, reader.table(raw[name], (name,))) if name in raw else None


def merge_tables(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """`over` laid on `base`, table by table (a value that is not a table replaces)."""
    out = dict(base)
    for key, value in over.items():
        both = isinstance(value, Mapping) and isinstance(out.get(key), Mapping)
        out[key] = merge_tables(out[key], value) if both else value
    return out


def _with_template(reader: Reader, raw: dict[str, Any]) -> dict[str, Any]:
    """A file whose `[policy]` names `template = "<shipped id>"` holds only what differs from
    that shipped policy: its sections are laid over the template's, table by table (a list, such
    as the serious-illness tiers, replaces the template's whole). The template may not itself
    name a template; errors in inherited values name this file's nearest line."""
    head = raw.get("policy")
    if not isinstance(head, Mapping) or "template" not in head:
        return raw
    path = ("policy", "template")
    ref = head["template"]
    if not isinstance(ref, str) or not POLICY_ID.match(ref):
        raise reader.fail(path, "应为内置政策编号，如 511623-2020")
    source = SHIPPED_DIR / f"{ref}.toml"
    if not source.is_file():
        raise reader.fail(path, f"没有内置的模板政策 {ref}（内置：{'、'.join(shipped_ids())}）")
    try:
        base = tomllib.loads(source.read_text(encoding="utf-8"), parse_float=Decimal)
    except tomllib.TOMLDecodeError as err:
        raise reader.fail(path, f"模板政策 {ref} 无法解析：{err}") from None
    if "template" in base.get("policy", {}):
        raise reader.fail(path, f"模板政策 {ref} 本身引用了模板；模板只能是完整的政策文件")
    for key in ("id", "region", "year", "name"):
        if key not in head:
            raise reader.fail(("policy", key), "引用模板的政策须自己写明 id、region、year 与 name")
    merged = merge_tables(base, raw)
    merged["policy"] = {k: v for k, v in merged["policy"].items() if k != "template"}
    return merged


def _optional(
    reader: Reader, table: Mapping[str, Any], key: str, build: Callable[[Reader, object], Any]
) -> Any:
    return build(reader, table[key]) if key in table else None


def _optional_capped(reader: Reader, table: Mapping[str, Any], key: str) -> CappedFund | None:
    return _capped(reader, table[key], ("employee", key)) if key in table else None


def load_policy_file(path: str | Path) -> Policy:
    """Read and validate one policy file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise PolicyError(str(path), "", None, f"无法读取政策文件：{err.strerror}") from None
    return parse_policy(text, str(path))


def shipped_ids() -> tuple[str, ...]:
    """The ids of the policies shipped with yibao, sorted."""
    return tuple(sorted(p.stem for p in SHIPPED_DIR.glob("*.toml")))


@lru_cache(maxsize=256)
def _load_cached(path: str, mtime_ns: int) -> Policy:
    return load_policy_file(path)


@lru_cache(maxsize=64)
def _load_shipped(policy_id: str) -> Policy:
    return load_policy_file(SHIPPED_DIR / f"{policy_id}.toml")


def load_policy(ref: str) -> Policy:
    """A shipped policy by id (`511623-2024`), or a policy file by path. Cached per file version."""
    if POLICY_ID.match(ref) and (SHIPPED_DIR / f"{ref}.toml").is_file():
        return _load_shipped(ref)
    path = SHIPPED_DIR / f"{ref}.toml" if POLICY_ID.match(ref) else Path(ref)
    if not path.is_file():
        if POLICY_ID.match(ref):
            known = "、".join(shipped_ids())
            raise PolicyError(ref, "policy", None, f"没有内置的政策 {ref}（内置：{known}）")
        raise PolicyError(ref, "policy", None, "政策文件不存在")
    return _load_cached(str(path.resolve()), path.stat().st_mtime_ns)
