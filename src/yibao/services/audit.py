"""Fund-supervision use cases (docs/supervise.md): load a simulated or real year as the rule
relations, run the rule base in batch (`yibao.analytics`, DuckDB), build per-visit contexts, and
evaluate rules and detectors against labelled abuse."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import polars as pl

from yibao.analytics.duck import DuckDB
from yibao.analytics.plan import Engine, SqlPlan
from yibao.supervise.batch import KEYED, plan
from yibao.supervise.credit import (
    CreditResult,
    StaffPoints,
    load_scheme,
    score_institution,
    staff_points,
)
from yibao.supervise.detect.features import provider_features
from yibao.supervise.detect.score import (
    anomaly_score,
    explain,
    fit_logistic,
    fit_peers,
    logistic_score,
    peer_z,
)
from yibao.supervise.draw import Inspector, draw, published
from yibao.supervise.evaluate import auc, auprc, precision_at, provider_labels, score_rules
from yibao.supervise.kinds.base import strs
from yibao.supervise.kinds.visits import unsupported_secondaries
from yibao.supervise.load import load_rules
from yibao.supervise.model import Context, Item, Line, Past, RuleBase, Visit

DRG_KIND = "drg_unsupported_mcc"
#: The reference year that fits the detectors: the same profile and scale, this much later seed.
REFERENCE_SEED_OFFSET: Final = 1_000

VISIT_COLS = ("mdtrt_id", "psn_no", "fixmedins_code", "hosp_lv", "kind", "insutype", "offsite",
              "begndate", "enddate", "los_days", "total_fen", "chfpdr_code", "sex", "age",
              "death_date", "pdx", "sdx", "icu_hours", "vent_hours", "drg", "drg_regrouped")
LINE_COLS = ("mdtrt_id", "feedetl_sn", "hilist_code", "cnt_e4", "pric_e6", "fee_fen",
             "fee_date")
ITEM_COLS = ("hilist_code", "ref_pric_e6", "cap_e6", "lmt_sex", "age_min", "age_max", "lv_min",
             "lv_max", "max_day_e4")


@dataclass(frozen=True, slots=True)
class Claims:
    """The three rule relations as frames (columns VISIT_COLS, LINE_COLS, ITEM_COLS)."""

    visits: pl.DataFrame
    lines: pl.DataFrame
    items: pl.DataFrame


def _int_or(col: str, default: int) -> pl.Expr:
    return pl.col(col).cast(pl.Int64, strict=False).fill_null(default)


def items_from_catalogue(cat: pl.DataFrame) -> pl.DataFrame:
    cap = (pl.col("pric_uplmt_amt").str.replace(r"\.", "").cast(pl.Int64, strict=False) * 10_000)
    if "max_units_day" not in cat.columns:
        cat = cat.with_columns(pl.lit(None, pl.Int64).alias("max_units_day"))
    return cat.select(
        "hilist_code", pl.col("pric_e6").alias("ref_pric_e6"), cap.fill_null(-1).alias("cap_e6"),
        pl.col("lmt_sex").fill_null(""), _int_or("lmt_age_min", -1).alias("age_min"),
        _int_or("lmt_age_max", -1).alias("age_max"),
        pl.col("lmt_hosp_lv_min").fill_null("").alias("lv_min"),
        pl.col("lmt_hosp_lv_max").fill_null("").alias("lv_max"),
        (pl.col("max_units_day") * 10_000).fill_null(-1).alias("max_day_e4"))


def claims_from(visits: pl.DataFrame, persons: pl.DataFrame, stays: pl.DataFrame,
                fee_lines: pl.DataFrame, catalogue: pl.DataFrame) -> Claims:
    """The rule relations of a year in the simulator's layout (docs/sim.md): its visits,
    persons, settlement lists (`stays`), fee lines and catalogue; the DRG columns empty."""
    persons = persons.select("person", "sex", pl.col("age").cast(pl.Int64), "death_date")
    lists = stays.select(
        "mdtrt_id", pl.col("principal_diagnosis").alias("pdx"),
        pl.col("secondary_diagnoses").alias("sdx"), pl.col("icu_hours").cast(pl.Int64),
        pl.col("vent_hours").cast(pl.Int64))
    v = visits.join(persons, on="person", how="left").join(lists, on="mdtrt_id", how="left")
    v = v.with_columns(
        pl.col("pdx").fill_null(""), pl.col("sdx").fill_null(pl.lit([], pl.List(pl.Utf8))),
        pl.col("icu_hours").fill_null(0), pl.col("vent_hours").fill_null(0),
        pl.col("hosp_lv").fill_null(""), pl.col("sex").fill_null(""),
        pl.col("age").fill_null(-1), drg=pl.lit(""), drg_regrouped=pl.lit("")
    ).select(VISIT_COLS)
    lines = fee_lines.join(
        visits.select("visit", "mdtrt_id", "begndate"), on="visit", how="left")
    if "fee_date" not in lines.columns:
        lines = lines.with_columns(pl.col("begndate").alias("fee_date"))
    lines = lines.with_columns(pl.col("fee_date").fill_null(pl.col("begndate")))
    lines = lines.select(
        "mdtrt_id", pl.col("feedetl_sn").cast(pl.Int64), "hilist_code", "cnt_e4", "pric_e6",
        pl.col("det_item_fee_sumamt_fen").alias("fee_fen"), "fee_date")
    return Claims(v, lines, items_from_catalogue(catalogue))


def needs_drg(base: RuleBase) -> bool:
    return any(r.kind == DRG_KIND for r in base.rules)


def load_claims(data: Path, base: RuleBase | None = None) -> Claims:
    """The rule relations of a simulated year written by `yibao sim` (docs/sim.md); the stays'
    DRG columns are filled when `base` has a `drg_unsupported_mcc` rule (else "")."""
    stays = pl.read_parquet(data / "settlement_lists.parquet")
    claims = claims_from(*(pl.read_parquet(data / f"{name}.parquet")
                           for name in ("visits", "persons")), stays,
                         *(pl.read_parquet(data / f"{name}.parquet")
                           for name in ("fee_lines", "catalogue")))
    if base is not None and needs_drg(base):
        claims = with_drg(claims, base, stays)
    return claims


def with_drg(claims: Claims, base: RuleBase, stays: pl.DataFrame,
             coded: pl.DataFrame | None = None) -> Claims:
    """Fill `drg` (each stay grouped as coded, `yibao.payment.drg`; `coded`, `mdtrt_id, drg`,
    when the stays were grouped already) and `drg_regrouped` (grouped again without the
    secondary diagnoses the base's `unsupported_diagnosis` rules find unsupported; the same
    group when there are none). `stays` is in the settlement-list layout with `mdtrt_id`."""
    from yibao.payment.drg.batch import group_batch
    from yibao.services.drg import load_rules as load_drg_rules

    pack = load_drg_rules()
    if coded is None:
        coded = stays.select("mdtrt_id", group_batch(pack, stays)["drg"])
    grouped = dict(zip(coded["mdtrt_id"], coded["drg"], strict=True))
    dropped = _unsupported(claims, base, set(grouped))
    drop = pl.DataFrame({"mdtrt_id": list(dropped), "drop": [list(x) for x in dropped.values()]},
                        schema={"mdtrt_id": pl.Utf8, "drop": pl.List(pl.Utf8)})
    trimmed = stays.join(drop, on="mdtrt_id").with_columns(
        pl.col("secondary_diagnoses").list.set_difference("drop"))
    regrouped = dict(grouped)
    if trimmed.height:
        regrouped |= dict(zip(trimmed["mdtrt_id"],
                              group_batch(pack, trimmed.drop("drop"))["drg"], strict=True))
    ids = claims.visits["mdtrt_id"]
    visits = claims.visits.with_columns(
        drg=pl.Series([grouped.get(m, "") for m in ids], dtype=pl.Utf8),
        drg_regrouped=pl.Series([regrouped.get(m, "") for m in ids], dtype=pl.Utf8))
    return Claims(visits, claims.lines, claims.items)


def _unsupported(claims: Claims, base: RuleBase, stays: set[str]) -> dict[str, tuple[str, ...]]:
    """Per stay, its secondary diagnoses without support (`unsupported_secondaries`)."""
    rules = [r for r in base.rules if r.kind == "unsupported_diagnosis"]
    evidence = {c for r in rules for c in strs(r, "evidence_codes")}
    codes: dict[str, set[str]] = {}
    for mdtrt, code in claims.lines.filter(pl.col("hilist_code").is_in(list(evidence))).select(
            "mdtrt_id", "hilist_code").iter_rows():
        codes.setdefault(mdtrt, set()).add(code)
    out = {}
    rows = claims.visits.filter(pl.col("mdtrt_id").is_in(list(stays))
                                & (pl.col("sdx").list.len() > 0))
    for row in rows.select(VISIT_COLS).iter_rows():
        visit = _visit(row)
        gone = unsupported_secondaries(rules, visit, codes.get(visit.mdtrt_id, set()))
        if gone:
            out[visit.mdtrt_id] = gone
    return out


HIT_SCHEMA: Final = {"rule_id": pl.Utf8, "mdtrt_id": pl.Utf8, "feedetl_sn": pl.Int64}


def rule_tables(claims: Claims) -> dict[str, pl.DataFrame]:
    """The claims as the inputs `KEYED` reads."""
    return {f"{name}_src": getattr(claims, name) for name in ("visits", "lines", "items")}


def batch_hits(base: RuleBase, claims: Claims, engine: Engine | None = None) -> pl.DataFrame:
    """Every hit of every rule: `rule_id, mdtrt_id, feedetl_sn` (0 = the visit as a whole),
    each once, sorted."""
    found = (engine or DuckDB()).run(SqlPlan(KEYED, plan(base)), rule_tables(claims))
    if found.width == 0:
        return pl.DataFrame(schema=HIT_SCHEMA)
    return found.cast(HIT_SCHEMA)


def items_map(claims: Claims) -> dict[str, Item]:
    return {row[0]: Item(*row) for row in claims.items.select(ITEM_COLS).iter_rows()}


def _visit(row: tuple) -> Visit:
    values = list(row)
    values[16] = tuple(values[16] or ())
    return Visit(*values)


def contexts(claims: Claims, history_days: int = 400) -> Iterator[Context]:
    """Each visit with its lines and the person's earlier visits (by begin date, then id) within
    `history_days`, as a per-visit check would hold them in memory."""
    items = items_map(claims)
    by_visit: dict[str, list[Line]] = {}
    for row in claims.lines.select(LINE_COLS).iter_rows():
        by_visit.setdefault(row[0], []).append(Line(*row[1:]))
    ordered = claims.visits.sort("psn_no", "begndate", "mdtrt_id")
    past: list[Past] = []
    person = None
    for row in ordered.select(VISIT_COLS).iter_rows():
        visit = _visit(row)
        if visit.psn_no != person:
            past, person = [], visit.psn_no
        lines = tuple(by_visit.get(visit.mdtrt_id, ()))
        recent = tuple(p for p in past
                       if (visit.begndate - p.visit.enddate).days <= history_days)
        yield Context(visit, lines, recent, items)
        past.append(Past(visit, lines))


# ---------- evaluation (yibao audit evaluate) ----------

@dataclass(frozen=True, slots=True)
class YearScores:
    """One year's provider features, labels and rule hits."""

    features: pl.DataFrame
    labels: pl.DataFrame
    hits: pl.DataFrame
    raw_labels: pl.DataFrame


