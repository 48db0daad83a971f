"""Fixtures of the 门诊慢特病认定 tests: the service tests' population on both backends, and the
same population enrolled up to next year (Beijing), for the CLI, which certifies on the real
today."""

from __future__ import annotations

from tests.offsite.conftest import now_populated
from tests.services.conftest import populated
from tests.store.fixtures import backend, make_store, store, templates

__all__ = ["backend", "make_store", "now_populated", "populated", "store", "templates"]
