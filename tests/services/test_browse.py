"""The person search and the export readers of `yibao.services.browse` give the same answers
on SQLite and PostgreSQL: filters by name or ID prefix, 险种, 人员类别, 参保状态 and 救助类别
within the reader's scope, page by page with the total; exports read every row in chunks."""

from __future__ import annotations

from tests.services.population import CITY, DIBAO, RETIREE, TEKUN, WORKER, visit
from yibao.services import browse
from yibao.services.accounts import Principal
from yibao.services.bureau import Query, Refused
from yibao.services.settle_service import Settled, settle_committed
from yibao.store import Store

COUNTY = Principal("county", "handler", "511623")
PROVINCE = Principal("province", "director", "510000")


def _ids(store: Store, who: Principal, **wanted: object) -> set[str]:
    found = browse.find_persons(who, browse.PersonFilter(**wanted), Query(500, 0), store=store)
    assert not isinstance(found, Refused)
    assert found.total == len(found.items)
    return {p["id_number"] for p in found.items}


def test_filters_and_scope(populated: Store) -> None:
    assert CITY not in _ids(populated, COUNTY) and CITY in _ids(populated, PROVINCE)
    assert _ids(populated, COUNTY, group="dibao") == {DIBAO}
    assert _ids(populated, COUNTY, group="tekun") == {TEKUN}
    assert _ids(populated, COUNTY, insutype="310") == {WORKER, RETIREE}
    assert _ids(populated, COUNTY, psn_type="retired") == {RETIREE}
    assert _ids(populated, COUNTY, q="李四") == {DIBAO}
    assert _ids(populated, COUNTY, q=DIBAO[:12]) >= {DIBAO}
    assert _ids(populated, COUNTY, insutype="310", status="transferred") == set()
    assert len(_ids(populated, COUNTY, year=2023)) == 2  # LATE and LAPSED


def test_pages_and_the_newest_enrollment(populated: Store) -> None:
    first = browse.find_persons(COUNTY, browse.PersonFilter(), Query(3, 0), store=populated)
    rest = browse.find_persons(COUNTY, browse.PersonFilter(), Query(3, 3), store=populated)
    assert not isinstance(first, Refused) and not isinstance(rest, Refused)
    assert first.total == rest.total == 7 and len(first.items) == 3
    assert not {p["id_number"] for p in first.items} & {p["id_number"] for p in rest.items}
    worker = next(p for p in _items(populated) if p["id_number"] == WORKER)
    assert (worker["insutype"], worker["psn_type"], worker["status"]) == (
        "310", "in_service", "active")


def _items(store: Store) -> list[dict[str, object]]:
    found = browse.find_persons(COUNTY, browse.PersonFilter(), Query(500, 0), store=store)
    assert not isinstance(found, Refused)
    return found.items


def test_exports_read_every_row(populated: Store) -> None:
    persons = browse.export_persons(COUNTY, browse.PersonFilter(), store=populated)
    assert not isinstance(persons, Refused) and persons.total == len(list(persons.rows)) == 7
    for n in range(3):
        settled = settle_committed(visit(WORKER, f"BROWSE-{n}", day=f"2024-05-0{n + 1}"),
                                   store=populated)
        assert isinstance(settled, Settled), settled
    setl = browse.export_settlements(COUNTY, {"id_number": WORKER, "med_type": "21"},
                                     store=populated)
    assert not isinstance(setl, Refused) and setl.total == 3
    rows = list(browse.with_institution_names(setl.rows, store=populated))
    assert [r["mdtrt_id"] for r in rows] == ["BROWSE-0", "BROWSE-1", "BROWSE-2"]
    assert {r["fixmedins_name"] for r in rows} == {"邻水县人民医院"}
    assert all(len(r["setl_time"]) == 19 for r in rows)
    assert browse.institution_names(["H51162300099"], store=populated) == {}
