"""Read a rule pack (OpenDRG DRG_Rules layout, see docs/drg.md) into a `Pack`.

Files: `1_MDC.txt`, `2_ADRG.txt` (trial order), `MDC/<MDC>_<name>.dat` (principal-diagnosis
lists), `ADRG/<ADRG>_<name>.dat` (one rule each), `tables/{MCC,CC,CCE,SS_VALID,DRG}.dat`. The
header lines of an ADRG file say how its lists combine (the grammar below); the scheme file adds
what the pack says only in prose. Errors name the file and the line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from yibao.payment.drg.model import (
    DIAGNOSIS_LIST_TESTS,
    Adrg,
    CodeList,
    Condition,
    Drg,
    Mdc,
    Pack,
    Predicate,
    Rule,
    SplitTest,
)
from yibao.payment.drg.scheme import AdrgSpec, ConditionSpec, DrgPackError, MdcSpec, Scheme

#: First token of a code line: an ICD-10 diagnosis or an ICD-9-CM-3 procedure code.
CODE_TOKEN: Final = re.compile(r"^(?:[A-Z]\d{2}|\d{2})[0-9A-Za-z.+*/-]*$")

#: Header lines that start a list, and the role of that list in the ADRG's rule.
LIST_HEADERS: Final = {
    "包含以下主要诊断：": "principal_diagnosis",
    "主要诊断：": "principal_diagnosis",
    "包含以下主要手术或操作：": "principal_procedure",
    "同时包含以下手术：": "table 1",
    "和": "table 2",
    "主要诊断或其他诊断中包含以下诊断：": "any_diagnosis",
    "包含以下诊断：": "any_diagnosis",
}
#: Header lines that are a whole condition with no list of their own.
FLAG_HEADERS: Final = {
    "全部手术": "principal_procedure_valid",
    "包含全部手术": "principal_procedure_valid",
    "符合 MDCZ 主诊表，且无手术": "no_valid_procedure",
}
TABLE_HEADER: Final = re.compile(r"^手术表\s*(\d+)：$")
ALTERNATIVE_HEADER: Final = re.compile(r"^或?包含以下主要诊断((?:\+手术表\s*\d+)+)$")
ROLE_TEST: Final = {
    "principal_diagnosis": Predicate.PRINCIPAL_DIAGNOSIS_IN,
    "principal_procedure": Predicate.PRINCIPAL_PROCEDURE_IN,
    "any_diagnosis": Predicate.ANY_DIAGNOSIS_IN,
}
ROLE_LABEL: Final = {
    "principal_diagnosis": "主要诊断表",
    "principal_procedure": "主要手术操作表",
    "any_diagnosis": "诊断表",
}


@dataclass
class _Lists:
    """Collects the code lists of the pack; a condition refers to a list by its index."""

    items: list[CodeList] = field(default_factory=list)

    def add(self, label: str, kind: str, codes: list[str]) -> int:
        self.items.append(CodeList(label, kind, frozenset(codes)))
        return len(self.items) - 1


@dataclass
class _Section:
    header: str
    line: int
    codes: list[str] = field(default_factory=list)


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise DrgPackError(str(path), None, "不是 UTF-8 编码的文本文件") from None
    except OSError as err:
        raise DrgPackError(str(path), None, f"无法读取：{err.strerror}") from None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line and not line.startswith("#"):
            yield number, line


def _sections(path: Path) -> list[_Section]:
    """Split a list file into sections, each a header line and the codes under it."""
    sections: list[_Section] = []
    for number, line in _lines(path):
        token = line.split()[0]
        if CODE_TOKEN.match(token):
            if not sections:
                raise DrgPackError(str(path), number, f"编码 {token} 之前没有表头")
            sections[-1].codes.append(token)
        else:
            sections.append(_Section(line, number))
    return sections


def _code_names(path: Path) -> list[tuple[str, str, int]]:
    out = []
    for number, line in _lines(path):
        code, _, name = line.partition(" ")
        out.append((code, name.strip(), number))
    return out


def _code_tables(path: Path) -> dict[str, int]:
    table: dict[str, int] = {}
    for number, line in _lines(path):
        parts = line.split()
        if len(parts) != 2 or not parts[1].isdigit() or int(parts[1]) <= 0:
            raise DrgPackError(str(path), number, f"应为“编码 表号（正整数）”：{line!r}")
        if table.get(parts[0], int(parts[1])) != int(parts[1]):
            raise DrgPackError(str(path), number, f"编码 {parts[0]} 的表号前后不一")
        table[parts[0]] = int(parts[1])
    return table


def _one_file(folder: Path, code: str) -> Path:
    found = sorted(folder.glob(f"{code}_*.dat"))
    if len(found) != 1:
        raise DrgPackError(str(folder), None, f"{code} 应恰有一个规则文件，找到 {len(found)} 个")
    return found[0]


def read_pack(rules_dir: Path, scheme: Scheme) -> Pack:
    """Read the rule pack in `rules_dir` under the prose rules of `scheme`."""
    if not (rules_dir / "2_ADRG.txt").is_file():
        raise DrgPackError(str(rules_dir), None, "不是规则包目录（缺少 2_ADRG.txt）")
    lists = _Lists()
    tables = rules_dir / "tables"
    ss_codes = [code for code, _, _ in _code_names(tables / "SS_VALID.dat")]
    ss_valid = lists.add("SS_VALID 有效手术室手术表", "procedure", ss_codes)
    adrgs = _read_adrgs(rules_dir, scheme, lists, ss_valid)
    mdcs = _read_mdcs(rules_dir, scheme, lists, ss_valid, adrgs)
    listed = {a.code for m in mdcs for a in m.adrgs}
    if missing := sorted(set(adrgs) - listed):
        raise DrgPackError(str(rules_dir / "2_ADRG.txt"), None, f"ADRG 不属于任何 MDC：{missing}")
    cc_tables = (
        _code_tables(tables / "MCC.dat"),
        _code_tables(tables / "CC.dat"),
        _code_tables(tables / "CCE.dat"),
    )
    return Pack(
        scheme.id, mdcs, tuple(lists.items), cc_tables, ss_valid, scheme.newborn_age_days_max
    )


def _read_mdcs(
    rules_dir: Path, scheme: Scheme, lists: _Lists, ss_valid: int, adrgs: dict[str, Adrg]
) -> tuple[Mdc, ...]:
    names = {code: name for code, name, _ in _code_names(rules_dir / "1_MDC.txt")}
    order = [f"MDC{spec.letter}" for spec in scheme.mdcs]
    if sorted(order) != sorted(names):
        raise DrgPackError(scheme.source, None, f"mdc.order 与 1_MDC.txt 不一致：{sorted(names)}")
    mdcs = []
    for spec in scheme.mdcs:
        code = f"MDC{spec.letter}"
        path = _one_file(rules_dir / "MDC", code)
        own, regions = _mdc_lists(path, code, spec, lists)
        binding = {"MDC": (own,), "MDC_REGIONS": regions, "SS_VALID": (ss_valid,)}
        entry = Rule((tuple(_bind(c, binding, lists, scheme.source) for c in spec.entry),))
        members = tuple(a for key, a in adrgs.items() if key.startswith(spec.letter))
        mdcs.append(Mdc(code, names[code], entry, members))
    return tuple(mdcs)


def _mdc_lists(path: Path, code: str, spec: MdcSpec, lists: _Lists) -> tuple[int, tuple[int, ...]]:
    """The MDC's principal-diagnosis list, and its region lists when the file has regions."""
    sections = _sections(path)
    everything = [c for s in sections for c in s.codes]
    own = lists.add(f"{code} 主诊表", "diagnosis", everything)
    if not spec.region_header_suffix:
        return own, ()
    regions: list[int] = []
    current: list[str] | None = None
    for section in sections:
        if section.header.endswith(spec.region_header_suffix):
            current = list(section.codes)
            regions.append(lists.add(f"{code} {section.header}", "diagnosis", current))
        elif current is None:
            raise DrgPackError(str(path), section.line, "编码出现在第一个部位表头之前")
        else:
            lists.items[regions[-1]] = CodeList(
                lists.items[regions[-1]].label,
                "diagnosis",
                lists.items[regions[-1]].codes | frozenset(section.codes),
            )
    return own, tuple(regions)


