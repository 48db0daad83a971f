"""The year job's supervision step: rules and detectors over the simulated year (事后分析).

The provider detectors are fitted on a second simulated year, drawn in memory with another seed
(`reference_scores`; the job draws it before it reads its own year, so that the two years are
never held at once). The rule relations are built once from the year in memory, with the DRG
groups the payment step found; the whole rule base runs once over them (`yibao.analytics`), and
everything is scored against the injected-abuse labels; what confirmed violations would recover
is summed per institution. Hits of 违规 rules count as confirmed here: a simulated year carries
no review outcomes (docs/supervise.md).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import polars as pl

from yibao.core.money import from_fen
from yibao.services.audit import (
    REFERENCE_SEED_OFFSET,
    Claims,
    YearScores,
    batch_hits,
    claims_from,
    evaluation,
    needs_drg,
    recoveries,
    score_claims,
    with_drg,
)
from yibao.services.cases import Finding, Opened, claim_findings, open_findings
from yibao.services.sim import simulate_year
from yibao.sim.abuse import default_rates
from yibao.sim.simulate import SimTables
from yibao.store import Store
from yibao.supervise.load import load_rules
from yibao.supervise.model import RuleBase

#: Who opens the cases of the year job's hits (the write log's actor).
YEAR_ACTOR = "yibao-year"


def year_claims(base: RuleBase, tables: SimTables, stay_drg: pl.DataFrame | None = None
                ) -> Claims:
    """The rule relations of a year in memory; `stay_drg` (`mdtrt_id, drg`): the stays' groups
    when the year was grouped already."""
    claims = claims_from(tables.visits, tables.persons, tables.settlement_lists,
                         tables.fee_lines, tables.catalogue)
    if needs_drg(base):
        claims = with_drg(claims, base, tables.settlement_lists, stay_drg)
    return claims


def reference_scores(meta: tuple[str, float, int], say: Callable[[str], None]) -> YearScores:
    """The scores of a second year like this one (`meta`: its profile, scale and seed; drawn
    with the seed `REFERENCE_SEED_OFFSET` later); only its scores are kept."""
    say("基金监管：模拟参照年度（另一随机种子）用于拟合检测器")
    profile, scale, seed = meta
    base = load_rules(None)
    tables = simulate_year(profile, scale, seed + REFERENCE_SEED_OFFSET, default_rates())
    return score_claims(base, year_claims(base, tables), tables.labels, tables.institutions)


def audit_year(tables: SimTables, stay_drg: pl.DataFrame, reference: YearScores,
               say: Callable[[str], None]) -> tuple[dict[str, Any], list[Finding]]:
    """The audit block of the year report: hits, recoveries, suspicious providers, evaluation;
    the detectors fitted on `reference` (`reference_scores`). With it, the (rule, visit)
    findings of the hits, for `open_year_cases` once the year is in the store."""
    base = load_rules(None)
    say("基金监管：规则批量分析与检测器评分")
    claims = year_claims(base, tables, stay_drg)
    hits = batch_hits(base, claims)
    found = evaluation(base, score_claims(base, claims, tables.labels, tables.institutions,
                                          hits), reference)
    names = {rule.id: rule.name for rule in base.rules}
    recovered = recoveries(base, claims, hits)
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
    }, claim_findings(hits, claims)


def open_year_cases(url: str, region: str, year: int, findings: list[Finding], hits: int,
                    say: Callable[[str], None]) -> Opened:
    """Open the audit cases of the year's batch hits in the store at `url` (the rules do not
    run again); a case already open is left as it is."""
    say(f"开立稽核案件：{len(findings)} 个规则-就诊命中")
    store = Store(url)
    try:
        return open_findings(region, year, findings, actor=YEAR_ACTOR, hits=hits,
                             base=load_rules(None), store=store, progress=say)
    finally:
        store.dispose()
