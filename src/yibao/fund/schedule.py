"""The fund's year as the money flows (docs/ledger.md): the region-level events of a simulated
year, as frames for `yibao.fund.events.event_posting_frame` (one row per transaction).

- opening balances (期初结余): each fund holds so many months of its payments from earlier
  years, in the deposit;
- funding (筹资) of the funds the contributions do not finance, from the policy's `[fund]`;
- receipts: the receivables collected into the deposit — residents' shares and the subsidies
  in January (集中参保期), employers' and employees' evenly over the months (remainder in
  December);
- monthly payment to institutions (月度结算拨付): at each month's end the deposit pays what the
  month's settlements owe each institution, less the quality deposit (质量保证金) withheld;
- the DRG year-end clearing (年终清算): the point settlement's payment to a hospital beside its
  stays' itemised pooling-fund payments, split between the two pooling funds as those were; then
  the year-end payment of everything owed but the deposit, so that the payables close the year
  at the withheld deposit only.

All amounts are integer fen; shares are taken half-up to the fen.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Final

import polars as pl

from yibao.fund.events import FUNDING_LINES, OPENING_LINES, RECEIPT_LINES

MONTHS: Final = 12
#: Transaction id prefixes of the year's region-level events (`<prefix><year>[-…]`).
PREFIX: Final = {"opening": "OPN", "funding": "FND", "receipt": "RCV", "payment": "PAY",
                 "clearing": "CLR"}
#: Receivables collected in January whole; the others evenly month by month.
JANUARY: Final = frozenset({"fiscal_central", "fiscal_provincial", "fiscal_local", "individual"})
YEAR_END: Final = "YE"


def share_fen(amount_fen: int, share: Decimal) -> int:
    """`amount × share` half-up to the fen (amount ≥ 0, share ≥ 0, at most 4 decimals)."""
    e4 = int(share.scaleb(4))
    return (amount_fen * e4 + 5_000) // 10_000


def _share_expr(amount: pl.Expr, share: Decimal) -> pl.Expr:
    return (amount * int(share.scaleb(4)) + 5_000) // 10_000


def _row(txn_id: str, region: str, amounts: Mapping[str, int]) -> pl.DataFrame:
    return pl.DataFrame([{"txn_id": txn_id, "region": region, **amounts}],
                        schema={"txn_id": pl.String, "region": pl.String,
                                **dict.fromkeys(amounts, pl.Int64)})


def opening_frame(region: str, year: int, monthly_fen: Mapping[str, int],
                  months: Mapping[str, Decimal]) -> pl.DataFrame:
    """The opening balance of each fund: `months` of its average monthly payments."""
    amounts = {field: share_fen(monthly_fen.get(field, 0), months.get(field, Decimal(0)))
               for _debit, _credit, field in OPENING_LINES}
    return _row(f"{PREFIX['opening']}{year}", region, amounts)


def funding_frame(region: str, year: int, amounts: Mapping[str, int]) -> pl.DataFrame:
    """The year's funding of the large-expense, civil-servant and assistance funds."""
    return _row(f"{PREFIX['funding']}{year}", region,
                {field: amounts.get(field, 0) for _d, _c, field in FUNDING_LINES})


def receipt_frame(region: str, year: int, receivable_fen: Mapping[str, int]) -> pl.DataFrame:
    """One receipt a month clearing the year's receivables (field names of `RECEIPT_LINES`)."""
    rows = []
    for month in range(1, MONTHS + 1):
        amounts = {}
        for _debit, _credit, field in RECEIPT_LINES:
            total = receivable_fen.get(field, 0)
            if field in JANUARY:
                amounts[field] = total if month == 1 else 0
            else:
                amounts[field] = total // MONTHS + (total % MONTHS if month == MONTHS else 0)
        rows.append({"txn_id": f"{PREFIX['receipt']}{year}-{month:02d}", "region": region,
                     **amounts})
    return pl.DataFrame(rows)


