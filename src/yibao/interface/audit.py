"""Rule checks of a visit so far (3101 事前 reminders, 3102 事中 warnings).

The visit registered by the institution, its diagnoses and the fee lines uploaded so far are
checked by the per-visit engine (`yibao.supervise.check`) with the rules of the scene from the
shipped rule base. A rule that needs data the platform does not hold is not run (it would judge
on absent data: with no catalogue every code is "unknown" and every line a price mismatch); the
answer lists it under `skipped_rules` with the reason. The catalogue knowledge (caps,
restrictions) is read from the catalogue imported with `yibao catalog import`, when there is
one; the person's earlier visits are not read, so rules across visits are always skipped.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from functools import lru_cache
from typing import Any, Final

from yibao.enroll.model import Institution, PersonRecord
from yibao.interface.common import Call, section, text
from yibao.interface.visits import OUTPATIENT, check_own_visit
from yibao.services import catalog, national
from yibao.supervise.check import ERROR_SN, Compiled, check_visit, compile_checks, needs
from yibao.supervise.load import load_rules
from yibao.supervise.model import Context, Item, Line, Visit

KIND_OF_MED_TYPE: Final = {"11": "outpatient", "14": "chronic", "21": "inpatient"}
#: Why a rule is not run when the data it needs is absent (zh-CN, in the answer).
ABSENT: Final = {
    "catalogue": "平台未导入医保目录（yibao catalog import），无法核对目录标准价、限价和限定条件，"
                 "本规则未执行",
    "history": "平台未读取该参保人的历史就诊，跨就诊的规则未执行",
}


@lru_cache(maxsize=8)
def _compiled(scene: str, absent: frozenset[str]) -> tuple[Compiled, dict[str, Any],
                                                          tuple[dict[str, str], ...]]:
    """The rules of `scene` that need none of `absent`, every rule by id, and the skipped
    ones as the answer lists them."""
    base = load_rules()
    compiled = compile_checks(base, scene)
    kept = tuple((r, c) for r, c in compiled.rules if not absent.intersection(needs(r)))
    skipped = tuple({"jr_id": r.id, "rule_name": r.name,
                     "reason": "；".join(ABSENT[n] for n in needs(r) if n in absent)}
                    for r, _ in compiled.rules if absent.intersection(needs(r)))
    return Compiled(kept), {r.id: r for r in base.rules}, skipped


def _line(position: int, body: str) -> Line:
    raw = json.loads(body, parse_float=Decimal)
    cnt, pric = Decimal(str(raw["cnt"])), Decimal(str(raw["pric"]))
    sn = str(raw["feedetl_sn"])
    fee_fen = int((cnt * pric * 100).quantize(Decimal(1), rounding="ROUND_HALF_UP"))
    return Line(int(sn) if sn.isascii() and sn.isdigit() else position, str(raw["hilist_code"]),
                int(cnt * 10_000), int(pric * 1_000_000), fee_fen)


def _diagnoses(visit: national.Visit) -> tuple[str, tuple[str, ...]]:
    rows = json.loads(visit.diseinfo_json)
    codes = [(str(r.get("maindiag_flag", "0")) == "1", str(r.get("diag_code", "")))
             for r in rows if r.get("diag_code")]
    main = [c for flag, c in codes if flag] or [c for _, c in codes[:1]]
    return (main[0] if main else ""), tuple(c for c in (c for _, c in codes) if c not in main)


def _context(call: Call, visit: national.Visit, lines: tuple[Line, ...],
             items: Mapping[str, Item], person: PersonRecord | None,
             institution: Institution | None) -> Context:
    end = visit.enddate or call.now.date()
    age = -1
    if person is not None:
        born = person.birth_date
        age = end.year - born.year - ((end.month, end.day) < (born.month, born.day))
    pdx, sdx = _diagnoses(visit)
    facts = Visit(
        visit.mdtrt_id, visit.psn_no, visit.fixmedins_code,
        institution.level if institution else "", KIND_OF_MED_TYPE.get(visit.med_type, ""),
        visit.insutype, "local", visit.begndate, end, max(0, (end - visit.begndate).days),
        sum(x.fee_fen for x in lines), "", person.sex if person else "", age, None, pdx, sdx)
    return Context(facts, lines, (), items)


def _check(call: Call, payload: Mapping[str, Any], scene: str) -> dict[str, Any]:
    data = section(payload, "data")
    mdtrt_id = text(data, "mdtrt_id", "input.data")
    assert mdtrt_id
    found, fees = national.visit_and_fees(mdtrt_id, store=call.store)
    visit = check_own_visit(found, call, mdtrt_id, (*OUTPATIENT, "21"))
    lines = tuple(_line(i + 1, body) for i, (_, body) in enumerate(fees))
    person, institution = national.person_and_institution(visit.psn_no, visit.fixmedins_code,
                                                          store=call.store)
    # the care region's catalogue (就医地目录), else the deployment-wide one
    items = catalog.known_items({x.hilist_code for x in lines},
                                institution.region if institution else None, store=call.store)
    absent = frozenset({"history"} | ({"catalogue"} if items is None else set()))
    compiled, rules, skipped = _compiled(scene, absent)
    hits = check_visit(compiled, _context(call, visit, lines, items or {}, person, institution))
    by_rule: dict[str, list[int]] = {}
    for hit in hits:
        by_rule.setdefault(hit.rule_id, []).append(hit.feedetl_sn)
    result = []
    for rule_id, sns in by_rule.items():
        rule = rules[rule_id]
        failed = ERROR_SN in sns
        result.append({
            "jr_id": rule_id, "rule_name": rule.name,
            "vola_cont": "规则执行失败，按不通过处理" if failed else rule.message,
            "vola_bhvr_type": rule.result, "sev_deg": rule.severity, "mdtrt_id": mdtrt_id,
            "patn_id": visit.psn_no,
            "judge_result_detail_dtos": [{"feedetl_sn": sn} for sn in sns if sn > 0]})
    return {"result": result, "scene": scene, "rules_checked": len(compiled.rules),
            "skipped_rules": list(skipped)}


def check_3101(call: Call, payload: Mapping[str, Any]) -> dict[str, Any]:
    """3101 明细审核事前分析服务."""
    return _check(call, payload, "事前")


def check_3102(call: Call, payload: Mapping[str, Any]) -> dict[str, Any]:
    """3102 明细审核事中分析服务."""
    return _check(call, payload, "事中")
