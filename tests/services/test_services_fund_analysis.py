"""The fund analysis service on SQLite and PostgreSQL: a stateful settlement (PostgreSQL's
one-statement write included) and its reversal are booked on the settlement's Beijing day and
land in that month's expenditure of the paying fund; the year's contributions are income."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from tests.services.population import RESIDENT, visit
from yibao.core.beijing import in_beijing
from yibao.services.fund import FundAnalysisError, analysed_months, fund_analysis
from yibao.services.settle_service import (
    Reversed,
    Settled,
    reverse_settlement,
    settle_committed,
)
from yibao.store import Store
from yibao.store.schema import fund_transactions, settlements


def test_a_settlement_is_spent_in_its_beijing_month(populated: Store) -> None:
    done = settle_committed(visit(RESIDENT, "FA-1"), store=populated)
    assert isinstance(done, Settled), done
    with populated.engine.connect() as connection:
        made = connection.execute(select(settlements.c.created_at, settlements.c.hifp_pay_fen)
                                  .where(settlements.c.setl_id == done.setl_id)).one()
        booked = connection.execute(select(fund_transactions.c.booked_on).where(
            fund_transactions.c.txn_id == done.setl_id)).scalar_one()
    day = in_beijing(made.created_at).date()
    assert booked in (day, day.isoformat())
    spent = made.hifp_pay_fen
    assert spent > 0
    month = f"{day.year:04d}-{day.month:02d}"
    doc = fund_analysis("511623", day.year, store=populated, today=day).to_json()
    pool = {m["month"]: m for m in doc["funds"]["resident_pool"]["months"]}
    assert pool[month]["expenditure"] == f"{spent // 100}.{spent % 100:02d}"

    undone = reverse_settlement(done.setl_id, store=populated)
    assert isinstance(undone, Reversed), undone
    doc = fund_analysis("511623", day.year, store=populated, today=day).to_json()
    pool = {m["month"]: m for m in doc["funds"]["resident_pool"]["months"]}
    assert pool[month]["expenditure"] == "0.00"  # the reversal, the same day, nets it out


def test_the_years_contributions_are_income(populated: Store) -> None:
    doc = fund_analysis("511623", 2024, store=populated, today=date(2025, 1, 1)).to_json()
    pool = doc["funds"]["resident_pool"]
    assert pool["year"]["income"] != "0.00"
    assert pool["months"][0]["income"] == pool["year"]["income"]  # booked on 1 January 2024


@pytest.mark.parametrize(("year", "today", "months"), [
    (2024, date(2025, 1, 1), 12), (2025, date(2025, 3, 31), 3), (2025, date(2025, 12, 1), 12)])
def test_the_months_analysed(year: int, today: date, months: int) -> None:
    assert analysed_months(year, today) == months


def test_a_year_not_begun_is_refused() -> None:
    with pytest.raises(FundAnalysisError, match="年度 2026 无法分析"):
        analysed_months(2026, date(2025, 12, 31))
