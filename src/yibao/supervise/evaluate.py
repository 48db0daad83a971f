"""Measure rules and detectors against labelled abuse (the simulator's `labels` table).

Rules: per injected pattern that some rule targets, recall over labelled cases (a case is found
when any of its rows is hit) and precision over hit units (a line, or a visit for visit-level
hits) that fall on a row labelled with that pattern. Detectors: provider-level AUC, AUPRC and
precision at the inspection capacity (the top share of providers by score).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl

from yibao.supervise.model import RuleBase

F64 = npt.NDArray[np.float64]
CAPACITY_SHARE = 0.05


def _label_units(labels: pl.DataFrame) -> pl.DataFrame:
    return labels.select(
        "pattern", "case_id", "mdtrt_id",
        pl.when(pl.col("table") == "fee_lines").then(pl.col("feedetl_sn").cast(pl.Int64))
        .otherwise(0).fill_null(0).alias("label_sn"))


def _pattern_score(pattern: str, rule_ids: list[str], hits: pl.DataFrame,
                   units: pl.DataFrame) -> dict[str, object]:
    mine = hits.filter(pl.col("rule_id").is_in(rule_ids)).select(
        "mdtrt_id", pl.col("feedetl_sn").cast(pl.Int64)).unique()
    lab = units.filter(pl.col("pattern") == pattern)
    joined = mine.join(lab, on="mdtrt_id", how="inner").filter(
        (pl.col("label_sn") == 0) | (pl.col("feedetl_sn") == 0)
        | (pl.col("label_sn") == pl.col("feedetl_sn")))
    true_units = joined.select("mdtrt_id", "feedetl_sn").unique().height
    cases = lab.select("case_id").unique().height
    found = joined.select("case_id").unique().height
    return {"recall": found / cases if cases else None,
            "precision": true_units / mine.height if mine.height else None,
            "cases": cases, "cases_found": found, "hits": mine.height,
            "true_hits": true_units, "rules": rule_ids}


def score_rules(base: RuleBase, hits: pl.DataFrame, labels: pl.DataFrame
                ) -> dict[str, dict[str, object]]:
    """Recall and precision per labelled pattern that at least one rule targets."""
    units = _label_units(labels)
    present = set(units["pattern"].unique().to_list())
    targeted: dict[str, list[str]] = {}
    for rule in base.rules:
        for pattern in rule.targets:
            targeted.setdefault(pattern, []).append(rule.id)
    return {p: _pattern_score(p, ids, hits, units)
            for p, ids in sorted(targeted.items()) if p in present}


def auc(score: F64, label: npt.NDArray[np.bool_]) -> float:
    """Area under the ROC curve (Mann–Whitney, ties counted half)."""
    pos, neg = score[label], score[~label]
    if not len(pos) or not len(neg):
        return float("nan")
    order = np.argsort(np.concatenate([pos, neg]), kind="mergesort")
    ranks = np.empty(len(order))
    values = np.concatenate([pos, neg])[order]
    i = 0
    while i < len(values):  # average ranks over ties
        j = i
        while j + 1 < len(values) and values[j + 1] == values[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return float((ranks[:len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def auprc(score: F64, label: npt.NDArray[np.bool_]) -> float:
    """Average precision: mean precision at the rank of each positive."""
    order = np.argsort(-score, kind="mergesort")
    hit = label[order]
    if not hit.any():
        return float("nan")
    precision = np.cumsum(hit) / np.arange(1, len(hit) + 1)
    return float(precision[hit].mean())


def precision_at(score: F64, label: npt.NDArray[np.bool_], share: float = CAPACITY_SHARE
                 ) -> float:
    k = max(1, int(np.ceil(len(score) * share)))
    top = np.argsort(-score, kind="mergesort")[:k]
    return float(label[top].mean())


def provider_labels(visits: pl.DataFrame, labels: pl.DataFrame, min_share: float = 0.03,
                    marked: pl.DataFrame | None = None, min_cases: int = 1) -> pl.DataFrame:
    """Which institutions are abusive (docs/supervise.md, "Provider labels").

    With `marked` (`fixmedins_code`, `abusive`: the simulator's abusive institutions): a marked
    institution with at least `min_cases` labelled cases, or the ring's host. Without it (data
    that names no abusive institutions): labelled rows touch at least `min_share` of its visits,
    or it hosts a ring (机构-医生-患者团伙)."""
    touched = labels.select("mdtrt_id", "pattern").group_by("mdtrt_id").agg(
        (pl.col("pattern") == "ring").any().alias("ring"))
    v = visits.select("mdtrt_id", "fixmedins_code").join(touched, on="mdtrt_id", how="left")
    ring = pl.col("ring").fill_null(False).any()
    if marked is None:
        rule = (pl.col("ring").is_not_null().mean() >= min_share).or_(ring)
        return v.group_by("fixmedins_code").agg(rule.alias("abusive")).sort("fixmedins_code")
    v = v.join(marked.select("fixmedins_code", pl.col("abusive").alias("marked")),
               on="fixmedins_code", how="left")
    rule = ((pl.col("marked").fill_null(False).any()
             & (pl.col("ring").is_not_null().sum() >= min_cases)).or_(ring))
    return v.group_by("fixmedins_code").agg(rule.alias("abusive")).sort("fixmedins_code")
