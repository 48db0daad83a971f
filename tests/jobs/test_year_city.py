"""The year job over the Guang'an deployment (SQLite, a small scale): every region settled
under its own policy with `offsite` derived from the filings (never read from the visits); every
offsite settlement stored once with its care region, direct ones owed to the care region in the
insured region's ledger; every region's ledger balances; the city's indicators are the sums."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import func, select

from yibao.jobs.city_sim import run_city_sim
from yibao.jobs.year import run_year
from yibao.jobs.year_city import CityOutcome, run_city_year
from yibao.store import Store
from yibao.store.schema import (
    fund_postings,
    offsite_clearing_items,
    offsite_clearings,
    offsite_filings,
    settlements,
)

SCALE = 0.004


@dataclass(frozen=True)
class City:
    data: Path
    outcome: CityOutcome
    url: str


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> City:
    root = tmp_path_factory.mktemp("guangan")
    data = root / "data"
    run_city_sim("guangan-2020", SCALE, 3, data)
    # the visits' own offsite value is not trusted: scramble it before the job reads it
    for code in ("511621", "511623"):
        path = data / code / "visits.parquet"
        frame = pl.read_parquet(path)
        frame.write_parquet(root / f"{code}.parquet")  # the simulator's own, for the checks
        frame.with_columns(pl.lit("filed").alias("offsite")).write_parquet(path)
    url = f"sqlite:///{root / 'city.db'}"
    return City(data, run_city_year(data, root / "report", db=url), url)


def _visits(data: Path) -> pl.DataFrame:
    """Every region's visits as the simulator wrote them (before the scrambling)."""
    def path(code: str) -> Path:
        kept = data.parent / f"{code}.parquet"
        return kept if kept.is_file() else data / code / "visits.parquet"

    return pl.concat([pl.read_parquet(path(c)).with_columns(pl.lit(c).alias("region"))
                      for c in ("511602", "511603", "511621", "511622", "511623", "511681")])


def test_every_offsite_settlement_is_stored_once_with_its_care_region(city: City) -> None:
    visits = _visits(city.data)
    store = Store(city.url)
    try:
        with store.engine.connect() as connection:
            rows = pl.DataFrame(connection.execute(select(
                settlements.c.mdtrt_id, settlements.c.region, settlements.c.care_region,
                settlements.c.offsite, settlements.c.channel, settlements.c.filing_id,
                settlements.c.txn_id)).all(), orient="row", schema=[
                "mdtrt_id", "region", "care_region", "offsite", "channel", "filing_id",
                "txn_id"])
            filings = connection.execute(select(func.count()).select_from(offsite_filings)
                                         ).scalar()
            keys = pl.DataFrame(connection.execute(select(
                fund_postings.c.txn_id, fund_postings.c.account_key)).all(), orient="row",
                schema=["txn_id", "account_key"])
    finally:
        store.dispose()
    assert rows.height == visits.height and rows["mdtrt_id"].is_unique().all()
    assert filings == pl.read_parquet(city.data / "filings.parquet").height
    joined = visits.join(rows, on="mdtrt_id", suffix="_s")
    assert (joined["care_region"] == joined["care_region_s"]).all()
    assert (joined["region"] == joined["region_s"]).all()
    assert (joined["channel"] == joined["channel_s"]).all()
    # derived from the filings: the scrambled regions got their offsite back from the filings
    assert (joined["offsite"] == joined["offsite_s"]).all()
    offsite = rows.filter(pl.col("care_region") != pl.col("region"))
    assert offsite.height > 0 and set(offsite["offsite"]) <= {
        "filed", "referral", "temporary", "unfiled"}
    assert (rows.filter(pl.col("care_region") == pl.col("region"))["offsite"] == "local").all()
    # direct offsite settlements owe the care region, in the insured region's ledger, once each
    direct = offsite.filter((pl.col("channel") == "direct") & pl.col("txn_id").is_not_null())
    owed = keys.join(direct, on="txn_id").filter(
        pl.col("account_key").str.contains(":offsite_payable:"))
    per = owed.group_by("txn_id").agg(pl.col("account_key").unique())
    assert per.height == direct.height
    expected = direct.select("txn_id", (pl.col("region") + ":offsite_payable:"
                                        + pl.col("care_region")).alias("key"))
    check = per.explode("account_key").join(expected, on="txn_id")
    assert (check["account_key"] == check["key"]).all()
    # and nothing of a local settlement goes there
    local = rows.filter((pl.col("care_region") == pl.col("region"))
                        & pl.col("txn_id").is_not_null())
    assert keys.join(local, on="txn_id").filter(
        pl.col("account_key").str.contains("offsite_payable")).height == 0


