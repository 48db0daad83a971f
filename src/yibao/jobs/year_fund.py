"""The year job's fund step: every fund financed and every institution paid, as the money flows
(docs/ledger.md): opening balances, the funding of the large-expense, civil-servant and
assistance funds, the receivables collected, monthly payment to institutions with the quality
deposit withheld, the DRG year-end clearing and the year-end payment.

`fund_flows` builds the events' frames from the settled year (`yibao.fund.schedule`);
`year_store.load_year` writes them with the settlements; `fund_warnings` reads the closing
balances and says why a fund ends the year below zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

import numpy as np
import polars as pl

from yibao.core.money import from_fen
from yibao.fund.accounts import CHART, SEPARATOR, AccountCode
from yibao.fund.checks import BalanceLine
from yibao.fund.events import (
    CLEARING_LINES,
    FUNDING_LINES,
    OPENING_LINES,
    PAYMENT_LINES,
    RECEIPT_LINES,
    SETTLEMENT_LINES,
    payee_expr,
)
from yibao.fund.postings import TxnKind
from yibao.fund.schedule import (
    MONTHS,
    funding_frame,
    opening_frame,
    payment_frames,
    receipt_frame,
)
from yibao.jobs.year_payment import YearPayment
from yibao.settle.batch import BatchResult
from yibao.settle.columns import RequestColumns
from yibao.sim.funding import funding_fen
from yibao.sim.payment import clearing
from yibao.sim.simulate import SimTables

FUNDS: Final = tuple(field for _debit, _credit, field in OPENING_LINES)
#: The fields of the settlement's fund lines by the account that pays them (pool: by scheme).
PAYS: Final = {"serious_illness": "hifmi_pay", "large_expense": "hifob_pay",
               "civil_servant": "cvlserv_pay", "assistance": "maf_pay"}


@dataclass(frozen=True, slots=True)
class FundFlows:
    """The year's region-level events: (kind, lines, frame) in the order they are written, and
    the opening balance of each fund (fen)."""

    events: tuple[tuple[TxnKind, tuple[tuple[str, str, str], ...], pl.DataFrame], ...]
    opening_fen: dict[str, int]
    deposit_share: Decimal


def _sum(frame: pl.DataFrame, *names: str) -> int:
    return int(frame.select(pl.sum_horizontal(*(f"{n}_fen" for n in names)).sum()).item())


def fund_payments_fen(tables: SimTables, cols: RequestColumns, result: BatchResult
                      ) -> dict[str, int]:
    """What each fund pays in the year: its settlements' payments, the resident pool's
    serious-illness premiums, the assistance fund's 资助参保."""
    v, employee = result.values, cols.employee
    pool = np.asarray(v["hifp_pay"], dtype=np.int64)
    paid = {fund: int(np.asarray(v[field], dtype=np.int64).sum()) for fund, field in PAYS.items()}
    c = tables.contributions
    return {**paid, "resident_pool": int(pool[~employee].sum()) + _sum(c, "serious_illness"),
            "employee_pool": int(pool[employee].sum()),
            "assistance": paid["assistance"] + _sum(c, "assistance")}


def _receivables(tables: SimTables, funding: dict[str, int]) -> dict[str, int]:
    c = tables.contributions
    fiscal = {f"fiscal_{level}": _sum(c, f"subsidy_{level}")
              for level in ("central", "provincial", "local")}
    fiscal["fiscal_local"] += funding.get("civil_servant", 0) + funding.get("assistance", 0)
    return {**fiscal, "individual": _sum(c, "individual"),
            "employer": _sum(c, "employer_to_pool", "employer_to_account"),
            "employee": _sum(c, "employee_to_pool", "employee_to_account")
            + funding.get("large_expense", 0)}


