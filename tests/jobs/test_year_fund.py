"""The year job finances every fund and pays every institution, as the money flows: each fund
has income postings, institutions are paid every month, the payables close the year at the
withheld quality deposit only, the receivables are collected, the ledger check passes and the
replay agrees; a fund that closes below zero has a warning saying why, and only such a fund."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from yibao.fund.accounts import AccountCode
from yibao.fund.checks import BalanceLine
from yibao.fund.schedule import deposit_withheld
from yibao.jobs.year import run_year
from yibao.jobs.year_fund import fund_warnings
from yibao.policy.loader import load_policy
from yibao.services.sim import run_sim

Year = tuple[dict[str, Any], str]
INCOME = {"resident_pool": "contribution", "employee_pool": "contribution",
          "serious_illness": "premium", "large_expense": "funding",
          "civil_servant": "funding", "assistance": "funding"}


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> Year:
    folder = tmp_path_factory.mktemp("year")
    run_sim("linshui-2020", 0.005, 3, folder / "sim")
    outcome = run_year(folder / "sim", folder / "report", replay=30)
    report = json.loads(outcome.json_path.read_text(encoding="utf-8"), parse_float=Decimal)
    return report, f"sqlite:///{folder / 'var' / 'year.db'}"


def _query(url: str, sql: str) -> list[Any]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(sql)))
    finally:
        engine.dispose()


def test_every_fund_has_income_postings(year: Year) -> None:
    _report, url = year
    rows = _query(url, """
        SELECT a.code, t.kind, SUM(p.amount_fen) FROM fund_postings p
        JOIN fund_transactions t ON t.txn_id = p.txn_id
        JOIN fund_accounts a ON a.key = p.account_key
        WHERE p.side = 'C' GROUP BY a.code, t.kind""")
    credited = {(code, kind): fen for code, kind, fen in rows}
    for fund, kind in INCOME.items():
        assert credited.get((fund, kind), 0) > 0, (fund, kind)
        assert credited.get((fund, "opening"), 0) > 0, fund


def test_institutions_are_paid_monthly_and_keep_only_the_deposit(year: Year) -> None:
    report, url = year
    store = report["store"]
    assert store["ledger_ok"] is True and store["replay_mismatches"] == 0
    months = {m for (m,) in _query(url, """
        SELECT DISTINCT substr(txn_id, 9, 2) FROM fund_transactions WHERE kind = 'payment'""")}
    assert {f"{m:02d}" for m in range(1, 13)} | {"YE"} == months
    share = load_policy("511623-2020").fund.quality_deposit  # type: ignore[union-attr]
    rows = _query(url, """
        SELECT a.holder,
          SUM(CASE WHEN t.kind = 'settlement' AND p.side = 'C' THEN p.amount_fen ELSE 0 END),
          SUM(CASE WHEN t.kind = 'clearing' THEN
              CASE p.side WHEN 'C' THEN p.amount_fen ELSE -p.amount_fen END ELSE 0 END),
          SUM(CASE p.side WHEN 'C' THEN p.amount_fen ELSE -p.amount_fen END)
        FROM fund_postings p JOIN fund_transactions t ON t.txn_id = p.txn_id
        JOIN fund_accounts a ON a.key = p.account_key
        WHERE a.code = 'payable_institution' GROUP BY a.holder""")
    assert rows
    assert any(cleared != 0 for _h, _owed, cleared, _balance in rows)
    for holder, owed, cleared, balance in rows:
        assert balance == deposit_withheld(owed, cleared, share), holder
    closing = {row["account"]: row["closing"] for row in store["fund_balances"]}
    assert closing["payable_institution"] == sum(Decimal(b) for *_x, b in rows) / 100
    assert closing["fiscal_receivable"] == closing["contribution_receivable"] == 0
    assert closing["fund_deposit"] > 0


def test_a_fund_below_zero_has_a_warning_saying_why(year: Year) -> None:
    report, _url = year
    store = report["store"]
    below = {row["account"] for row in store["fund_balances"]
             if row["account"] in INCOME and row["closing"] < 0}
    assert {w["fund"] for w in store["fund_warnings"]} == below
    for warning in store["fund_warnings"]:
        assert "年末余额为负" in warning["message"] and "期初结余" in warning["message"]


def test_the_warning_says_by_how_much_expenditure_exceeded_income() -> None:
    lines = (BalanceLine("511623", AccountCode.LARGE_EXPENSE, "", 15_000, 10_000),
             BalanceLine("511623", AccountCode.ASSISTANCE, "", 10_000, 10_000),
             BalanceLine("511623", AccountCode.FUND_DEPOSIT, "", 0, 99_999))
    warnings = fund_warnings(lines, {"large_expense": 2_000, "assistance": 0})
    assert warnings == [{
        "fund": "large_expense", "balance": Decimal("-50.00"),
        "message": "大额医疗费用补助资金年末余额为负（-50.00 元）：本年支出超过本年收入 70.00 元，"
                   "期初结余 20.00 元不足以弥补"}]
