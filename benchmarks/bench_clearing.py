"""`yibao offsite clear` for one month over N offsite direct settlements (异地就医清算).

Untimed: a SQLite file (or, with `--postgres`, a throwaway PostgreSQL database) gets N offsite
settlements of one month (2025-03) written in bulk with their ledger postings as the settlement
path makes them (fund and personal account → `offsite_payable:<care region>` of the insured
region), spread over the Guang'an city's seven county-level regions and 200 institutions, and a
reversal of every 50th made in the same month. Timed, in the same process: the baseline, one
read of the same settlements' clearing columns (setl_id, regions, institution, amount), then
`clear_month` (items not cleared, the prior year's amounts, statements, both sides' postings,
the clearing rows and items, one transaction). Prints both times and their ratio, then checks
the ledger (`yibao fund check`'s logic) and that a second clear posts nothing.

    uv run --frozen --no-sync python benchmarks/bench_clearing.py [--settlements N] [--postgres]
"""

from __future__ import annotations

import argparse
import contextlib
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))  # tests.postgres: the throwaway PostgreSQL databases

from sqlalchemy import func, select  # noqa: E402

from yibao.fund.accounts import AccountCode, AccountKey  # noqa: E402
from yibao.fund.postings import PostingSet, TxnKind, reversal_of, transfer  # noqa: E402
from yibao.offsite.clearing import ITEM_FIELDS  # noqa: E402
from yibao.services.clearing import Cleared, clear_month  # noqa: E402
from yibao.services.fund import check_fund_ledger  # noqa: E402
from yibao.settle.model import MONEY_FIELDS  # noqa: E402
from yibao.store import Store  # noqa: E402
from yibao.store.balances import add_to_balances, balance_rows  # noqa: E402
from yibao.store.ledger import shard_of  # noqa: E402
from yibao.store.migrate import upgrade  # noqa: E402
from yibao.store.schema import (  # noqa: E402
    fund_accounts,
    fund_transactions,
    institutions,
    persons,
    reversals,
    settlements,
)

SEED = 20250301
SETTLEMENTS = 20_000
REGIONS = ("511602", "511603", "511621", "511622", "511623", "511681", "511600")
INSTITUTIONS = 200
PERSONS = 5_000
REVERSE_EVERY = 50
CHUNK = 2_000
A = AccountCode


def _rows(n: int) -> tuple[list[dict[str, Any]], list[PostingSet], list[dict[str, Any]],
                           list[PostingSet]]:
    """N settlements (rows and posting sets) and the reversals of every REVERSE_EVERY-th."""
    rng = random.Random(SEED)
    start = datetime(2025, 2, 28, 17, tzinfo=UTC)  # 2025-03-01 01:00 Beijing
    money = {f"{name}_fen": 0 for name in MONEY_FIELDS}
    rows, sets, reversed_rows, reversed_sets = [], [], [], []
    for i in range(n):
        insured = REGIONS[i % len(REGIONS)]
        code = f"H{rng.randrange(INSTITUTIONS):011d}"
        care = REGIONS[int(code[1:]) % len(REGIONS)]
        if care == insured:
            care = REGIONS[(REGIONS.index(care) + 1) % len(REGIONS)]
        pid = f"{insured}1960{i % PERSONS:08d}"
        fund, acct = rng.randrange(5_000, 2_000_000), 0
        at = start + timedelta(seconds=rng.randrange(27 * 24 * 3600))
        setl_id = f"B{i:09d}"
        payable = AccountKey(insured, A.OFFSITE_PAYABLE, care)
        entry = PostingSet(f"S{setl_id}", TxnKind.SETTLEMENT, insured,
                           transfer(AccountKey(insured, A.EMPLOYEE_POOL), payable, fund + acct))
        rows.append({**money, "hifp_pay_fen": fund, "fund_pay_sumamt_fen": fund,
                     "setl_id": setl_id, "fixmedins_code": code, "mdtrt_id": f"M{i}",
                     "id_number": pid, "scheme": "310", "region": insured, "year": 2025,
                     "policy_id": f"{insured}-2025", "med_type": "21", "request_hash": "0" * 64,
                     "request_json": "{}", "result_json": "{}", "ytd_before_json": "{}",
                     "accum_version": 1, "txn_id": entry.txn_id, "created_at": at,
                     "care_region": care, "offsite": "filed", "channel": "direct"})
        sets.append(entry)
        if i % REVERSE_EVERY == 0:
            mirror = reversal_of(entry, f"R{setl_id}")
            reversed_rows.append({"reversal_id": f"R{setl_id}", "setl_id": setl_id,
                                  "accum_version": 2, "txn_id": mirror.txn_id,
                                  "created_at": at + timedelta(hours=1)})
            reversed_sets.append(mirror)
    return rows, sets, reversed_rows, reversed_sets


