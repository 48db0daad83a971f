"""Fixtures of the 门诊慢特病认定 tests: the service tests' population on both backends, the
same population enrolled up to next year (Beijing), for the CLI, which certifies on the real
today, and a live server (API, interface, console) over it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.api.conftest import Live, live_server
from tests.offsite.conftest import enroll_now, now_populated
from tests.services.conftest import populated
from tests.store.fixtures import backend, make_store, store, templates

__all__ = ["backend", "live_opsp", "make_store", "now_populated", "populated", "store",
           "templates"]

#: Handlers of Linshui (511623) and of Guang'an district (511602), a Linshui auditor and a
#: province administrator.
OPSP_USERS = {"county": ("handler", "511623"), "other": ("handler", "511602"),
              "auditor": ("auditor", "511623"), "admin": ("admin", "510000")}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def live_opsp(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
              ) -> Iterator[Live]:
    """A live server over the population with RESIDENT (511623) and CITY (511602) enrolled
    from 2025 to next year, and the users of `OPSP_USERS`."""
    folder = tmp_path_factory.mktemp("opsp")
    with live_server(request.param, folder, OPSP_USERS,
                     lambda store: enroll_now(store, folder)) as (served, _url):
        yield served
