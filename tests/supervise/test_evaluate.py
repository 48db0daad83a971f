"""The metrics are right on hand-checked examples, the detectors rank an obviously odd provider
first and explain it, and a rule that raises fails the visit closed."""

from __future__ import annotations

import numpy as np
import polars as pl

from tests.supervise.conftest import ITEMS, visit
from yibao.supervise.check import ERROR_SN, Compiled, check_visit
from yibao.supervise.detect.features import FEATURES
from yibao.supervise.detect.score import anomaly_score, explain, fit_peers, peer_z
from yibao.supervise.evaluate import auc, auprc, precision_at
from yibao.supervise.load import load_rules
from yibao.supervise.model import Context


def test_auc_auprc_precision_at() -> None:
    score = np.array([0.9, 0.8, 0.7, 0.1])
    label = np.array([True, False, True, False])
    assert auc(score, label) == 0.75
    assert auprc(score, label) == (1 + 2 / 3) / 2
    assert precision_at(score, label, 0.25) == 1.0
    assert auc(np.array([1.0, 1.0]), np.array([True, False])) == 0.5


def test_peer_scores_explain() -> None:
    rows = {f: [0.1] * 9 + [0.9] for f in FEATURES}
    frame = pl.DataFrame({"peer": ["2/hospital"] * 10, **rows})
    frame = frame.with_columns(*(pl.col(f) + pl.int_range(10) * 0.001 for f in FEATURES))
    z = peer_z(fit_peers(frame), frame)
    score = anomaly_score(z)
    assert int(np.argmax(score)) == 9
    assert "2/hospital" in explain(frame, z)[9]


def test_rule_that_raises_fails_closed() -> None:
    rule = load_rules().rules[0]

    def boom(_rule, _ctx):
        raise RuntimeError("bad")
        yield

    hits = check_visit(Compiled(((rule, boom),)), Context(visit(), (), (), ITEMS))
    assert [h.feedetl_sn for h in hits] == [ERROR_SN]