def _chunks(items: list[Any]) -> Iterator[list[Any]]:
    for i in range(0, len(items), CHUNK):
        yield items[i:i + CHUNK]


def build(store: Store, n: int) -> None:
    rows, sets, reversed_rows, reversed_sets = _rows(n)
    people = sorted({r["id_number"] for r in rows})
    with store.unit_of_work() as uow:
        c = uow.connection
        c.execute(persons.insert(), [{"id_number": p, "name": "测试", "sex": "M",
                                      "birth_date": date(1960, 1, 1), "region": p[:6],
                                      "groups": "", "civil_servant": False} for p in people])
        c.execute(institutions.insert(), [{"code": f"H{k:011d}", "name": f"医院{k}", "level": "2",
                                           "region": REGIONS[k % len(REGIONS)]}
                                          for k in range(INSTITUTIONS)])
        keys = {p.account for s in sets for p in s.postings}
        c.execute(fund_accounts.insert(), [{"key": k.text, "region": k.region,
                                            "code": k.code.value, "holder": k.holder,
                                            "kind": k.kind.value} for k in sorted(keys)])
        for chunk in _chunks(rows):
            c.execute(settlements.insert(), chunk)
        for chunk in _chunks(reversed_rows):
            c.execute(reversals.insert(), chunk)
        every = sets + reversed_sets
        times = [r["created_at"] for r in rows] + [r["created_at"] for r in reversed_rows]
        for chunk in _chunks(list(zip(every, times, strict=True))):
            c.execute(fund_transactions.insert(), [
                {"txn_id": e.txn_id, "kind": e.kind.value, "region": e.region, "created_at": t,
                 "booked_on": (t + timedelta(hours=8)).date()} for e, t in chunk])
            uow.ledger.add_postings([e for e, _ in chunk])
        add_to_balances(c, balance_rows([(e, shard_of(e.txn_id)) for e in every]))
        uow.commit()


def baseline(store: Store) -> int:
    """One read of the month's offsite settlements' clearing columns."""
    s = settlements.c
    amount = sum((s[f"{name}_fen"] for name in ITEM_FIELDS[1:]), s[f"{ITEM_FIELDS[0]}_fen"])
    with store.unit_of_work(read_only=True) as uow:
        rows = uow.connection.execute(select(s.setl_id, s.care_region, s.region,
                                             s.fixmedins_code, amount)
                                      .where(s.care_region != s.region)).all()
        uow.connection.execute(select(func.count()).select_from(reversals)).scalar_one()
    return len(rows)


@contextlib.contextmanager
def _store(postgres: bool) -> Iterator[Store]:
    if postgres:
        from tests.postgres import postgres_store

        with postgres_store() as store:
            yield store
        return
    with tempfile.TemporaryDirectory() as folder:
        store = Store(f"sqlite:///{Path(folder) / 'clearing.db'}")
        upgrade(store)
        try:
            yield store
        finally:
            store.dispose()


def run(n: int, postgres: bool) -> dict[str, Any]:
    with _store(postgres) as store:
        build(store, n)
        started = time.perf_counter()
        read = baseline(store)
        base_s = time.perf_counter() - started
        started = time.perf_counter()
        result = clear_month("2025-03", store=store)
        clear_s = time.perf_counter() - started
        assert isinstance(result, Cleared), result
        again = clear_month("2025-03", store=store)
        assert isinstance(again, Cleared) and again.posted == ()
        report = check_fund_ledger(store=store)
        assert report.ok, report
        total = sum(int(v.replace(".", "")) for v in result.to_json()["net"].values())
        assert total == 0
    backend = "postgresql" if postgres else "sqlite"
    print(f"offsite clear 2025-03 ({backend}): {n:,} settlements + {n // REVERSE_EVERY + 1:,} "
          f"reversals, {len(result.pairs)} pairs")
    print(f"  baseline (read the settlements once, {read:,} rows): {base_s:.3f} s")
    print(f"  clear_month: {clear_s:.3f} s = {clear_s / base_s:.1f} × baseline, "
          f"{n / clear_s:,.0f} settlements/s; ledger check ok, net 0.00, second clear posts 0")
    return {"backend": backend, "settlements": n, "pairs": len(result.pairs),
            "baseline_s": round(base_s, 3), "clear_s": round(clear_s, 3),
            "ratio": round(clear_s / base_s, 2)}


def main() -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settlements", type=int, default=SETTLEMENTS)
    parser.add_argument("--postgres", action="store_true")
    args, _ = parser.parse_known_args()
    return run(args.settlements, args.postgres)


if __name__ == "__main__":
    main()