def _bind(
    spec: ConditionSpec, binding: dict[str, tuple[int, ...]], lists: _Lists, source: str
) -> Condition:
    if not spec.list:
        return Condition(spec.test, (), spec.value)
    bound = binding[spec.list]
    kind = "diagnosis" if spec.test in DIAGNOSIS_LIST_TESTS else "procedure"
    if not bound or any(lists.items[i].kind != kind for i in bound):
        raise DrgPackError(source, None, f"{spec.test} 不能读列表 {spec.list}（不存在或类别不符）")
    return Condition(spec.test, bound, spec.value)


def _read_adrgs(rules_dir: Path, scheme: Scheme, lists: _Lists, ss_valid: int) -> dict[str, Adrg]:
    drgs = _read_drgs(rules_dir, scheme)
    specs = {spec.code: spec for spec in scheme.adrgs}
    order: list[str] = []
    out: dict[str, Adrg] = {}
    for code, name, number in _code_names(rules_dir / "2_ADRG.txt"):
        if code not in drgs:
            raise DrgPackError(str(rules_dir / "2_ADRG.txt"), number, f"{code} 在 DRG 表中没有 DRG")
        path = _one_file(rules_dir / "ADRG", code)
        rule = _adjust(_read_rule(path, code, lists, ss_valid), specs.get(code))
        out[code] = Adrg(code, name, rule, drgs.pop(code))
        order.append(code)
    if drgs:
        raise DrgPackError(
            str(rules_dir / "tables" / "DRG.dat"), None, f"未知 ADRG：{sorted(drgs)}"
        )
    for spec in scheme.adrgs:
        if spec.code not in out or (spec.try_before and spec.try_before not in out):
            raise DrgPackError(scheme.source, None, f"adrg.{spec.code}: 未知的 ADRG")
        if spec.try_before:
            order.remove(spec.code)
            order.insert(order.index(spec.try_before), spec.code)
    return {code: out[code] for code in order}


