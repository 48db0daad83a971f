"""Contribution repository (缴费记录): one row per person, scheme and year, insert only."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from yibao.core.money import to_fen
from yibao.enroll.contributions import Contribution
from yibao.store.registry import _chunks
from yibao.store.schema import contributions


class ContributionRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def existing(self, client_ids: Sequence[str]) -> frozenset[str]:
        found: set[str] = set()
        for chunk in _chunks(client_ids):
            rows = self.connection.execute(select(contributions.c.client_id)
                                           .where(contributions.c.client_id.in_(chunk)))
            found.update(r.client_id for r in rows)
        return frozenset(found)

    def add(self, items: Sequence[Contribution], created_at: datetime) -> None:
        rows: list[dict[str, Any]] = []
        for c in items:
            row: dict[str, Any] = {
                "client_id": c.client_id, "id_number": c.id_number, "scheme": c.scheme,
                "region": c.region, "year": c.year, "psn_type": c.psn_type, "months": c.months,
                "assistance_group": c.assistance_group, "txn_id": c.client_id,
                "created_at": created_at}
            row.update({f"{name}_fen": to_fen(value) for name, value in c.amounts().items()})
            rows.append(row)
        if rows:
            self.connection.execute(contributions.insert(), rows)

    def totals(self, year: int) -> dict[str, int]:
        """Fen per amount column over a year's contributions (for reports and tests)."""
        names = [c.name for c in contributions.columns if c.name.endswith("_fen")]
        row = self.connection.execute(
            select(*(func.coalesce(func.sum(contributions.c[n]), 0) for n in names))
            .where(contributions.c.year == year)).one()
        return {n.removesuffix("_fen"): int(v) for n, v in zip(names, row, strict=True)}
