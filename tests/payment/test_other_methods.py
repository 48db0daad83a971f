"""Proves the other payment methods by table: per-diem bands for long stays, capitation for
family-doctor contracts and the two chronic diseases, fee-for-service, the regional budget split
between methods to the fen, and the county medical community that keeps its surplus and bears
its overrun."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from yibao.payment.budget import community_result, split_budget
from yibao.payment.capitation import CapitationRules, capitation, fee_for_service
from yibao.payment.cases import PaymentInputError
from yibao.payment.perdiem import PerDiemRules, per_diem_payment

RATES = PerDiemRules(rates_fen=(("psychiatric", "2", 30_000), ("rehabilitation", "3", 45_000)))

PER_DIEM = [  # (category, level, days, other parts fen, standard fen, fund fen)
    ("psychiatric", "2", 30, 0, 900_000, 900_000),
    ("psychiatric", "2", 60, 100_000, 1_800_000, 1_700_000),
    ("psychiatric", "2", 61, 0, 1_827_000, 1_827_000),  # day 61 at 90 %
    ("psychiatric", "2", 100, 0, 1_800_000 + 810_000 + 240_000, 2_850_000),  # 30 d 90 %, 10 d 80 %
    ("rehabilitation", "3", 1, 50_000, 45_000, 0),  # other parts above the standard
    ("psychiatric", "2", 0, 0, 0, 0),
]


@pytest.mark.parametrize(("category", "level", "days", "other", "standard", "fund"), PER_DIEM)
def test_per_diem_bands(category, level, days, other, standard, fund):
    stays = pl.DataFrame({"category": [category], "level": [level], "los_days": [days],
                          "other_pay_fen": [other]})
    out = per_diem_payment(stays, RATES)
    assert (out["standard_fen"][0], out["fund_fen"][0]) == (standard, fund)


def test_per_diem_without_rate_is_refused():
    stays = pl.DataFrame({"category": ["hospice"], "level": ["1"], "los_days": [3],
                          "other_pay_fen": [0]})
    with pytest.raises(PaymentInputError, match="hospice"):
        per_diem_payment(stays, RATES)


def test_capitation_pro_rata_by_months():
    contracts = pl.DataFrame({
        "institution": ["C1", "C1", "C1", "C2"], "psn_no": ["a", "b", "a", "c"],
        "kind": ["family_doctor", "family_doctor", "hypertension", "diabetes"],
        "months": [12, 5, 7, 1]})
    rules = CapitationRules((("family_doctor", 12_000), ("hypertension", 10_001),
                             ("diabetes", 20_000)))
    out = capitation(contracts, rules)
    assert out.select("institution", "kind", "persons", "amount_fen").rows() == [
        ("C1", "family_doctor", 2, 17_000),  # 17 months × 120 yuan / 12
        ("C1", "hypertension", 1, 5_834),  # 7 × 10 001 / 12 = 5 833.92 → half-up
        ("C2", "diabetes", 1, 1_667),  # 20 000 / 12 = 1 666.67
    ]
    with pytest.raises(PaymentInputError, match="1–12"):
        capitation(contracts.with_columns(pl.lit(13).alias("months")), rules)


def test_fee_for_service_ratio():
    claims = pl.DataFrame({"hospital": ["H1", "H1", "H2"], "fund_pay_fen": [101, 100, 5]})
    out = fee_for_service(claims, Decimal("0.95"))
    assert out["amount_fen"].to_list() == [191, 5]  # 201 × 0.95 = 190.95; 5 × 0.95 = 4.75


@given(st.integers(0, 10**13), st.lists(st.integers(0, 1000), min_size=6, max_size=6))
def test_budget_split_sums_exactly(budget, raw):
    if sum(raw) == 0:
        raw[0] = 1
    names = ["drg", "dip", "per_diem", "capitation", "fee_for_service", "reserve"]
    total = sum(raw)
    shares = {n: (Decimal(r) / total).quantize(Decimal("0.0001"), ROUND_DOWN)
              for n, r in zip(names[:-1], raw, strict=False)}
    shares["reserve"] = 1 - sum(shares.values())
    parts = split_budget(budget, shares)
    assert sum(parts.values()) == budget


def test_budget_split_refuses_bad_shares():
    with pytest.raises(PaymentInputError, match="合计为 1"):
        split_budget(100, {"drg": Decimal("0.5"), "dip": Decimal("0.4")})
    with pytest.raises(PaymentInputError, match="未知"):
        split_budget(100, {"lottery": Decimal(1)})
    assert split_budget(100, {"drg": Decimal("0.333"), "dip": Decimal("0.667")}) == {
        "dip": 67, "drg": 33}


COMMUNITY = [  # (budget, spent, retain share, surplus, overrun, retained, returned, fund outlay)
    ("1000000", "900000", "1", "100000", "0", "100000", "0", "1000000"),
    ("1000000", "900000", "0.6", "100000", "0", "60000.00", "40000.00", "960000.00"),
    ("1000000", "1200000", "1", "0", "200000", "0", "0", "1000000"),  # 超支不补
    ("1000000", "1000000", "1", "0", "0", "0", "0", "1000000"),
]


@pytest.mark.parametrize(
    ("budget", "spent", "share", "surplus", "overrun", "retained", "returned", "outlay"), COMMUNITY)
def test_county_community(budget, spent, share, surplus, overrun, retained, returned, outlay):
    r = community_result(Decimal(budget), Decimal(spent), Decimal(share))
    assert (r.surplus, r.overrun, r.retained, r.returned, r.fund_outlay) == tuple(
        Decimal(x) for x in (surplus, overrun, retained, returned, outlay))
    assert r.fund_outlay <= r.budget
