"""Opening audit cases (`open_cases`) over a region-year's stored settlements, on both backends:
an unusual fee-line number or a bulk-loaded settlement (whose stored request is a stub, as the
year job writes it) does not stop the batch, and a second run opens nothing new."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import update

from tests.services.population import RESIDENT, WORKER, visit
from yibao.services import cases
from yibao.services.settle_service import Settled, settle_committed
from yibao.store import Store
from yibao.store.schema import settlements


def _settle(store: Store, psn_no: str, mdtrt_id: str, day: str = "2024-03-09") -> Settled:
    done = settle_committed(visit(psn_no, mdtrt_id, day=day), store=store)
    assert isinstance(done, Settled), done
    return done


def _open(store: Store) -> cases.Opened:
    opened = cases.open_cases("511623", 2024, actor="test", store=store)
    assert isinstance(opened, cases.Opened), opened
    return opened


def test_a_superscript_fee_line_number_does_not_stop_the_batch(populated: Store) -> None:
    doc = visit(RESIDENT, "AU-SUP")
    doc["fees"][1]["feedetl_sn"] = "²"  # "²".isdigit() is True, int("²") fails
    done = settle_committed(doc, store=populated)
    assert isinstance(done, Settled), done
    _settle(populated, WORKER, "AU-PLAIN", day="2024-04-02")
    opened = _open(populated)
    assert opened.hits > 0 and opened.opened > 0 and opened.skipped == 0


def test_a_bulk_loaded_settlement_is_skipped_not_a_key_error(populated: Store) -> None:
    stub = _settle(populated, RESIDENT, "AU-STUB")
    _settle(populated, WORKER, "AU-FULL", day="2024-04-02")
    with populated.engine.begin() as connection:  # the request the year job's bulk load stores
        connection.execute(update(settlements).where(settlements.c.setl_id == stub.setl_id)
                           .values(request_json=json.dumps(
                               {"mdtrt_id": "AU-STUB", "source": "yibao-year-batch"})))
    opened = _open(populated)
    assert opened.skipped == 1 and opened.opened > 0
    again = _open(populated)
    assert (again.hits, again.opened, again.existing) == (opened.hits, 0, opened.opened)


def test_an_unknown_region_or_a_year_without_settlements_is_refused(populated: Store) -> None:
    _settle(populated, RESIDENT, "AU-ONE")
    for region, year, words in (("5116", 2024, "6 位数字"), ("５１１６２３", 2024, "6 位数字"),
                                ("511699", 2024, "没有区划 511699"),
                                ("511623", 2019, "2019 年度没有结算记录")):
        refused = cases.open_cases(region, year, actor="test", store=populated)
        assert isinstance(refused, cases.OpenRefused) and words in refused.message, refused


def test_every_page_of_the_year_is_read(populated: Store, monkeypatch: pytest.MonkeyPatch
                                        ) -> None:
    """A region-year with more settlements than a page is read whole, page after page (before
    the fix the batch read only the first VISITS_MAX settlements and left the rest unchecked)."""
    visits = [(RESIDENT, "AU-P1", "2024-03-09"), (WORKER, "AU-P2", "2024-04-02"),
              (RESIDENT, "AU-P3", "2024-05-06"), (WORKER, "AU-P4", "2024-06-01"),
              (RESIDENT, "AU-P5", "2024-07-01")]
    for psn_no, mdtrt_id, day in visits:
        _settle(populated, psn_no, mdtrt_id, day=day)
    monkeypatch.setattr(cases, "VISITS_PER_PAGE", 2)
    said: list[str] = []
    opened = cases.open_cases("511623", 2024, actor="test", store=populated,
                              progress=said.append)
    assert isinstance(opened, cases.Opened), opened
    assert [m for m in said if m.startswith("读取结算")] == [
        "读取结算 2 笔", "读取结算 4 笔", "读取结算 5 笔"]
    with populated.unit_of_work(read_only=True) as uow:
        _total, rows = uow.cases.page("511623", None, 500, 0)
    assert {r.mdtrt_id for r in rows} == {m for _p, m, _d in visits}