def score_claims(base: RuleBase, claims: Claims, labels: pl.DataFrame,
                 institutions: pl.DataFrame, hits: pl.DataFrame | None = None) -> YearScores:
    """A year's provider features, labels and rule hits (`hits`: when the batch ran already)."""
    hits = batch_hits(base, claims) if hits is None else hits
    results = {r.id: r.result for r in base.rules}
    feats = provider_features(claims.visits, hits, results, institutions)
    prov = provider_labels(claims.visits, labels, marked=institutions
                           if "abusive" in institutions.columns else None)
    feats = feats.join(prov, on="fixmedins_code", how="left").with_columns(
        pl.col("abusive").fill_null(False))
    return YearScores(feats, prov, hits, labels)


def score_year(base: RuleBase, data: Path) -> YearScores:
    return score_claims(base, load_claims(data, base), pl.read_parquet(data / "labels.parquet"),
                        pl.read_parquet(data / "institutions.parquet"))


def simulate_reference(data: Path, out: Path, seed_offset: int = REFERENCE_SEED_OFFSET) -> Path:
    """A second simulated year like `data` (same profile and scale, another seed)."""
    from yibao.services.sim import read_meta, run_sim
    from yibao.sim.abuse import default_rates

    name, scale, seed = read_meta(data)
    run_sim(name, scale, seed + seed_offset, out, default_rates())
    return out


