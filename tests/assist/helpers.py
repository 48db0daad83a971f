"""Settling the assist tests' visits: through the real settlement service, then dated on the
visit day, as a settlement made at the institution on that day is (the stateful service stamps
`created_at` with the real clock, and the tests' visits lie in 2025, the last shipped policy
year)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import update

from tests.services.population import visit
from yibao.services.settle_service import Settled, settle_committed
from yibao.store import Store
from yibao.store.schema import settlements

REMAINING = ("hifp_pay", "hifob_pay", "hifmi_pay", "cvlserv_pay", "maf_pay")


def settle_on(store: Store, psn_no: str, mdtrt_id: str, amount: str, day: date,
              med_type: str = "21") -> dict[str, Any]:
    """Settle a visit on `day` (noon Beijing); its result document."""
    done = settle_committed(visit(psn_no, mdtrt_id, amount=amount, day=day.isoformat(),
                                  med_type=med_type), store=store)
    assert isinstance(done, Settled), done
    with store.unit_of_work() as uow:
        uow.connection.execute(update(settlements)
                               .where(settlements.c.setl_id == done.setl_id)
                               .values(created_at=datetime(day.year, day.month, day.day, 4,
                                                           tzinfo=UTC)))
        uow.commit()
    return done.to_json()


def b_of(result: dict[str, Any]) -> Decimal:
    """One visit's part of B: inscp_scp_amt − hifp − hifob − hifmi − cvlserv − maf."""
    return Decimal(result["inscp_scp_amt"]) - sum(Decimal(result[k]) for k in REMAINING)