def _read_drgs(rules_dir: Path, scheme: Scheme) -> dict[str, tuple[Drg, ...]]:
    path = rules_dir / "tables" / "DRG.dat"
    rank = {digit: i for i, (digit, _) in enumerate(scheme.split)}
    when = dict(scheme.split)
    found: dict[str, list[Drg]] = {}
    for code, name, number in _code_names(path):
        if len(code) != 4 or code[3] not in rank:
            raise DrgPackError(str(path), number, f"DRG 代码应为 ADRG + 细分位 {sorted(rank)}")
        found.setdefault(code[:3], []).append(Drg(code, name, when[code[3]]))
    out = {}
    for adrg, items in found.items():
        items.sort(key=lambda d: rank[d.code[3]])
        if items[-1].when is not SplitTest.ALWAYS:
            raise DrgPackError(str(path), None, f"{adrg} 没有兜底的 DRG（细分位规则为 always）")
        out[adrg] = tuple(items)
    return out


def _adjust(rule: Rule, spec: AdrgSpec | None) -> Rule:
    if spec is None:
        return rule
    if spec.always:
        return Rule(((),))
    also = tuple(Condition(c.test, (), c.value) for c in spec.also)
    return Rule(tuple(alt + also for alt in rule.alternatives))


def _read_rule(path: Path, code: str, lists: _Lists, ss_valid: int) -> Rule:
    """The rule of one ADRG file: its list headers, flag headers and alternatives."""
    roles: dict[str, int] = {}
    flags: list[Condition] = []
    alternatives: list[list[str]] = []
    for section in _sections(path):
        header = section.header
        role, alternative = _role(header)
        if alternative is not None:
            alternatives.append(alternative)
        elif header in FLAG_HEADERS:
            test = Predicate.PRINCIPAL_PROCEDURE_IN
            if FLAG_HEADERS[header] == "no_valid_procedure":
                test = Predicate.NO_PROCEDURE_IN
            flags.append(Condition(test, (ss_valid,)))
        elif role is None:
            raise DrgPackError(str(path), section.line, f"无法识别的表头：{header!r}")
        elif not section.codes or role in roles:
            raise DrgPackError(str(path), section.line, f"{header} 下的列表为空或重复")
        else:
            roles[role] = _add_list(lists, code, role, section.codes)
        if (alternative is not None or header in FLAG_HEADERS) and section.codes:
            raise DrgPackError(str(path), section.line, f"{header} 下不应有编码")
    if alternatives:
        return _alternatives_rule(path, roles, alternatives)
    conditions = [_role_condition(role, index) for role, index in roles.items()]
    if not conditions and not flags:
        raise DrgPackError(str(path), None, "规则文件没有条件")
    return Rule((tuple(conditions + flags),))


def _role(header: str) -> tuple[str | None, list[str] | None]:
    """(role of the list that the header starts, or the tables of an alternative header)."""
    if header in LIST_HEADERS:
        return LIST_HEADERS[header], None
    if match := TABLE_HEADER.match(header):
        return f"table {int(match.group(1))}", None
    if match := ALTERNATIVE_HEADER.match(header):
        numbers = re.findall(r"\d+", match.group(1))
        return None, [f"table {int(n)}" for n in numbers]
    return None, None


def _add_list(lists: _Lists, code: str, role: str, codes: list[str]) -> int:
    if role.startswith("table"):
        return lists.add(f"{code} 手术表 {role.split()[1]}", "procedure", codes)
    kind = "procedure" if role == "principal_procedure" else "diagnosis"
    return lists.add(f"{code} {ROLE_LABEL[role]}", kind, codes)


def _role_condition(role: str, index: int) -> Condition:
    test = Predicate.ANY_PROCEDURE_IN if role.startswith("table") else ROLE_TEST[role]
    return Condition(test, (index,))


def _alternatives_rule(path: Path, roles: dict[str, int], alternatives: list[list[str]]) -> Rule:
    if "principal_diagnosis" not in roles:
        raise DrgPackError(str(path), None, "组合规则缺少“主要诊断：”列表")
    used = {t for alt in alternatives for t in alt}
    defined = {role for role in roles if role.startswith("table")}
    if used != defined:
        raise DrgPackError(str(path), None, f"组合规则的手术表不一致：{sorted(used ^ defined)}")
    pdx = Condition(Predicate.PRINCIPAL_DIAGNOSIS_IN, (roles["principal_diagnosis"],))
    return Rule(
        tuple(
            (pdx, *(Condition(Predicate.ANY_PROCEDURE_IN, (roles[t],)) for t in alt))
            for alt in alternatives
        )
    )
