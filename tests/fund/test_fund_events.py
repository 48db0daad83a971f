"""Every event posts balanced entries: a settlement owes the institution exactly what the funds
and the personal account paid; a contribution moves exactly its amounts, each to its account."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from yibao.core.money import to_fen
from yibao.enroll.contributions import Contribution
from yibao.fund.accounts import AccountCode, AccountKey
from yibao.fund.events import contribution_postings, premium_postings, settlement_postings
from yibao.fund.postings import deltas
from yibao.policy.loader import load_policy
from yibao.settle.engine import settle
from yibao.settle.model import FeeLine, Person, SettleRequest, Visit

PSN = "51162319800101029X"
HOSPITAL = "H51162300001"


def _request(insutype: str, psn_type: str, amount: str, groups: frozenset[str],
             balance: str) -> SettleRequest:
    return SettleRequest(
        "511623-2024", Person(PSN, insutype, psn_type, 60, groups, civil_servant=True),
        Visit("M1", "21", "2", fixmedins_code=HOSPITAL, enddate=date(2024, 3, 9)),
        (FeeLine("1", "X", "01", Decimal(1), Decimal(amount)),
         FeeLine("2", "Y", "03", Decimal(1), Decimal("50"))),
        acct_balc=Decimal(balance), use_acct=True)


people = st.sampled_from([("310", "in_service"), ("310", "retired"), ("390", "resident")])


@settings(max_examples=60, deadline=None)
@given(person=people, cents=st.integers(1, 50_000_000),
       groups=st.sampled_from([frozenset(), frozenset({"tekun"}), frozenset({"dibao"})]),
       balance=st.integers(0, 500_000))
def test_settlement_owes_the_institution_what_was_paid(
    person: tuple[str, str], cents: int, groups: frozenset[str], balance: int
) -> None:
    request = _request(*person, amount=f"{cents // 100}.{cents % 100:02d}", groups=groups,
                       balance=f"{balance // 100}.{balance % 100:02d}")
    result = settle(request, load_policy("511623-2024"))
    entry = settlement_postings("S1", "511623", result, HOSPITAL, PSN)
    owed = deltas(entry.postings)[AccountKey("511623", AccountCode.PAYABLE_INSTITUTION,
                                             HOSPITAL)] if entry.postings else (0, 0)
    assert owed == (0, to_fen(result.fund_pay_sumamt + result.acct_pay))
    account = deltas(entry.postings).get(
        AccountKey("511623", AccountCode.PERSONAL_ACCOUNT, PSN), (0, 0))
    assert account == (to_fen(result.acct_pay), 0)


def test_contribution_postings_by_account() -> None:
    c = Contribution(PSN, "390", "511623", 2024, "resident", 12, individual=Decimal("160"),
                     assistance=Decimal("240"), subsidy_central=Decimal("536"),
                     subsidy_provincial=Decimal("67"), subsidy_local=Decimal("67"),
                     serious_illness=Decimal("60"))
    moved = {(k.code.value, k.holder): v
             for k, v in deltas(contribution_postings(c.client_id, c).postings).items()}
    assert moved == {
        ("contribution_receivable", "individual"): (16000, 0),
        ("assistance", ""): (24000, 0),
        ("fiscal_receivable", "central"): (53600, 0),
        ("fiscal_receivable", "provincial"): (6700, 0),
        ("fiscal_receivable", "local"): (6700, 0),
        ("resident_pool", ""): (0, 107000),
    }
    premium = premium_postings(c)
    assert premium is not None and premium.txn_id == "P2024-390-" + PSN
    assert premium.kind.value == "premium"
    assert {(k.code.value, k.holder): v for k, v in deltas(premium.postings).items()} == {
        ("resident_pool", ""): (6000, 0), ("serious_illness", ""): (0, 6000)}


def test_no_premium_without_serious_illness_amount() -> None:
    c = Contribution(PSN, "390", "511623", 2024, "resident", 12, individual=Decimal("400"))
    assert premium_postings(c) is None


def test_employee_contribution_postings() -> None:
    c = Contribution(PSN, "310", "511623", 2024, "in_service", 12,
                     employer_to_pool=Decimal("4320"), employee_to_account=Decimal("1440"))
    retiree = Contribution(PSN, "310", "511623", 2024, "retired", 12,
                           retiree_credit=Decimal("720"))
    moved = deltas(contribution_postings("C1", c).postings + contribution_postings(
        "C2", retiree).postings)
    account = AccountKey("511623", AccountCode.PERSONAL_ACCOUNT, PSN)
    assert moved[account] == (0, 216000)
    assert moved[AccountKey("511623", AccountCode.EMPLOYEE_POOL)] == (72000, 432000)
