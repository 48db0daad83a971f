"""The postings each event makes (docs/ledger.md): settlements and contributions.

A settlement moves each fund's payment, and the personal-account payment, to what is owed to the
institution (应付定点医药机构款); the cash the person pays goes to the institution directly and
is not fund money. A contribution moves what is receivable from payers and budgets into the funds
and the personal accounts. Amounts enter in yuan and are posted in integer fen.
"""

from __future__ import annotations

from decimal import Decimal

from yibao.core.money import to_fen
from yibao.enroll.contributions import Contribution
from yibao.fund.accounts import ACCOUNT_OF_FUND, AccountCode, AccountKey
from yibao.fund.postings import Posting, PostingSet, TxnKind, transfer
from yibao.settle.model import SettleResult

A = AccountCode


def settlement_postings(
    txn_id: str, region: str, result: SettleResult, fixmedins_code: str, id_number: str
) -> PostingSet:
    """Each fund's payment, and the account payment, owed to the institution."""
    payable = AccountKey(region, A.PAYABLE_INSTITUTION, fixmedins_code)
    postings: list[Posting] = []
    for detail in result.setldetail:
        fund = AccountKey(region, ACCOUNT_OF_FUND[detail.fund_pay_type])
        postings += transfer(fund, payable, to_fen(detail.fund_payamt))
    account = AccountKey(region, A.PERSONAL_ACCOUNT, id_number)
    postings += transfer(account, payable, to_fen(result.acct_pay))
    return PostingSet(txn_id, TxnKind.SETTLEMENT, region, tuple(postings))


def contribution_postings(txn_id: str, c: Contribution) -> PostingSet:
    """Receivables into the funds and the personal account; see docs/ledger.md for each line."""
    r = c.region

    def key(code: AccountCode, holder: str = "") -> AccountKey:
        return AccountKey(r, code, holder)

    pool = key(A.RESIDENT_POOL if c.scheme == "390" else A.EMPLOYEE_POOL)
    account = key(A.PERSONAL_ACCOUNT, c.id_number)
    lines: tuple[tuple[AccountKey, AccountKey, Decimal], ...] = (
        (key(A.CONTRIBUTION_RECEIVABLE, "individual"), pool, c.individual),
        (key(A.ASSISTANCE), pool, c.assistance),
        (key(A.FISCAL_RECEIVABLE, "central"), pool, c.subsidy_central),
        (key(A.FISCAL_RECEIVABLE, "provincial"), pool, c.subsidy_provincial),
        (key(A.FISCAL_RECEIVABLE, "local"), pool, c.subsidy_local),
        (pool, key(A.SERIOUS_ILLNESS), c.serious_illness),
        (key(A.CONTRIBUTION_RECEIVABLE, "employer"), pool, c.employer_to_pool),
        (key(A.CONTRIBUTION_RECEIVABLE, "employer"), account, c.employer_to_account),
        (key(A.CONTRIBUTION_RECEIVABLE, "employee"), pool, c.employee_to_pool),
        (key(A.CONTRIBUTION_RECEIVABLE, "employee"), account, c.employee_to_account),
        (pool, account, c.retiree_credit),
    )
    postings: list[Posting] = []
    for debit, credit, amount in lines:
        postings += transfer(debit, credit, to_fen(amount))
    return PostingSet(txn_id, TxnKind.CONTRIBUTION, r, tuple(postings))