def _owed(tables: SimTables, result: BatchResult, region: str) -> pl.DataFrame:
    """What each visit's settlement owes its institution (fund lines and account), by month;
    a settlement owed to another region or to a claimant (`events.payee_expr`: care elsewhere
    settled directly, a manual claim) is paid through the clearing or to the claimant, not
    here."""
    v = result.values
    owed = sum(np.asarray(v[field], dtype=np.int64) for field, _fund in SETTLEMENT_LINES)
    frame = tables.visits.with_columns(
        pl.lit(region).alias("region"),
        tables.persons["id_number"].gather(tables.visits["person"]).alias("id_number"))
    to_institution = frame.select(payee_expr(frame.columns).str.starts_with(
        f"{region}{SEPARATOR}{AccountCode.PAYABLE_INSTITUTION.value}{SEPARATOR}"))
    return frame.select(
        pl.col("fixmedins_code").alias("holder"),
        pl.col("enddate").dt.month().cast(pl.Int64).alias("month")).with_columns(
        owed_fen=pl.Series(owed + np.asarray(v["acct_pay"], dtype=np.int64))).filter(
        to_institution.to_series())


def fund_flows(tables: SimTables, cols: RequestColumns, result: BatchResult,
               payment: YearPayment, months: dict[str, Decimal], region: str, year: int
               ) -> FundFlows:
    """The region-level events of the settled year; `months`: the opening balance of each fund
    in months of its payments (the simulator profile's `[funds]`)."""
    policy = cols.policies[0]
    deposit = policy.fund.quality_deposit if policy.fund is not None else Decimal(0)
    monthly = {fund: fen // MONTHS for fund, fen in fund_payments_fen(tables, cols,
                                                                    result).items()}
    opening = opening_frame(region, year, monthly, months)
    funding = funding_fen(tables.persons, policy)
    payments, clearings = payment_frames(region, year, _owed(tables, result, region),
                                         clearing(tables.persons, payment.cases,
                                                  payment.settlement), deposit)
    events = ((TxnKind.OPENING, OPENING_LINES, opening),
              (TxnKind.FUNDING, FUNDING_LINES, funding_frame(region, year, funding)),
              (TxnKind.RECEIPT, RECEIPT_LINES,
               receipt_frame(region, year, _receivables(tables, funding))),
              (TxnKind.CLEARING, CLEARING_LINES, clearings),
              (TxnKind.PAYMENT, PAYMENT_LINES, payments))
    return FundFlows(events, {f: int(opening[f][0]) for f in FUNDS}, deposit)


def fund_warnings(lines: tuple[BalanceLine, ...], opening_fen: dict[str, int]
                  ) -> list[dict[str, Any]]:
    """A warning for each fund whose balance closes the year below zero, saying why."""
    out = []
    for line in lines:
        if line.code.value not in FUNDS:
            continue
        closing = line.credit_fen - line.debit_fen
        if closing >= 0:
            continue
        opened = opening_fen.get(line.code.value, 0)
        name = CHART[line.code].name
        out.append({"fund": line.code.value, "balance": from_fen(closing),
                    "message": f"{name}年末余额为负（{from_fen(closing)} 元）：本年支出超过"
                               f"本年收入 {from_fen(opened - closing)} 元，期初结余 "
                               f"{from_fen(opened)} 元不足以弥补"})
    return out


#: The accounts of the year's balance table: the funds, then what they hold and owe.
BALANCE_ROWS: Final = (*(AccountCode(f) for f in FUNDS), AccountCode.PERSONAL_ACCOUNT,
                       AccountCode.FUND_DEPOSIT, AccountCode.PAYABLE_INSTITUTION,
                       AccountCode.FISCAL_RECEIVABLE, AccountCode.CONTRIBUTION_RECEIVABLE)


def balance_rows(lines: tuple[BalanceLine, ...], opening_fen: dict[str, int]
                 ) -> list[dict[str, Any]]:
    """Each fund's opening and closing balance, and the closing balance of the deposit, the
    payables, receivables and personal accounts (on each account's growing side, 元)."""
    by_code = {line.code: line for line in lines}
    return [{"account": code.value, "name": CHART[code].name,
             "opening": from_fen(opening_fen[code.value]) if code.value in opening_fen else None,
             "closing": from_fen(by_code[code].balance_fen) if code in by_code else Decimal(0)}
            for code in BALANCE_ROWS]
