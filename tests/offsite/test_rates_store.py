"""The store's grouping of a year's settlements (`BureauReads.offsite_flows`) and the flows
service give, on SQLite and on PostgreSQL, the figures the pure definition gives for the same
settlements as a polars frame (the year job's path): one definition, two engines. Reversed
settlements and other years are left out; a settlement without a recorded care region is
local."""

from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl
import pytest
from sqlalchemy import insert

from tests.indicators.test_offsite_rates import REGIONS, settlements
from tests.store.fixtures import StoreFactory, backend, make_store, templates  # noqa: F401
from yibao.core.idnum import make_resident_id
from yibao.indicators.offsite import frame_flows, offsite_indicators, store_flows
from yibao.services import flows
from yibao.services.accounts import Principal
from yibao.services.bureau import Refused
from yibao.settle.model import MONEY_FIELDS
from yibao.store import Store
from yibao.store.schema import persons, reversals
from yibao.store.schema import settlements as table

YEAR = 2024
AT = datetime(2024, 6, 1, 4, 0, tzinfo=UTC)


def person_of(region: str) -> str:
    return make_resident_id(region, date(1960, 1, 1), 11, "M")


def _row(n: int, s: dict[str, object], year: int = YEAR) -> dict[str, object]:
    insured, care = str(s["insured_region"]), str(s["care_region"])
    return {"setl_id": f"S{n:06d}", "fixmedins_code": f"H{care}00001", "mdtrt_id": f"M{n:06d}",
            "id_number": person_of(insured), "scheme": "390", "region": insured,
            "year": year, "policy_id": f"{insured}-{year}", "med_type": s["med_type"],
            **{f"{name}_fen": 0 for name in MONEY_FIELDS},
            "medfee_sumamt_fen": s["medfee_fen"], "fund_pay_sumamt_fen": s["fund_fen"],
            "acct_pay_fen": s["acct_fen"], "request_hash": f"{n:064d}", "request_json": "{}",
            "result_json": "{}", "ytd_before_json": "{}", "accum_version": 1,
            "created_at": AT, "care_region": None if care == insured and n % 2 else care,
            "channel": s["channel"],
            "offsite": "local" if care == insured else "filed"}


def seed_flows(store: Store) -> None:
    """The hand-made set of tests/indicators/test_offsite_rates.py as stored settlements
    (every other local one without a care region), plus a reversed cross-province stay and a
    stay of the year before, which count nowhere."""
    with store.engine.begin() as connection:
        connection.execute(insert(persons), [
            {"id_number": person_of(r), "name": f"参保人{r}", "birth_date": date(1960, 1, 1),
             "sex": "M", "region": r, "groups": ""} for r in REGIONS])
        stored = [_row(n, s) for n, s in enumerate(settlements())]
        extra = {"insured_region": "511623", "care_region": "500112", "channel": "direct",
                 "med_type": "21", "medfee_fen": 900_000, "fund_fen": 1, "acct_fen": 0}
        stored += [_row(900, extra), _row(901, extra, YEAR - 1)]
        connection.execute(insert(table), stored)
        connection.execute(insert(reversals).values(
            reversal_id="R000900", setl_id="S000900", accum_version=2, created_at=AT))


@pytest.fixture
def store(make_store: StoreFactory) -> Store:  # noqa: F811 (the shared fixture)
    """A migrated store of each backend holding the set (a template built once)."""
    return make_store(lambda store, _folder: seed_flows(store), "offsite-flows")


def expected(regions: list[str] | tuple[str, ...]) -> dict[str, object]:
    """The year job's path: the same settlements as a frame, one polars group_by."""
    return offsite_indicators(frame_flows(pl.DataFrame(settlements())), regions)


def test_store_grouping_agrees_with_the_frame(store: Store) -> None:
    with store.unit_of_work(read_only=True) as work:
        rows = store_flows(work.reads.offsite_flows("", YEAR))
        assert work.reads.latest_settlement_year("5116") == YEAR
    assert offsite_indicators(rows, REGIONS) == expected(REGIONS)


def test_service_by_scope(store: Store) -> None:
    city = flows.offsite_flows(Principal("c", "director", "511600"), YEAR, store=store)
    assert not isinstance(city, Refused)
    assert city.scope == "5116" and city.document == expected(REGIONS)
    county = flows.offsite_flows(Principal("l", "handler", "511623"), store=store)
    assert not isinstance(county, Refused)
    assert county.year == YEAR  # the newest year with a settlement in scope
    assert county.document == expected(["511623"])
    assert list(county.document["regions"]) == ["511623"]
    refused = flows.offsite_flows(Principal("l", "handler", "511623"), YEAR, "511602",
                                  store=store)
    assert isinstance(refused, Refused) and refused.reason == "out_of_scope"
