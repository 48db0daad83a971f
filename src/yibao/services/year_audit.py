"""The year job's supervision step: rules and detectors over the simulated year (事后分析).

Runs the whole rule base's batch analysis and the provider detectors (fitted on a second
simulated year, drawn with another seed), scores them against the injected-abuse labels when the
year has any, and sums what confirmed violations would recover per institution. Hits of 违规
rules count as confirmed here: a simulated year carries no review outcomes (docs/supervise.md).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from decimal import Decimal
from html import escape
from pathlib import Path
from typing import Any, Final

import polars as pl

from yibao.core.money import from_fen
from yibao.indicators.charts import hbar_chart
from yibao.indicators.render import show
from yibao.services.audit import evaluate, load_claims, load_rules, recoveries, simulate_reference

TOP_ROWS: Final = 15
PATTERN_NAMES: Final = {
    "split_admission": "分解住院", "phantom_bed": "挂床住院", "upcoding": "高套编码",
    "duplicate_charge": "重复收费", "restricted_item": "限制性项目", "over_quantity": "超量开药",
    "swapped_item": "串换项目", "low_threshold_admission": "低标准入院",
    "after_death": "死亡后结算", "ring": "医患合谋团伙",
}


def audit_year(data: Path, say: Callable[[str], None]) -> dict[str, Any]:
    """The audit block of the year report: hits, recoveries, suspicious providers, evaluation."""
    with tempfile.TemporaryDirectory(prefix="yibao-reference-") as folder:
        say("基金监管：模拟参照年度（另一随机种子）用于拟合检测器")
        reference = simulate_reference(data, Path(folder) / "reference")
        say("基金监管：规则批量分析与检测器评分")
        found = evaluate(data, reference)
    base = load_rules(None)
    names = {rule.id: rule.name for rule in base.rules}
    recovered = recoveries(base, load_claims(data, base))
    by_rule = sorted(found["hits"]["by_rule"].items(), key=lambda kv: -kv[1])  # type: ignore[index]
    return {
        "hits_total": found["hits"]["total"],  # type: ignore[index]
        "hits_by_rule": [{"rule_id": r, "name": names.get(r, r), "hits": n} for r, n in by_rule],
        "recoveries": [{"fixmedins_code": code, "cases": cases, "amount": from_fen(fen)}
                       for code, cases, fen in recovered.iter_rows()],
        "recovered_total": from_fen(int(recovered["amount_fen"].sum())) if recovered.height
        else Decimal(0),
        "top_providers": found["top_providers"],
        "rules": found["rules"],
        "detectors": found["detectors"],
    }


def _table(head: tuple[str, ...], rows: list[tuple[object, ...]]) -> str:
    cells = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>"
                    for row in rows)
    titles = "".join(f"<th>{escape(h)}</th>" for h in head)
    return f"<table><thead><tr>{titles}</tr></thead><tbody>{cells}</tbody></table>"


def _evaluation(block: dict[str, Any]) -> str:
    rules = [(PATTERN_NAMES.get(p, p), f"{m['recall']:.3f}", f"{m['precision']:.3f}")
             for p, m in sorted(block["rules"].items())]
    d = block["detectors"]
    detectors = [("有监督（同级同类比较 + 逻辑回归）", f"{d['provider_auc']:.3f}",
                  f"{d['auprc']:.3f}", f"{d['precision_at_capacity']:.3f}")]
    u = d.get("unsupervised")
    if u:
        detectors.append(("无监督（同级同类比较）", f"{u['provider_auc']:.3f}", f"{u['auprc']:.3f}",
                          f"{u['precision_at_capacity']:.3f}"))
    return (_table(("违规模式", "召回率", "精确率"), rules)
            + _table(("检测器", "机构 AUC", "AUPRC", "前 5% 精确率"), detectors))


def audit_sections(block: dict[str, Any], names: dict[str, str]) -> list[tuple[str, str]]:
    """Report sections: hits by rule and institution, recoveries, suspicious providers."""
    top_rules = block["hits_by_rule"][:TOP_ROWS]
    chart = hbar_chart("规则命中（前 15）", [f"{r['rule_id']} {r['name']}" for r in top_rules],
                       [Decimal(r["hits"]) for r in top_rules], decimals=0)
    money = [(names.get(r["fixmedins_code"], r["fixmedins_code"]), r["cases"],
              show(r["amount"], "yuan")) for r in block["recoveries"][:TOP_ROWS]]
    providers = [(names.get(p["fixmedins_code"], p["fixmedins_code"]), f"{p['score']:.3f}",
                  "是" if p["abusive"] else "否", p["why"]) for p in block["top_providers"]]
    head = (f"<p>规则命中 {block['hits_total']:,} 次；违规类命中视为查实，应追回 "
            f"{show(block['recovered_total'], 'yuan')}。</p>")
    return [
        ("基金监管：规则命中", head + chart),
        ("基金监管：按机构追回金额", _table(("机构", "查实案件", "追回金额"), money)),
        ("基金监管：可疑机构（前 10）", _table(("机构", "评分", "标注为违规机构", "依据"),
                                           providers)),
        ("基金监管：评估（对照注入的违规标签）", _evaluation(block)),
    ]


def institution_names(data: Path) -> dict[str, str]:
    frame = pl.read_parquet(data / "institutions.parquet")
    return dict(frame.select("fixmedins_code", "fixmedins_name").iter_rows())