def _metrics(score: np.ndarray, label: np.ndarray) -> dict[str, float]:
    return {"provider_auc": auc(score, label), "auprc": auprc(score, label),
            "precision_at_capacity": precision_at(score, label)}


def evaluate(data: Path, train: Path, rules: Path | None = None) -> dict[str, object]:
    """Rules and detectors on `data`, detectors fitted on `train` (docs/supervise.md)."""
    base = load_rules(rules)
    return evaluation(base, score_year(base, data), score_year(base, train))


def evaluation(base: RuleBase, test: YearScores, ref: YearScores) -> dict[str, object]:
    """Rules and detectors scored on `test`, the detectors fitted on `ref`."""
    peers = fit_peers(ref.features)
    z_ref, z = peer_z(peers, ref.features), peer_z(peers, test.features)
    model = fit_logistic(z_ref, ref.features["abusive"].to_numpy())
    label = test.features["abusive"].to_numpy()
    fitted, unsup = logistic_score(model, z), anomaly_score(z)
    top = np.argsort(-fitted)[:10]
    why = explain(test.features, z)
    return {
        "rules": score_rules(base, test.hits, test.raw_labels),
        "detectors": {**_metrics(fitted, label), "method": "peer z-scores + logistic (fitted)",
                      "unsupervised": _metrics(unsup, label),
                      "providers": len(label), "abusive": int(label.sum())},
        "top_providers": [{"fixmedins_code": test.features["fixmedins_code"][int(i)],
                           "score": round(float(fitted[i]), 4),
                           "abusive": bool(label[i]), "why": why[int(i)]} for i in top],
        "rule_base": {"version": base.version, "rules": len(base.rules),
                      "kinds": len({r.kind for r in base.rules})},
        "hits": {"total": test.hits.height,
                 "by_rule": dict(test.hits.group_by("rule_id").len().sort("rule_id").iter_rows())},
    }