def test_every_region_s_ledger_balances_and_the_city_adds_them_up(city: City) -> None:
    outcome = city.outcome
    assert outcome.store["ledger_ok"]
    assert all(r["ledger"]["balanced"] for r in outcome.regions.values())
    assert outcome.city["insured"] == sum(r["insured"] for r in outcome.regions.values())
    assert outcome.city["fund_expenditure"] == sum(
        r["fund_expenditure"] for r in outcome.regions.values())
    document = json.loads(outcome.json_path.read_text("utf-8"))
    assert set(document["regions"]) == set(outcome.regions)
    assert document["regions"]["511623"]["policy"] == "511623-2020"
    for key in ("cross_province_direct_rate", "in_province_direct_rate"):
        assert 0 < float(document[key]) < 1
        assert key in document["regions"]["511602"]
    assert "511623" in outcome.html_path.read_text("utf-8")


def test_settlements_are_dated_on_their_settlement_day(city: City) -> None:
    store = Store(city.url)
    try:
        with store.engine.connect() as connection:
            row = connection.execute(select(settlements.c.mdtrt_id, settlements.c.created_at)
                                     .limit(1)).one()
    finally:
        store.dispose()
    visit = _visits(city.data).filter(pl.col("mdtrt_id") == row.mdtrt_id)
    assert row.created_at.hour == 4  # noon Beijing time is 04:00 UTC
    assert row.created_at.date() == visit["enddate"][0]


def test_manual_claims_owe_the_claimant_and_the_account_pays_none(city: City) -> None:
    visits = _visits(city.data).filter(pl.col("channel") == "manual")
    assert visits.height > 0
    store = Store(city.url)
    try:
        with store.engine.connect() as connection:
            rows = pl.DataFrame(connection.execute(select(
                settlements.c.mdtrt_id, settlements.c.id_number, settlements.c.acct_pay_fen,
                settlements.c.txn_id, settlements.c.channel).where(
                settlements.c.channel == "manual")).all(), orient="row",
                schema=["mdtrt_id", "id_number", "acct_pay_fen", "txn_id", "channel"])
            keys = pl.DataFrame(connection.execute(select(
                fund_postings.c.txn_id, fund_postings.c.account_key, fund_postings.c.side)
                .where(fund_postings.c.side == "C")).all(), orient="row",
                schema=["txn_id", "account_key", "side"])
    finally:
        store.dispose()
    assert rows.height == visits.height and (rows["acct_pay_fen"] == 0).all()
    owed = rows.filter(pl.col("txn_id").is_not_null()).join(keys, on="txn_id")
    assert owed.height > 0
    assert (owed["account_key"].str.split(":").list.get(1) == "manual_claim_payable").all()
    assert (owed["account_key"].str.split(":").list.get(2) == owed["id_number"]).all()


def test_every_month_is_cleared_netting_to_zero_and_every_ledger_balances(city: City
                                                                          ) -> None:
    done = city.outcome.clearing
    assert done["cleared"] and [m["month"] for m in done["months"]] == [
        f"2020-{m:02d}" for m in range(1, 13)]
    assert all(m["net"] == "0.00" and m["pairs"] > 0 for m in done["months"])
    assert city.outcome.store["ledger_ok"]
    assert all(r["ledger"]["balanced"] for r in city.outcome.regions.values())


def test_every_direct_offsite_settlement_is_cleared_exactly_once(city: City) -> None:
    """Each direct offsite settlement is one clearing item, of its own pair and settlement
    month; each pair's statements count its settlements and sum its items."""
    store = Store(city.url)
    try:
        with store.engine.connect() as connection:
            settled = pl.DataFrame(connection.execute(select(
                settlements.c.setl_id, settlements.c.region, settlements.c.care_region,
                settlements.c.created_at).where(
                settlements.c.channel == "direct",
                settlements.c.care_region != settlements.c.region)).all(), orient="row",
                schema=["setl_id", "region", "care_region", "created_at"])
            items = pl.DataFrame(connection.execute(select(
                offsite_clearing_items.c.item_id, offsite_clearing_items.c.month,
                offsite_clearing_items.c.insured_region, offsite_clearing_items.c.care_region,
                offsite_clearing_items.c.amount_fen)).all(), orient="row",
                schema=["setl_id", "month", "insured_region", "care_region", "amount_fen"])
            pairs = pl.DataFrame(connection.execute(select(
                offsite_clearings.c.insured_region, offsite_clearings.c.care_region,
                offsite_clearings.c.settlements)).all(), orient="row",
                schema=["insured_region", "care_region", "settlements"])
    finally:
        store.dispose()
    assert settled.height > 0 and items["setl_id"].is_unique().all()
    assert sorted(items["setl_id"]) == sorted(settled["setl_id"])
    both = settled.join(items, on="setl_id")
    assert (both["region"] == both["insured_region"]).all()
    assert (both["care_region"] == both["care_region_right"]).all()
    # the month the settlement day falls in (noon Beijing = 04:00 UTC, the same date)
    assert (both["created_at"].dt.strftime("%Y-%m") == both["month"]).all()
    per_pair = items.group_by("insured_region", "care_region").len()
    counted = pairs.group_by("insured_region", "care_region").agg(pl.col("settlements").sum())
    joined = per_pair.join(counted, on=["insured_region", "care_region"])
    assert joined.height == per_pair.height and (joined["len"] == joined["settlements"]).all()


