"""The ledger check reports every unbalanced transaction and every account whose stored balance
differs from its postings; balances can be summarised per region and account code."""

from __future__ import annotations

from yibao.fund.accounts import AccountCode
from yibao.fund.checks import balance_line, check_ledger, summarise


def test_a_clean_ledger() -> None:
    report = check_ledger([("T1", 5, 5), ("T2", 0, 0)], {"a": (5, 0), "b": (0, 5)},
                          {"a": (5, 0), "b": (0, 5)}, postings=2)
    assert report.ok and (report.transactions, report.postings, report.accounts) == (2, 2, 2)


def test_problems_are_all_reported() -> None:
    report = check_ledger([("T1", 5, 4), ("T2", 1, 1), ("T3", 0, 2)],
                          {"a": (5, 0), "c": (1, 1)}, {"a": (4, 0), "b": (0, 4)}, postings=3)
    assert not report.ok
    assert [u.txn_id for u in report.unbalanced] == ["T1", "T3"]
    assert [m.account for m in report.mismatches] == ["a", "b", "c"]


def test_summarise_adds_holders() -> None:
    lines = [balance_line("511623:personal_account:A", 0, 100),
             balance_line("511623:personal_account:B", 30, 50),
             balance_line("511623:resident_pool", 10, 70),
             balance_line("511623:fiscal_receivable:central", 80, 0)]
    summary = {(b.code, b.holder, b.holders): b.balance_fen for b in summarise(lines)}
    assert summary == {(AccountCode.RESIDENT_POOL, "", 1): 60,
                       (AccountCode.PERSONAL_ACCOUNT, "*", 2): 120,
                       (AccountCode.FISCAL_RECEIVABLE, "central", 1): 80}


def test_an_overdrawn_personal_account_breaks_its_sign_rule() -> None:
    worker = "511623:personal_account:51162319620301015X"
    totals = {worker: (768000, 384000), "511623:assistance": (64000, 0),
              "511623:payable_institution:H51162300001": (5000, 0),
              "511623:contribution_receivable:employee": (0, 100)}
    report = check_ledger([], totals, totals, postings=0)
    assert not report.ok
    assert [(b.account, b.balance_fen) for b in report.sign_breaks] == [
        ("511623:contribution_receivable:employee", -100), (worker, -384000)]