def claims_of(visits: list[Visit], lines: dict[str, list[Line]], items: dict[str, Item]
              ) -> Claims:
    """The rule relations of visits held in memory (for tests and the per-visit benchmark)."""
    v = pl.DataFrame([{k: getattr(x, k) for k in VISIT_COLS} for x in visits],
                     schema_overrides={"sdx": pl.List(pl.Utf8), "death_date": pl.Date,
                                       "begndate": pl.Date, "enddate": pl.Date})
    begin = {x.mdtrt_id: x.begndate for x in visits}
    rows = [(mdtrt, x.feedetl_sn, x.hilist_code, x.cnt_e4, x.pric_e6, x.fee_fen,
             x.fee_date or begin.get(mdtrt)) for mdtrt, ls in lines.items() for x in ls]
    ln = pl.DataFrame(rows, schema=dict.fromkeys(LINE_COLS, pl.Int64) | {
        "mdtrt_id": pl.Utf8, "hilist_code": pl.Utf8, "fee_date": pl.Date}, orient="row")
    it = pl.DataFrame([tuple(getattr(i, k) for k in ITEM_COLS) for i in items.values()],
                      schema={"hilist_code": pl.Utf8, "ref_pric_e6": pl.Int64,
                              "cap_e6": pl.Int64, "lmt_sex": pl.Utf8, "age_min": pl.Int64,
                              "age_max": pl.Int64, "lv_min": pl.Utf8, "lv_max": pl.Utf8,
                              "max_day_e4": pl.Int64},
                      orient="row")
    return Claims(v, ln, it)


# ---------- credit and random inspection (yibao audit credit / draw) ----------

