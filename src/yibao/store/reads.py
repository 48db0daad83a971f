"""Read-only, paginated queries of the bureau API (经办查询), each limited to the reader's scope."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, and_, case, exists, func, literal, select

from yibao.store.schema import (
    enrollments,
    institutions,
    persons,
    reversals,
    settlement_lists,
    settlements,
)

#: Characters of an ID-number prefix; any other search text is a part of a name.
ID_PREFIX_CHARS = frozenset("0123456789Xx")
#: The enrollment columns a person search may match, by the filter's name.
PERSON_ENROLLMENT_FILTERS = {"insutype": "scheme", "psn_type": "psn_type", "status": "status",
                             "year": "year"}
SETTLEMENT_FILTERS = ("year", "region", "fixmedins_code", "id_number", "med_type")


def _settlement_rows(prefix: str, filters: Mapping[str, Any]) -> Any:
    s = settlements.c
    query = (select(s.commit_seq, s.setl_id, s.mdtrt_id, s.fixmedins_code, s.id_number,
                    s.scheme, s.region, s.year, s.med_type, s.medfee_sumamt_fen,
                    s.fund_pay_sumamt_fen, s.acct_pay_fen, s.psn_cash_pay_fen,
                    s.created_at, reversals.c.reversal_id)
             .outerjoin(reversals, reversals.c.setl_id == s.setl_id)
             .where(s.region.like(f"{prefix}%")))
    for key in SETTLEMENT_FILTERS:
        if filters.get(key) is not None:
            query = query.where(s[key] == filters[key])
    return query


def _person_rows(prefix: str, search: Mapping[str, Any]) -> Any:
    """Persons in scope: `q` a name part or an ID-number prefix, `group` a 救助类别, and the
    enrollment filters matched against an enrollment in scope."""
    p, e = persons.c, enrollments.c
    query = select(persons).where(p.region.like(f"{prefix}%"))
    q = str(search.get("q") or "").strip()
    if q and set(q) <= ID_PREFIX_CHARS:
        query = query.where(p.id_number.like(f"{q.upper()}%"))
    elif q:
        query = query.where(p.name.contains(q, autoescape=True))
    if search.get("group"):
        query = query.where((literal(",") + p.groups + literal(",")).contains(
            f",{search['group']},", autoescape=True))
    terms = [e[column] == search[key] for key, column in PERSON_ENROLLMENT_FILTERS.items()
             if search.get(key) is not None]
    if terms:
        query = query.where(exists().where(and_(
            e.id_number == p.id_number, e.region.like(f"{prefix}%"), *terms)))
    return query.order_by(p.id_number)


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
        return self._page(_settlement_rows(prefix, filters).order_by(settlements.c.commit_seq),
                          limit, offset)

    def settlement_count(self, prefix: str, filters: Mapping[str, Any]) -> int:
        return int(self.connection.execute(select(func.count()).select_from(
            _settlement_rows(prefix, filters).subquery())).scalar_one())

    def settlements_after(self, prefix: str, filters: Mapping[str, Any], after: int,
                          limit: int) -> list[Any]:
        """The next `limit` settlements in commit order after `after` (read by key: an
        offset would re-read every earlier row)."""
        s = settlements.c
        return list(self.connection.execute(_settlement_rows(prefix, filters)
                                            .where(s.commit_seq > after)
                                            .order_by(s.commit_seq).limit(limit)))

    def person_search(self, prefix: str, search: Mapping[str, Any], limit: int, offset: int
                      ) -> tuple[int, list[Any]]:
        return self._page(_person_rows(prefix, search), limit, offset)

    def persons_after(self, prefix: str, search: Mapping[str, Any], after: str, limit: int
                      ) -> list[Any]:
        return list(self.connection.execute(_person_rows(prefix, search)
                                            .where(persons.c.id_number > after).limit(limit)))

    def latest_enrollments(self, prefix: str, ids: Sequence[str]) -> list[Any]:
        """Each person's enrollments in scope, oldest year first (the last one per person is
        the newest)."""
        e = enrollments.c
        return list(self.connection.execute(
            select(e.id_number, e.scheme, e.psn_type, e.status, e.year)
            .where(e.id_number.in_(ids), e.region.like(f"{prefix}%")).order_by(e.year, e.id)))

    def institution_names(self, codes: Sequence[str]) -> list[Any]:
        c = institutions.c
        return list(self.connection.execute(select(c.code, c.name).where(c.code.in_(codes))))

    def settlement_region(self, setl_id: str) -> str | None:
        return self.connection.execute(select(settlements.c.region)
                                       .where(settlements.c.setl_id == setl_id)).scalar()

    def drg_results(self, prefix: str, filters: Mapping[str, Any], limit: int, offset: int
                    ) -> tuple[int, list[Any]]:
        c = settlement_lists.c
        query = (select(c.setl_id, c.mdtrt_id, c.fixmedins_code, c.region, c.year, c.mdc,
                        c.adrg, c.drg, c.status, c.trace_json, c.created_at,
                        c.payment_method)
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

    def inpatient_parts(self, prefix: str, year: int, non_itemised: Sequence[str]) -> list[Any]:
        """Per region, employee flag and key-group flag (特困, 低保, 返贫致贫 in the person's
        groups): the inpatient (21) settlements' count, sums of the funds that enter the plan's
        ratios, their medical cost, the part of it in stays whose list was paid by one of the
        `non_itemised` methods, and how many stays have a paid list; reversed ones left out."""
        s, c = settlements.c, settlement_lists.c
        marked = "," + persons.c.groups + ","
        key = (marked.like("%,tekun,%") | marked.like("%,dibao,%")
               | marked.like("%,fanpin,%"))
        employee = s.scheme == "310"
        paid_so = case((c.payment_method.in_(non_itemised), s.medfee_sumamt_fen), else_=0)
        return list(self.connection.execute(
            select(s.region, employee, key, func.count(),
                   *(func.sum(getattr(s, f"{name}_fen")) for name in (
                       "hifp_pay", "hifob_pay", "hifmi_pay", "cvlserv_pay", "maf_pay",
                       "inscp_scp_amt", "medfee_sumamt")),
                   func.sum(paid_so),
                   func.sum(case((c.payment_method.is_not(None), 1), else_=0)))
            .join(persons, persons.c.id_number == s.id_number)
            .outerjoin(settlement_lists, c.setl_id == s.setl_id)
            .outerjoin(reversals, reversals.c.setl_id == s.setl_id)
            .where(s.region.like(f"{prefix}%"), s.year == year, s.med_type == "21",
                   reversals.c.reversal_id.is_(None))
            .group_by(s.region, employee, key)))

    def offsite_flows(self, prefix: str, year: int) -> list[Any]:
        """A year's settlements (reversed ones left out) whose insured region or care region
        lies in `prefix`, grouped by insured region, care region (the insured region where
        none is recorded), channel and med_type: count, Σ medfee, Σ fund pay, Σ account pay
        (fen); the rows of `yibao.indicators.offsite.FlowRow`."""
        s = settlements.c
        care = func.coalesce(s.care_region, s.region)
        return list(self.connection.execute(
            select(s.region, care, s.channel, s.med_type, func.count(),
                   func.sum(s.medfee_sumamt_fen), func.sum(s.fund_pay_sumamt_fen),
                   func.sum(s.acct_pay_fen))
            .outerjoin(reversals, reversals.c.setl_id == s.setl_id)
            .where(s.region.like(f"{prefix}%") | care.like(f"{prefix}%"), s.year == year,
                   reversals.c.reversal_id.is_(None))
            .group_by(s.region, care, s.channel, s.med_type)))

    def latest_settlement_year(self, prefix: str) -> int | None:
        """The newest year with a settlement of an insured region in `prefix`."""
        return self.connection.execute(select(func.max(settlements.c.year))
                                       .where(settlements.c.region.like(f"{prefix}%"))).scalar()