def payment_frames(region: str, year: int, owed: pl.DataFrame, clearing: pl.DataFrame,
                   deposit: Decimal) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(payments, clearings). `owed`: `holder, month, owed_fen` — what the month's settlements
    owe each institution; `clearing`: `holder, resident_pool, employee_pool` — the DRG clearing
    per pooling fund (may be negative). Monthly payments pay the month's amount less the
    deposit share; the year-end payment pays what is still owed but the deposit (`paid`
    negative: the institution returns money)."""
    monthly = owed.group_by("holder", "month").agg(pl.col("owed_fen").sum()).sort(
        "month", "holder").with_columns(
        (pl.col("owed_fen") - _share_expr(pl.col("owed_fen"), deposit)).alias("paid"))
    cleared = clearing.filter((pl.col("resident_pool") != 0) | (pl.col("employee_pool") != 0))
    totals = monthly.group_by("holder").agg(pl.col("owed_fen").sum(), pl.col("paid").sum()).join(
        cleared.select("holder", (pl.col("resident_pool") + pl.col("employee_pool"))
                       .alias("cleared")), on="holder", how="full", coalesce=True).fill_null(0)
    year_end = totals.with_columns(
        (pl.col("owed_fen") + pl.col("cleared")).alias("due")).with_columns(
        (pl.col("due") - _share_expr(pl.col("due").clip(lower_bound=0), deposit)
         - pl.col("paid")).alias("paid")).sort("holder")
    payments = pl.concat([
        monthly.filter(pl.col("paid") != 0).select(
            pl.format("{}{}-{}-{}", pl.lit(PREFIX["payment"]), pl.lit(year),
                      pl.col("month").cast(pl.String).str.zfill(2), "holder").alias("txn_id"),
            pl.lit(region).alias("region"), "holder", "paid"),
        year_end.filter(pl.col("paid") != 0).select(
            pl.format("{}{}-{}-{}", pl.lit(PREFIX["payment"]), pl.lit(year), pl.lit(YEAR_END),
                      "holder").alias("txn_id"),
            pl.lit(region).alias("region"), "holder", "paid")])
    return payments, clearing_frame(region, year, cleared)


def clearing_frame(region: str, year: int, clearing: pl.DataFrame) -> pl.DataFrame:
    """The year-end clearing events (`fund.events.CLEARING_LINES`) of `drg_clearing`'s frame:
    one per institution with a clearing on either pooling fund."""
    cleared = clearing.filter((pl.col("resident_pool") != 0) | (pl.col("employee_pool") != 0))
    return cleared.sort("holder").select(
        pl.format("{}{}-{}", pl.lit(PREFIX["clearing"]), pl.lit(year), "holder").alias("txn_id"),
        pl.lit(region).alias("region"), "holder", "resident_pool", "employee_pool")


def deposit_withheld(owed_fen: int, cleared_fen: int, deposit: Decimal) -> int:
    """The deposit an institution's payable holds at the year's end."""
    return share_fen(max(owed_fen + cleared_fen, 0), deposit)


def drg_clearing(amounts: pl.DataFrame, itemised: pl.DataFrame) -> pl.DataFrame:
    """Each hospital's DRG clearing per pooling fund. `amounts`: `holder, amount_fen` — what the
    point settlement pays it; `itemised`: `holder, employee (bool), fund_pay_fen` — its stays'
    pooling-fund payments as settled. The hospital's amount is split between the funds in the
    shares of its itemised payments (employees' share half-up, residents the rest; all to
    residents when nothing was itemised) → `holder, resident_pool, employee_pool`: amount less
    itemised, per fund."""
    paid = itemised.group_by("holder").agg(
        pl.col("fund_pay_fen").filter(pl.col("employee")).sum().alias("emp"),
        pl.col("fund_pay_fen").filter(~pl.col("employee")).sum().alias("res"))
    both = amounts.join(paid, on="holder", how="full", coalesce=True).fill_null(0).sort("holder")
    rows = []
    for holder, amount, emp, res in both.select("holder", "amount_fen", "emp", "res").iter_rows():
        total = emp + res  # Python integers: amount × emp may exceed 64 bits
        emp_amount = (amount * emp * 2 + total) // (total * 2) if total > 0 else 0
        rows.append((holder, amount - emp_amount - res, emp_amount - emp))
    return pl.DataFrame(rows, schema={"holder": pl.String, "resident_pool": pl.Int64,
                                      "employee_pool": pl.Int64}, orient="row")