def _confirmed(base: RuleBase, claims: Claims, hits: pl.DataFrame | None = None
               ) -> pl.DataFrame:
    """Hits of 违规 rules taken as confirmed cases (one per visit and rule); the year carries no
    review outcomes yet, so 可疑 hits stay unconfirmed. `hits`: when the batch ran already."""
    rules = pl.DataFrame({"rule_id": [r.id for r in base.rules],
                          "result": [r.result for r in base.rules],
                          "severity": [r.severity for r in base.rules]})
    hits = (batch_hits(base, claims) if hits is None else hits).join(
        rules, on="rule_id").filter(pl.col("result") == "违规")
    fees = claims.lines.select("mdtrt_id", "feedetl_sn", "fee_fen")
    hits = hits.join(fees, on=["mdtrt_id", "feedetl_sn"], how="left").with_columns(
        pl.col("fee_fen").fill_null(0))
    return hits.group_by("mdtrt_id", "rule_id").agg(
        pl.col("severity").first(), pl.col("fee_fen").sum()).join(
        claims.visits.select("mdtrt_id", "fixmedins_code", "chfpdr_code", "total_fen"),
        on="mdtrt_id")


def recoveries(base: RuleBase, claims: Claims, hits: pl.DataFrame | None = None
               ) -> pl.DataFrame:
    """Per institution: confirmed cases and the amount their lines would recover (fen); the
    largest amount first, equal amounts by institution code (the grouping's own order varies
    from run to run)."""
    cases = _confirmed(base, claims, hits)
    return cases.group_by("fixmedins_code").agg(
        pl.len().alias("cases"), pl.col("fee_fen").sum().alias("amount_fen")
    ).sort(["amount_fen", "fixmedins_code"], descending=[True, False])


def credit_year(data: Path, rules: Path | None = None, scheme: Path | None = None
                ) -> tuple[tuple[CreditResult, ...], tuple[StaffPoints, ...]]:
    """Institution credit and staff points of a year from its confirmed hits."""
    base = load_rules(rules)
    sch, claims = load_scheme(scheme), load_claims(data, base)
    cases = _confirmed(base, claims)
    staff = staff_points(sch, cases.select("chfpdr_code", "severity").iter_rows())
    stopped = {s.staff_code for s in staff if s.suspended}
    per = claims.visits.group_by("fixmedins_code").agg(
        pl.len().alias("visits"), pl.col("total_fen").sum().alias("paid"),
        pl.col("chfpdr_code").unique().alias("staff"))
    bad = cases.group_by("fixmedins_code").agg(
        pl.col("mdtrt_id").n_unique().alias("bad"), pl.len().alias("n"),
        pl.col("fee_fen").sum().alias("fee"))
    rows = per.join(bad, on="fixmedins_code", how="left").fill_null(0).sort("fixmedins_code")
    out = []
    for code, visits, paid, team, n_bad, n, fee in rows.iter_rows():
        facts = {"violation_rate_e3": n_bad * 1000 // max(visits, 1), "confirmed_cases": n,
                 "recovered_e3": fee * 1000 // max(paid, 1),
                 "staff_suspended": len(stopped & set(team))}
        out.append(score_institution(sch, code, facts))
    return tuple(out), staff


def load_register(path: Path | None = None) -> tuple[Inspector, ...]:
    import tomllib

    path = path or Path(__file__).parents[1] / "supervise" / "rules" / "inspectors-example.toml"
    doc = tomllib.loads(path.read_text("utf-8"))
    return tuple(Inspector(i["id"], i["name"], frozenset(i.get("conflicts", ())))
                 for i in doc["inspector"])


def draw_year(data: Path, seed: int, rules: Path | None = None, scheme: Path | None = None,
              register: Path | None = None) -> list[str]:
    """The published list of a random inspection draw over the year's institutions, stratified
    by their credit grade; the same inputs and seed give the same list."""
    results, _ = credit_year(data, rules, scheme)
    insts = pl.read_parquet(data / "institutions.parquet")
    names = dict(insts.select("fixmedins_code", "fixmedins_name").iter_rows())
    grades = {r.fixmedins_code: r.grade for r in results}
    return published(draw(grades, load_register(register), seed), names)
