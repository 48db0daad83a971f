"""Shared fixtures: the CHS-DRG 1.1 rule pack (loaded once per session, through the cache) and
the OpenDRG sample cases, both found beside the checkout from this file's location."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import pytest

from tests.payment.drg.strategies import Pools, pools
from yibao.payment.drg import RulePack, default_cache_dir, load_rule_pack

REPO = Path(__file__).resolve().parents[3]
SHARED_DRG = REPO.parent / "shared" / "data" / "drg"
RULES_DIR = SHARED_DRG / "chs-drg-1.1"
SAMPLE_CSV = SHARED_DRG / "cases" / "opendrg-chs-drg-1.1-sample.csv"


@pytest.fixture(scope="session")
def rules() -> RulePack:
    if not RULES_DIR.is_dir():
        raise FileNotFoundError(f"the CHS-DRG 1.1 rule pack is expected at {RULES_DIR}")
    return load_rule_pack(RULES_DIR, cache_dir=default_cache_dir(os.environ))


@pytest.fixture(scope="session")
def sample() -> pl.DataFrame:
    """The 30 OpenDRG sample cases as read from the CSV (every column text)."""
    return pl.read_csv(SAMPLE_CSV, infer_schema=False)


@pytest.fixture(scope="session")
def code_pools(rules: RulePack) -> Pools:
    return pools(rules.pack)
