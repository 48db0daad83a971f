"""The year job's bulk store load keeps the ledger balanced and agrees with the stateful path.

At scale 0.005: every visit becomes one settlement, the ledger check passes, a person's stored
accumulators are the batch's accumulators after their last visit, a sample of persons settled
one visit at a time through `settle_committed` matches the batch to the fen, a bulk-loaded
settlement can be reversed like any other, and a second load into the same database is refused
(nothing written).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from yibao.jobs.year import read_year
from yibao.jobs.year_replay import replay_sample
from yibao.jobs.year_store import (
    StoreLoad,
    YearStoreError,
    load_year,
)
from yibao.policy.loader import load_policy
from yibao.services.fund import check_fund_ledger
from yibao.services.settle_service import (
    Reversed,
    accumulators_of,
    reverse_settlement,
    settlement_id,
)
from yibao.services.sim import run_sim
from yibao.settle.batch import BatchResult
from yibao.settle.columns import RequestColumns
from yibao.settle.model import YTD_KEYS
from yibao.sim.columns import to_columns
from yibao.sim.profile import load_profile
from yibao.sim.settle import settle_year
from yibao.sim.simulate import SimTables
from yibao.store import Store

Year = tuple[SimTables, RequestColumns, BatchResult]


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> Year:
    folder = tmp_path_factory.mktemp("sim")
    run_sim("linshui-2020", 0.005, 7, folder)
    name, _scale, tables = read_year(folder)
    profile = load_profile(name)
    cols = to_columns(tables.visits, tables.fee_lines, tables.persons, tables.contributions,
                      load_policy(profile.policy), profile.year)
    return tables, cols, settle_year(cols, tables, workers=1)


@pytest.fixture(scope="module")
def loaded(year: Year, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, StoreLoad]:
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'year.db'}"
    return url, load_year(*year, url)


def test_every_visit_is_one_settlement_and_the_ledger_balances(
        year: Year, loaded: tuple[str, StoreLoad]) -> None:
    tables, _cols, _result = year
    _url, load = loaded
    assert load.settlements == tables.visits.height
    assert load.ledger.ok and load.ledger.postings == load.postings > 0
    assert load.persons == tables.persons.height


def test_stored_accumulators_are_the_batch_after_the_last_visit(
        year: Year, loaded: tuple[str, StoreLoad]) -> None:
    tables, _cols, result = year
    url, _load = loaded
    counts = np.bincount(tables.visits["person"].to_numpy())
    person = int(np.argmax(counts))  # the person with the most visits
    last = int(np.flatnonzero(tables.visits["person"].to_numpy() == person)[-1])
    row = tables.persons.row(person, named=True)
    held = accumulators_of(row["id_number"], row["insutype"], 2020, store=Store(url))
    assert held is not None
    ytd, version = held
    after = result.ytd_after[last]
    assert version == counts[person]
    assert ytd.admissions == after[0]
    for index, key in enumerate(YTD_KEYS[1:], start=1):
        assert int(getattr(ytd, key) * 100) == after[index], key


def test_a_replayed_sample_agrees_with_the_batch_to_the_fen(year: Year) -> None:
    tables, _cols, result = year
    replay = replay_sample(tables, result, n_persons=60, seed=3)
    assert replay.persons == 60 and replay.visits > 60
    assert replay.mismatches == ()


def test_a_second_load_is_refused_and_writes_nothing(
        year: Year, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'twice.db'}"
    first = load_year(*year, url)
    with pytest.raises(YearStoreError, match="已有"):
        load_year(*year, url)
    report = check_fund_ledger(Store(url))
    assert report.ok and report.postings == first.postings


def test_a_bulk_loaded_settlement_reverses_like_any_other(year: Year, tmp_path: Path) -> None:
    tables, _cols, result = year
    url = f"sqlite:///{tmp_path / 'reverse.db'}"
    load_year(*year, url)
    paid = int(np.flatnonzero(result.values["fund_pay_sumamt"] > 0)[0])
    visit = tables.visits.row(paid, named=True)
    store = Store(url)
    out = reverse_settlement(settlement_id(visit["fixmedins_code"], visit["mdtrt_id"]),
                             store=store)
    assert isinstance(out, Reversed)
    assert out.returned_fen == result.values["fund_pay_sumamt"][paid] + \
        result.values["acct_pay"][paid]
    assert check_fund_ledger(store).ok
