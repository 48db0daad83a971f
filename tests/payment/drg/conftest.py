"""Shared fixtures: the CHS-DRG 1.1 rule pack shipped with yibao (loaded once per session, through
the cache) and the 30 OpenDRG sample cases kept in `data/` beside this file (OpenDRG/DRG_Python @
5d523a26, `input.txt`, Apache-2.0 like the shipped pack, see src/yibao/payment/data/SOURCES.md)."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import pytest

from tests.payment.drg.strategies import Pools, pools
from yibao.payment.drg import RulePack, default_cache_dir, load_rule_pack
from yibao.payment.shipped import SHIPPED_RULES

RULES_DIR = SHIPPED_RULES
SAMPLE_CSV = Path(__file__).parent / "data" / "opendrg-chs-drg-1.1-sample.csv"


@pytest.fixture(scope="session")
def rules() -> RulePack:
    return load_rule_pack(RULES_DIR, cache_dir=default_cache_dir(os.environ))


@pytest.fixture(scope="session")
def sample() -> pl.DataFrame:
    """The 30 OpenDRG sample cases as read from the CSV (every column text)."""
    return pl.read_csv(SAMPLE_CSV, infer_schema=False)


@pytest.fixture(scope="session")
def code_pools(rules: RulePack) -> Pools:
    return pools(rules.pack)
