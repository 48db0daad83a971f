"""Offsite settlements and reversals written with the store as the settlement path posts them
(docs/offsite.md): in the insured region's ledger the fund payment and the personal-account
payment are owed to the care region (`offsite_payable:<care>`), a reversal mirrors them.

Written directly (not through `settle_committed`) so the clearing is tested on its own; each
row carries the care region, `offsite` and `channel` as the settlement path records them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from yibao.core.beijing import BEIJING
from yibao.core.money import to_fen
from yibao.enroll.model import Enrollment, Institution, PersonRecord
from yibao.fund.accounts import ACCOUNT_OF_FUND, AccountCode, AccountKey
from yibao.fund.events import EMPLOYEE_SCHEME, pool_fund
from yibao.fund.postings import PostingSet, TxnKind, reversal_of, transfer
from yibao.services.fund import post_entry
from yibao.settle.model import MONEY_FIELDS
from yibao.store import Store
from yibao.store.schema import reversals, settlements

A = AccountCode


def beijing(year: int, month: int, day: int, hour: int = 10) -> datetime:
    """A Beijing wall-clock time, as the UTC instant the store keeps."""
    return datetime(year, month, day, hour, tzinfo=BEIJING).astimezone(UTC)


def register(store: Store, people: dict[str, str], institutions: dict[str, str],
             year: int = 2025) -> None:
    """Persons (id → insured region, employees with a funded personal account) and
    institutions (code → region)."""
    with store.unit_of_work() as uow:
        uow.registry.save_persons([PersonRecord(pid, "测试", date(1960, 1, 1), "M", region)
                                   for pid, region in people.items()])
        uow.registry.add_enrollments([
            Enrollment(pid, EMPLOYEE_SCHEME, region, y, "retired", date(y, 1, 1), date(y, 1, 1))
            for pid, region in people.items() for y in (year - 1, year)])
        uow.registry.save_institutions([Institution(code, f"医院{code}", "3", region)
                                        for code, region in institutions.items()])
        for pid, region in people.items():
            account = AccountKey(region, A.PERSONAL_ACCOUNT, pid)
            entry = PostingSet(f"CF-{pid}", TxnKind.CONTRIBUTION, region, transfer(
                AccountKey(region, A.CONTRIBUTION_RECEIVABLE, "employee"), account, 1_000_000))
            post_entry(uow, entry, pid, datetime(year - 1, 1, 1, tzinfo=UTC))
        uow.commit()


def offsite_settlement(store: Store, setl_id: str, id_number: str, insured: str, care: str,
                       code: str, at: datetime, fund: str, acct: str = "0") -> int:
    """One offsite direct settlement: the pool pays `fund`, the personal account `acct`; both
    owed to the care region. Its amount in fen."""
    fund_fen, acct_fen = to_fen(Decimal(fund)), to_fen(Decimal(acct))
    payable = AccountKey(insured, A.OFFSITE_PAYABLE, care)
    pool = AccountKey(insured, ACCOUNT_OF_FUND[pool_fund(EMPLOYEE_SCHEME)])
    entry = PostingSet(f"S{setl_id}", TxnKind.SETTLEMENT, insured, (
        *transfer(pool, payable, fund_fen),
        *transfer(AccountKey(insured, A.PERSONAL_ACCOUNT, id_number), payable, acct_fen)))
    money = {f"{name}_fen": 0 for name in MONEY_FIELDS}
    money |= {"hifp_pay_fen": fund_fen, "fund_pay_sumamt_fen": fund_fen, "acct_pay_fen": acct_fen,
              "medfee_sumamt_fen": fund_fen + acct_fen}
    with store.unit_of_work() as uow:
        uow.connection.execute(settlements.insert().values(
            setl_id=setl_id, fixmedins_code=code, mdtrt_id=f"M{setl_id}", id_number=id_number,
            scheme=EMPLOYEE_SCHEME, region=insured, year=at.year, policy_id=f"{insured}-{at.year}",
            med_type="21", request_hash="0" * 64, request_json="{}", result_json="{}",
            ytd_before_json="{}", accum_version=1, txn_id=entry.txn_id, created_at=at,
            care_region=care, offsite="filed", channel="direct", **money))
        post_entry(uow, entry, id_number, at)
        uow.commit()
    return fund_fen + acct_fen


def reverse(store: Store, setl_id: str, id_number: str, at: datetime) -> None:
    """Reverse a settlement written by `offsite_settlement` (红字冲销) at `at`."""
    with store.unit_of_work() as uow:
        original = uow.ledger.postings_of(f"S{setl_id}")
        assert original is not None
        entry = reversal_of(original, f"R{setl_id}")
        uow.connection.execute(reversals.insert().values(
            reversal_id=f"R{setl_id}", setl_id=setl_id, accum_version=2, txn_id=entry.txn_id,
            created_at=at))
        post_entry(uow, entry, id_number, at)
        uow.commit()
