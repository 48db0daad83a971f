"""On a simulated year with injected abuse (scale 0.01), the per-visit engine and the batch SQL
engine give exactly the same hits for every rule of the shipped base, and the rules find the
injected restricted, swapped and upcoded cases."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from yibao.services.audit import batch_hits, contexts, load_claims
from yibao.services.sim import run_sim
from yibao.sim.abuse import default_rates
from yibao.supervise.check import check_visit, compile_checks
from yibao.supervise.evaluate import score_rules
from yibao.supervise.load import load_rules


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("year")
    run_sim("linshui-2020", 0.01, 7, out, default_rates())
    return out


def test_two_engines_equal_on_a_year(year: Path) -> None:
    base = load_rules()
    claims = load_claims(year)
    sql = set(batch_hits(base, claims).iter_rows())
    compiled = compile_checks(base)
    py = {(h.rule_id, h.mdtrt_id, h.feedetl_sn)
          for ctx in contexts(claims) for h in check_visit(compiled, ctx)}
    assert len(sql) > 100
    assert py == sql


def test_rules_find_clean_patterns(year: Path) -> None:
    base = load_rules()
    hits = batch_hits(base, load_claims(year))
    scores = score_rules(base, hits, pl.read_parquet(year / "labels.parquet"))
    for pattern in ("restricted_item", "swapped_item", "upcoding"):
        assert scores[pattern]["recall"] >= 0.95, pattern
        assert scores[pattern]["precision"] >= 0.90, pattern
