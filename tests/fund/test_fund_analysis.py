"""Fund operation analysis (fund/analysis.py): every formula, every level at its thresholds ± 1
fen, the classification of each transaction kind, the 12-month window and the JSON document.
The expected figures are worked out by hand in each row."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from yibao.fund.accounts import AccountCode
from yibao.fund.analysis import (
    COUNTS,
    FUNDS,
    GRADED,
    POSTING_INPUT,
    Level,
    analyse,
    contribution_day,
    current_ratio,
    faster_growth,
    fund_flows,
    is_deficit,
    months_level,
    months_payable,
    postings_with_code,
    ratio_text,
    year_figures,
)
from yibao.fund.postings import Side, TxnKind
from yibao.fund.thresholds import Thresholds

T = Thresholds()
REGION = "511623"


def frame(rows: list[tuple[str, str, str, str, int]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=list(POSTING_INPUT), orient="row")


@pytest.mark.parametrize(("balance", "spent", "months", "expected"), [
    (900_000_00, 1_200_000_00, 12, "9.0000"),       # 900,000 ÷ (1,200,000 ÷ 12)
    (100_00, 300_00, 12, "4.0000"),                 # 100 ÷ 25
    (100_00, 300_00, 6, "2.0000"),                  # fewer months: 100 ÷ (300 ÷ 6)
    (1_00, 3_00, 1, "0.3333"),                      # 1 ÷ 3
    (2_00, 3_00, 1, "0.6667"),                      # 2 ÷ 3, half-up
    (-50_00, 1_200_00, 12, "-0.5000"),              # a negative balance
    (1, 240_000, 12, "0.0001"),                     # 1 × 12 ÷ 240,000 = 0.00005: half-up
    (-1, 240_000, 12, "-0.0001"),                   # and away from zero below it
    (100_00, 0, 12, None),                          # nothing spent: undefined
    (100_00, -5_00, 12, None),                      # more reversed than spent: undefined
])
def test_months_payable(balance: int, spent: int, months: int, expected: str | None) -> None:
    assert ratio_text(months_payable(balance, spent, months)) == expected


@pytest.mark.parametrize(("income", "spent", "expected"), [
    (896_00, 803_00, "0.8962"),          # the national resident fund 2020: 803 ÷ 896
    (4_566_00, 3_734_00, "0.8178"),      # the national employee fund 2020
    (100_00, 100_00, "1.0000"),
    (100_00, 105_00, "1.0500"),
    (3, 2, "0.6667"),
    (100_00, 0, "0.0000"),
    (0, 100_00, None),                   # no income: undefined
])
def test_current_ratio(income: int, spent: int, expected: str | None) -> None:
    assert ratio_text(current_ratio(income, spent)) == expected


# A window spending 12,000.00 over 12 months: 1,000.00 a month, so the months payable is the
# balance in units of 1,000.00 (100,000 fen); each threshold is met exactly, then missed by 1 fen.
MONTH_SPEND = 100_000


@pytest.mark.parametrize(("balance", "level"), [
    (-1, Level.INSUFFICIENT),
    (0, Level.INSUFFICIENT),
    (3 * MONTH_SPEND - 1, Level.INSUFFICIENT),
    (3 * MONTH_SPEND, Level.LOW),
    (3 * MONTH_SPEND + 1, Level.LOW),
    (6 * MONTH_SPEND - 1, Level.LOW),
    (6 * MONTH_SPEND, Level.REASONABLE),
    (6 * MONTH_SPEND + 1, Level.REASONABLE),
    (9 * MONTH_SPEND - 1, Level.REASONABLE),
    (9 * MONTH_SPEND, Level.REASONABLE),
    (9 * MONTH_SPEND + 1, Level.HIGH),
    (15 * MONTH_SPEND - 1, Level.HIGH),
    (15 * MONTH_SPEND, Level.HIGH),
    (15 * MONTH_SPEND + 1, Level.EXCESS),
])
def test_months_levels_at_each_threshold(balance: int, level: Level) -> None:
    months = months_payable(balance, 12 * MONTH_SPEND, 12)
    assert months is not None
    assert months_level(months, T) is level


def test_levels_follow_an_edited_threshold() -> None:
    edited = Thresholds(low_below=Decimal(5))  # a bureau that finds 5 months reasonable
    months = months_payable(5 * MONTH_SPEND, 12 * MONTH_SPEND, 12)
    assert months is not None
    assert months_level(months, T) is Level.LOW
    assert months_level(months, edited) is Level.REASONABLE


@pytest.mark.parametrize(("income", "spent", "deficit"), [
    (1_000_00, 1_000_00 - 1, False),
    (1_000_00, 1_000_00, False),       # ratio exactly 1: not above
    (1_000_00, 1_000_00 + 1, True),    # one fen more than the income
    (0, 0, False),
    (0, 1, True),                      # spending without income
])
def test_deficit_at_its_threshold(income: int, spent: int, deficit: bool) -> None:
    assert is_deficit(income, spent, T) is deficit


@pytest.mark.parametrize(("income", "spent", "faster"), [
    ((100, 110), (100, 111), True),    # +11 % against +10 %
    ((100, 110), (100, 110), False),   # equal growth
    ((100, 110), (100, 109), False),
    ((100, 90), (100, 95), True),      # both fall, expenditure less
    ((0, 10), (100, 200), False),      # no base year income: no growth rate
    ((100, 110), (0, 10), False),
])
def test_faster_growth(income: tuple[int, int], spent: tuple[int, int], faster: bool) -> None:
    assert faster_growth(income, spent) is faster


def test_every_kind_is_classified_on_both_sides() -> None:
    assert set(COUNTS) == set(TxnKind)
    assert all(set(sides) == set(Side) for sides in COUNTS.values())


@pytest.mark.parametrize(("kind", "side", "income", "spent", "opening"), [
    ("contribution", "C", 100, 0, 0),
    ("contribution", "D", 0, 100, 0),     # 资助参保 paid by the assistance fund
    ("funding", "C", 100, 0, 0),
    ("premium", "C", 100, 0, 0),          # the serious-illness fund's premium income
    ("premium", "D", 0, 100, 0),          # the resident pool's premium expenditure
    ("settlement", "D", 0, 100, 0),
    ("reversal", "C", 0, -100, 0),        # a reversed settlement: negative expenditure
    ("clearing", "D", 0, 100, 0),
    ("clearing", "C", 0, -100, 0),        # clearing below what settlements owed
    ("opening", "C", 0, 0, 100),
    ("opening", "D", 0, 0, -100),
])
def test_what_each_kind_counts_in(kind: str, side: str, income: int, spent: int,
                                  opening: int) -> None:
    flows = fund_flows(frame([("2020-01", "resident_pool", kind, side, 100)]))
    assert flows.rows() == [("resident_pool", "2020-01", income, spent, opening)]


def test_accounts_that_are_not_funds_are_left_out() -> None:
    flows = fund_flows(frame([("2020-01", "payable_institution", "settlement", "C", 100),
                              ("2020-01", "fiscal_receivable", "contribution", "D", 100)]))
    assert flows.height == 0


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(AssertionError, match="unclassified"):
        fund_flows(frame([("2020-01", "resident_pool", "gift", "C", 100)]))


def test_postings_with_code_reads_the_account_key() -> None:
    rows = pl.DataFrame({"account_key": ["511623:resident_pool", "511623:personal_account:X1"]})
    assert postings_with_code(rows)["code"].to_list() == ["resident_pool", "personal_account"]


postings = st.lists(st.tuples(
    st.sampled_from(["2019-12", "2020-01", "2020-02"]),
    st.sampled_from([c.value for c in FUNDS]),
    st.sampled_from([k.value for k in TxnKind]),
    st.sampled_from(["C", "D"]),
    st.integers(1, 10**9)), max_size=40)


@given(postings)
def test_opening_plus_income_less_expenditure_is_the_balance(rows: list[tuple[
        str, str, str, str, int]]) -> None:
    analysis = analyse(REGION, 2020, 2, fund_flows(frame(rows)), T)
    for figures in analysis.funds:
        mine = [r for r in rows if r[1] == figures.fund.value]
        balance = sum(r[4] if r[3] == "C" else -r[4] for r in mine)
        y = figures.year
        assert y.balance_close_fen == balance
        assert y.balance_open_fen + y.income_fen - y.expenditure_fen == balance
        assert figures.months[-1].balance_fen == balance


def test_a_year_with_opening_balance_window_and_warnings() -> None:
    # resident pool: 2019 carried 500.00 (opening, booked 2019-12); 2020 income 1,200.00 in
    # January, 100.00 spent each month Jan–Dec, one 20.00 reversal in June.
    rows = [("2019-12", "resident_pool", "opening", "C", 500_00),
            ("2020-01", "resident_pool", "contribution", "C", 1_200_00),
            *((f"2020-{m:02d}", "resident_pool", "settlement", "D", 100_00)
              for m in range(1, 13)),
            ("2020-06", "resident_pool", "reversal", "C", 20_00),
            # assistance: spends 30.00 in March and has no income → deficit, negative balance
            ("2020-03", "assistance", "contribution", "D", 30_00)]
    analysis = analyse(REGION, 2020, 12, fund_flows(frame(rows)), T)
    doc = analysis.to_json()
    pool = doc["funds"]["resident_pool"]
    assert pool["year"] == {
        "income": "1200.00", "expenditure": "1180.00", "balance_open": "500.00",
        "balance_close": "520.00",                     # 500 + 1,200 − 1,180
        "current_ratio": "0.9833",                     # 1,180 ÷ 1,200
        "months_payable": "5.2881",                    # 520 ÷ (1,180 ÷ 12) = 5.28813…
        "level": "low"}
    assert pool["months"][0] == {"month": "2020-01", "income": "1200.00",
                                 "expenditure": "100.00", "balance": "1600.00"}
    assert pool["months"][5]["expenditure"] == "80.00"
    assert [m["month"] for m in pool["months"]] == [f"2020-{m:02d}" for m in range(1, 13)]
    assert list(doc["funds"]) == [c.value for c in FUNDS]
    assert doc["funds"]["personal_account"]["year"]["level"] is None
    # the window starts at the first month with a posting (2019-12): 12 months in 2020
    warned = {(w["fund"], w["indicator"], w["level"]) for w in doc["warnings"]}
    assert warned == {("resident_pool", "months_payable", "low"),
                      ("assistance", "months_payable", "insufficient"),
                      ("assistance", "current_ratio", "deficit")}
    assistance = next(w for w in doc["warnings"] if w["indicator"] == "months_payable"
                      and w["fund"] == "assistance")
    assert assistance["value"] == "-12.0000"   # −30 ÷ (30 ÷ 12)
    assert "期末累计结余为负（-30.00 元）" in assistance["message"]
    assert "医疗救助基金" in assistance["message"]


def test_the_window_of_a_young_ledger_and_of_a_year_in_progress() -> None:
    # the ledger starts in 2020-07: 6 months of data, so the window has 6 months
    rows = [("2020-07", "employee_pool", "contribution", "C", 1_000_00),
            *((f"2020-{m:02d}", "employee_pool", "settlement", "D", 50_00) for m in range(7, 13))]
    young = analyse(REGION, 2020, 12, fund_flows(frame(rows)), T).to_json()
    assert young["funds"]["employee_pool"]["year"]["months_payable"] == "14.0000"  # 700 ÷ 50
    # 2021 through March: the window is 2020-04..2021-03 (only 2020-07 onward exists: 9 months)
    rows += [("2021-02", "employee_pool", "settlement", "D", 140_00)]
    later = analyse(REGION, 2021, 3, fund_flows(frame(rows)), T).to_json()
    year = later["funds"]["employee_pool"]["year"]
    assert len(later["funds"]["employee_pool"]["months"]) == 3
    assert year["balance_open"] == "700.00"
    assert year["balance_close"] == "560.00"
    assert year["months_payable"] == "11.4545"  # 560 ÷ ((6 × 50 + 140) ÷ 9) = 11.45454…
    assert year["level"] == "high"


def test_trend_over_like_months_of_each_year() -> None:
    # serious illness, January–June of 2018–2020: income 100, 110, 121; expenditure 100, 112,
    # 126 (growth +12 % then +12.5 % against +10 % twice) → trend; the later months do not count.
    def year(y: int, income: int, spent: int) -> list[tuple[str, str, str, str, int]]:
        return [(f"{y}-03", "serious_illness", "premium", "C", income * 100),
                (f"{y}-04", "serious_illness", "settlement", "D", spent * 100),
                (f"{y}-09", "serious_illness", "settlement", "D", 1_000_000)]
    rows = [*year(2018, 100, 100), *year(2019, 110, 112), *year(2020, 121, 126)]
    doc = analyse(REGION, 2020, 6, fund_flows(frame(rows)), T).to_json()
    trend = [w for w in doc["warnings"] if w["level"] == "trend"]
    assert [(w["fund"], w["value"]) for w in trend] == [("serious_illness", "0.0250")]
    assert "2020 年支出增长率 0.1250，收入增长率 0.1000" in trend[0]["message"]
    # one year of faster growth is not a trend of two
    rows = [*year(2018, 100, 100), *year(2019, 110, 110), *year(2020, 121, 126)]
    doc = analyse(REGION, 2020, 6, fund_flows(frame(rows)), T).to_json()
    assert not [w for w in doc["warnings"] if w["level"] == "trend"]
    doc = analyse(REGION, 2020, 6, fund_flows(frame(rows)), Thresholds(trend_years=1)).to_json()
    assert [w["fund"] for w in doc["warnings"] if w["level"] == "trend"] == ["serious_illness"]


def test_year_figures_are_the_years_income_and_expenditure() -> None:
    rows = [("2019-12", "resident_pool", "contribution", "C", 7),
            ("2020-01", "resident_pool", "contribution", "C", 1_000),
            ("2020-05", "resident_pool", "settlement", "D", 300),
            ("2020-05", "resident_pool", "reversal", "C", 100),
            ("2020-05", "resident_pool", "opening", "C", 50)]
    figures = year_figures(fund_flows(frame(rows)), 2020)
    assert figures[AccountCode.RESIDENT_POOL] == (1_000, 200)
    assert figures[AccountCode.ASSISTANCE] == (0, 0)
    assert set(figures) == set(FUNDS)
    assert AccountCode.PERSONAL_ACCOUNT not in GRADED



def test_a_negative_balance_with_nothing_spent_lately_is_insufficient() -> None:
    # the assistance fund paid 资助参保 in 2019 and nothing since: no months payable, but the
    # negative balance is still warned about, saying why
    rows = [("2019-01", "assistance", "contribution", "D", 640_00),
            ("2020-03", "resident_pool", "settlement", "D", 1_00)]
    doc = analyse(REGION, 2020, 12, fund_flows(frame(rows)), T).to_json()
    year = doc["funds"]["assistance"]["year"]
    assert (year["months_payable"], year["level"]) == (None, "insufficient")
    (warning,) = [w for w in doc["warnings"] if w["fund"] == "assistance"]
    assert warning["value"] is None
    assert "期末累计结余为负（-640.00 元），近 12 个月无支出，结余不足" in warning["message"]
    assert doc["funds"]["large_expense"]["year"]["level"] is None  # nothing at all


@pytest.mark.parametrize(("year", "today", "booked"), [
    (2024, date(2024, 6, 15), date(2024, 6, 15)),    # posted within the year it finances
    (2024, date(2023, 11, 20), date(2024, 1, 1)),    # the collection period before the year
    (2020, date(2026, 12, 3), date(2020, 1, 1)),     # posted afterwards
    (2020, None, date(2020, 1, 1)),                  # the year job
])
def test_contribution_day(year: int, today: date | None, booked: date) -> None:
    assert contribution_day(year, today) == booked


def test_warning_messages_show_money_with_thousands_separators() -> None:
    from yibao.core.labels import fund_deficit_message, fund_months_message

    text = fund_deficit_message("职工医保统筹基金", "1.2000", "1000000.00", "1200000.00")
    assert "支出 1,200,000.00 元，收入 1,000,000.00 元" in text
    low = fund_months_message("医疗救助基金", None, "insufficient", "-12345.60", "6", "9")
    assert "期末累计结余为负（-12,345.60 元）" in low
