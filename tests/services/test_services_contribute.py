"""Posting a year's contributions: resident shares, subsidised enrollment paid by assistance,
the fiscal subsidy split 80/10/10, employee rates and account credits — once, however often
the command runs, with every posting balanced."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from tests.services.population import populate
from tests.services.snapshot import snapshot
from tests.store.fixtures import StoreFactory
from yibao.services.contribute import post_contributions
from yibao.services.fund import fund_balances


def test_contributions_are_posted_once(make_store: StoreFactory, tmp_path: Path) -> None:
    store = make_store()
    populate(store, tmp_path / "people", contributions=False)
    report = post_contributions(2024, store=store)
    # Active 2024 enrollments: 3 residents + 2 employees in 511623, 1 resident in 511602.
    assert (report.enrollments, report.posted, report.without_policy) == (6, 5, ("511602",))
    assert report.by_scheme == {"390": 3, "310": 2}
    totals = {k: v for k, v in report.totals.items() if v}
    assert totals == {
        "individual": Decimal("560.00"),        # 400 + (400 − 240 for 低保) + 0 for 特困
        "assistance": Decimal("640.00"),        # 240 + 400
        "subsidy_central": Decimal("1608.00"),  # 3 × 670 × 80 %
        "subsidy_provincial": Decimal("201.00"),
        "subsidy_local": Decimal("201.00"),
        "serious_illness": Decimal("180.00"),   # 3 × 60
        "employer_to_pool": Decimal("4320.00"),  # 6000 × 6 % × 12
        "employee_to_account": Decimal("1440.00"),  # 6000 × 2 % × 12
        "retiree_credit": Decimal("720.00"),    # 60 × 12
    }
    before = snapshot(store)
    again = post_contributions(2024, store=store)
    assert (again.posted, again.already_posted) == (0, 5)
    assert snapshot(store) == before


def test_balances_after_contributions(make_store: StoreFactory, tmp_path: Path) -> None:
    store = make_store()
    populate(store, tmp_path / "people", contributions=False)
    post_contributions(2024, store=store, batch_size=2)
    balances = {b.code.value: b.balance_fen for b in fund_balances(store=store)}
    assert balances["resident_pool"] == (560 + 640 + 2010 - 180) * 100
    assert balances["employee_pool"] == (4320 - 720) * 100
    assert balances["personal_account"] == (1440 + 720) * 100
    assert balances["assistance"] == -640 * 100
    assert balances["fiscal_receivable"] == 2010 * 100


def test_one_region_only(make_store: StoreFactory, tmp_path: Path) -> None:
    store = make_store()
    populate(store, tmp_path / "people", contributions=False)
    report = post_contributions(2024, region="511602", store=store)
    assert (report.enrollments, report.posted, report.without_policy) == (1, 0, ("511602",))
