"""Opening audit cases looks up the settlement of each hit visit of a region-year
(`CaseRepository.settlement_keys`, 2,000 visits a chunk): the lookup searches an index rather
than scanning every settlement once per chunk, which made opening a province-size year's cases
grow with the square of its size. Checked on the query plan SQLite gives the statement the
repository runs; before migration 0009 the plan was `SCAN settlements`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event

from yibao.store import Store
from yibao.store.migrate import upgrade


def test_the_settlement_keys_are_searched_by_index(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'k.db'}")
    upgrade(store)
    seen: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_rest: Any) -> None:
        seen.append((statement, parameters))

    event.listen(store.engine, "before_cursor_execute", keep)
    with store.unit_of_work(read_only=True) as uow:
        assert uow.cases.settlement_keys("511623", 2024, ["V1", "V2"]) == {}
    event.remove(store.engine, "before_cursor_execute", keep)
    (statement, parameters), = [s for s in seen if "settlements" in s[0]]
    with store.engine.connect() as connection:
        plan = [str(row[-1]) for row in connection.exec_driver_sql(
            f"EXPLAIN QUERY PLAN {statement}", parameters)]
    settlements_plan = [step for step in plan if "settlements" in step]
    assert settlements_plan and all("ix_settlements_region_year_mdtrt_id" in step
                                    for step in settlements_plan), plan
    store.dispose()
