"""Fixtures of the family-binding tests: the service tests' population on both backends, and
the same population with WORKER (employee, 511623), RESIDENT (511623) and CITY (511602)
enrolled from 2025 to the next year (Beijing), for the faces, which bind on the real today."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.conftest import Live, live_server
from tests.services.conftest import populated
from tests.services.population import CITY, EMPLOYER, PEOPLE_HEADER, RESIDENT, WORKER, populate
from tests.store.fixtures import StoreFactory, backend, make_store, store, templates
from yibao.services import enroll
from yibao.services.offsite import beijing_today
from yibao.store import Store

__all__ = ["backend", "live_family", "make_store", "now_populated", "populated", "store",
           "templates"]


def enroll_now(store: Store, folder: Path) -> None:
    year = beijing_today().year
    rows = [row.format(y=y) for y in range(2025, year + 2) for row in (
        f"{WORKER},王五,HH2,310,in_service,511623,{{y}},,true,{EMPLOYER},6000,",
        f"{RESIDENT},张三,HH1,390,resident,511623,{{y}},,false,,,",
        f"{CITY},吴十,HH7,390,resident,511602,{{y}},,false,,,")]
    path = folder / "family-now.csv"
    path.write_text("\n".join([PEOPLE_HEADER, *rows]) + "\n", encoding="utf-8")
    report = enroll.import_enrollments(path, store=store)
    assert not report.errors, report.errors


def populate_now(store: Store, folder: Path) -> None:
    populate(store, folder)
    enroll_now(store, folder)


@pytest.fixture
def now_populated(make_store: StoreFactory) -> Store:
    return make_store(populate_now, "family-now")


FAMILY_USERS = {"county": ("handler", "511623"), "other": ("handler", "511602"),
                "auditor": ("auditor", "511623")}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def live_family(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                ) -> Iterator[Live]:
    """A live server (API, console) over that population, with handlers of Linshui and
    Guang'an district and a Linshui auditor."""
    folder = tmp_path_factory.mktemp("family")
    with live_server(request.param, folder, FAMILY_USERS,
                     lambda store: enroll_now(store, folder)) as (served, _url):
        yield served
