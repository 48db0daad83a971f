"""Fixtures of the filing tests: the service tests' population on both backends, and the same
population enrolled in the current and the next year (Beijing), for the faces, which file on
the real today."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.conftest import Live, live_server
from tests.services.conftest import populated
from tests.services.population import CITY, PEOPLE_HEADER, RESIDENT, populate
from tests.store.fixtures import StoreFactory, backend, make_store, store, templates
from yibao.services import enroll
from yibao.services.offsite import beijing_today
from yibao.store import Store

__all__ = ["backend", "live_filing", "make_store", "now_populated", "populated", "store",
           "templates"]


def enroll_now(store: Store, folder: Path) -> None:
    """RESIDENT (511623) and CITY (511602) enrolled every year from 2024 to the next one
    (no break, so no waiting period)."""
    year = beijing_today().year
    rows = [f"{who},{name},{hh},390,resident,{region},{y},,false,,,"
            for who, name, hh, region in ((RESIDENT, "张三", "HH1", "511623"),
                                          (CITY, "吴十", "HH7", "511602"))
            for y in range(2025, year + 2)]
    path = folder / "now.csv"
    path.write_text("\n".join([PEOPLE_HEADER, *rows]) + "\n", encoding="utf-8")
    report = enroll.import_enrollments(path, store=store)
    assert not report.errors, report.errors


def populate_now(store: Store, folder: Path) -> None:
    populate(store, folder)
    enroll_now(store, folder)


@pytest.fixture
def now_populated(make_store: StoreFactory) -> Store:
    return make_store(populate_now, "population-now")


FILING_USERS = {"county": ("handler", "511623"), "city": ("handler", "511600"),
                "other": ("handler", "511602"), "auditor": ("auditor", "511623")}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def live_filing(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                ) -> Iterator[Live]:
    """A live server (API, interface, console) over the population enrolled up to next year,
    with handlers of Linshui, Guang'an city and Guang'an district and a Linshui auditor."""
    folder = tmp_path_factory.mktemp("filing")
    with live_server(request.param, folder, FILING_USERS,
                     lambda store: enroll_now(store, folder)) as (served, _url):
        yield served
