"""Fixtures of the 依申请救助 tests: the service tests' population on both backends, with
RESIDENT and DIBAO (household HH1), TEKUN (HH4) and CITY (511602, no shipped policy) enrolled
in this year and the next (Beijing), so that applications are made on the real today."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.services.population import (
    CITY,
    DIBAO,
    PEOPLE_HEADER,
    RESIDENT,
    TEKUN,
    populate,
)
from tests.store.fixtures import StoreFactory, backend, make_store, store, templates
from yibao.services import enroll
from yibao.services.offsite import beijing_today
from yibao.store import Store

__all__ = ["assisted", "backend", "make_store", "store", "templates"]


def populate_assist(store: Store, folder: Path) -> None:
    populate(store, folder)
    enroll_assist(store, folder)


def enroll_assist(store: Store, folder: Path) -> None:
    year = beijing_today().year
    rows = [f"{who},{name},{hh},390,resident,{region},{y},{groups},false,,,"
            for who, name, hh, region, groups in (
                (RESIDENT, "张三", "HH1", "511623", ""), (DIBAO, "李四", "HH1", "511623", "dibao"),
                (TEKUN, "钱七", "HH4", "511623", "tekun"), (CITY, "吴十", "HH7", "511602", ""))
            for y in range(2025, year + 2)]
    path = folder / "assist.csv"
    path.write_text("\n".join([PEOPLE_HEADER, *rows]) + "\n", encoding="utf-8")
    report = enroll.import_enrollments(path, store=store)
    assert not report.errors, report.errors


@pytest.fixture
def assisted(make_store: StoreFactory) -> Store:
    return make_store(populate_assist, "population-assist")
