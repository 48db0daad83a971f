"""Read-only, paginated queries of the bureau API (经办查询), each limited to the reader's scope."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, func, select

from yibao.store.schema import enrollments, persons, reversals, settlement_lists, settlements


class BureauReads:
    """Read-only, paginated queries of the bureau API, each limited to regions whose code
    starts with `prefix` (the reader's scope)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def _page(self, query: Any, limit: int, offset: int) -> tuple[int, list[Any]]:
        total = self.connection.execute(
            select(func.count()).select_from(query.order_by(None).subquery())).scalar_one()
        return int(total), list(self.connection.execute(query.limit(limit).offset(offset)))

    def persons(self, prefix: str, name: str | None, limit: int, offset: int
                ) -> tuple[int, list[Any]]:
        query = (select(persons).where(persons.c.region.like(f"{prefix}%"))
                 .order_by(persons.c.id_number))
        if name:
            query = query.where(persons.c.name.contains(name, autoescape=True))
        return self._page(query, limit, offset)

    def enrollments(self, prefix: str, filters: Mapping[str, Any], limit: int, offset: int
                    ) -> tuple[int, list[Any]]:
        c = enrollments.c
        query = select(enrollments).where(c.region.like(f"{prefix}%")).order_by(c.id)
        for key in ("year", "scheme", "status", "region", "id_number"):
            if filters.get(key) is not None:
                query = query.where(c[key] == filters[key])
        return self._page(query, limit, offset)

    def settlements(self, prefix: str, filters: Mapping[str, Any], limit: int, offset: int
                    ) -> tuple[int, list[Any]]:
        s = settlements.c
        query = (select(s.commit_seq, s.setl_id, s.mdtrt_id, s.fixmedins_code, s.id_number,
                        s.scheme, s.region, s.year, s.med_type, s.medfee_sumamt_fen,
                        s.fund_pay_sumamt_fen, s.acct_pay_fen, s.psn_cash_pay_fen,
                        s.created_at, reversals.c.reversal_id)
                 .outerjoin(reversals, reversals.c.setl_id == s.setl_id)
                 .where(s.region.like(f"{prefix}%")).order_by(s.commit_seq))
        for key in ("year", "region", "fixmedins_code", "id_number", "med_type"):
            if filters.get(key) is not None:
                query = query.where(s[key] == filters[key])
        return self._page(query, limit, offset)

    def settlement_region(self, setl_id: str) -> str | None:
        return self.connection.execute(select(settlements.c.region)
                                       .where(settlements.c.setl_id == setl_id)).scalar()

    def drg_results(self, prefix: str, filters: Mapping[str, Any], limit: int, offset: int
                    ) -> tuple[int, list[Any]]:
        c = settlement_lists.c
        query = (select(c.setl_id, c.mdtrt_id, c.fixmedins_code, c.region, c.year, c.mdc,
                        c.adrg, c.drg, c.status, c.trace_json, c.created_at)
                 .where(c.region.like(f"{prefix}%")).order_by(c.setl_id))
        for key in ("year", "region", "drg", "status", "fixmedins_code"):
            if filters.get(key) is not None:
                query = query.where(c[key] == filters[key])
        return self._page(query, limit, offset)

    def settlement_totals(self, prefix: str, year: int) -> list[Any]:
        """Per med_type: count, medfee, in-policy, pooling and all funds (reversed left out)."""
        s = settlements.c
        return list(self.connection.execute(
            select(s.med_type, func.count(), func.sum(s.medfee_sumamt_fen),
                   func.sum(s.inscp_scp_amt_fen), func.sum(s.hifp_pay_fen),
                   func.sum(s.fund_pay_sumamt_fen))
            .outerjoin(reversals, reversals.c.setl_id == s.setl_id)
            .where(s.region.like(f"{prefix}%"), s.year == year,
                   reversals.c.reversal_id.is_(None))
            .group_by(s.med_type).order_by(s.med_type)))

    def grouped_lists(self, prefix: str, year: int) -> int:
        c = settlement_lists.c
        return int(self.connection.execute(
            select(func.count()).where(c.region.like(f"{prefix}%"), c.year == year,
                                       c.status == "ok")).scalar_one())