def test_one_region_s_folder_runs_alone_with_offsite_derived_from_the_filings(
        city: City, tmp_path: Path) -> None:
    """`yibao year --data DIR/<region>`: the region alone, its offsite again derived from the
    deployment's filings (511621's visits were scrambled), its replay sample local and direct."""
    url = f"sqlite:///{tmp_path / 'one.db'}"
    outcome = run_year(city.data / "511621", tmp_path / "report", db=url, replay=50)
    assert outcome.store["ledger_ok"] and outcome.store["replay_mismatches"] == 0
    store = Store(url)
    try:
        with store.engine.connect() as connection:
            rows = pl.DataFrame(connection.execute(select(
                settlements.c.mdtrt_id, settlements.c.offsite, settlements.c.channel)).all(),
                orient="row", schema=["mdtrt_id", "offsite", "channel"])
    finally:
        store.dispose()
    want = _visits(city.data).filter(pl.col("region") == "511621")
    joined = want.join(rows, on="mdtrt_id", suffix="_s")
    assert joined.height == want.height
    assert (joined["offsite"] == joined["offsite_s"]).all()
    assert (joined["channel"] == joined["channel_s"]).all()


def test_the_report_shows_the_monthly_clearing_and_the_prepayments(city: City) -> None:
    """The clearing block's monthly sums are the stored statements' sums, its prepayments each
    pair's last statement's, and the report page shows both."""
    store = Store(city.url)
    try:
        with store.engine.connect() as connection:
            stored = pl.DataFrame(connection.execute(select(offsite_clearings)).all(),
                                  orient="row", schema=list(offsite_clearings.columns.keys()))
    finally:
        store.dispose()
    done = city.outcome.clearing
    for month in done["months"]:
        rows = stored.filter(pl.col("month") == month["month"])
        assert month["settlements"] == rows["settlements"].sum()
        assert Decimal(month["fund_amount"]) * 100 == rows["fund_fen"].sum()
        assert Decimal(month["due"]) * 100 == rows["due_fen"].sum()
    last = stored.sort("month").group_by("care_region", "insured_region").last()
    assert {(p["care_region"], p["insured_region"], Decimal(p["prepayment"]) * 100)
            for p in done["prepayments"]} == {
        (r["care_region"], r["insured_region"], r["prepayment_fen"]) for r in last.to_dicts()}
    page = (city.outcome.html_path).read_text(encoding="utf-8")
    assert "异地就医月度清算与预付金" in page and "预付金（年末）" in page


def test_each_region_gets_its_report_and_the_city_dashboard_sums_them(city: City) -> None:
    """The console's dashboard reads one report per region (`web.report.reports_in_scope`):
    each region's `indicators.json` names its region, and their sum (`aggregate.combine`) has
    the city's counts and the city's two direct-settlement rates."""
    from yibao.indicators.aggregate import combine
    from yibao.web.report import reports_in_scope

    folder = city.outcome.json_path.parent
    city_doc = json.loads(city.outcome.json_path.read_text(encoding="utf-8"), parse_float=Decimal)
    found = reports_in_scope(folder, lambda region: region.startswith("5116"))
    assert sorted(r["region"] for r in found) == sorted(city.outcome.regions)
    summed = combine(found, [])
    for key in ("insured", "visits", "cross_province_stays", "in_province_direct_stays"):
        assert summed[key] == city_doc[key], key
    for key in ("cross_province_direct_rate", "in_province_direct_rate"):
        assert summed[key] == city_doc[key], key
    linshui = reports_in_scope(folder, lambda region: region == "511623")
    assert [r["region"] for r in linshui] == ["511623"]
