"""Fixtures for the service tests: stores on both backends (tests/store/fixtures.py) and a
store holding the population of tests/services/population.py."""

from __future__ import annotations

import pytest

from tests.services.population import populate
from tests.store.fixtures import StoreFactory, backend, make_store, store, templates
from yibao.store import Store

__all__ = ["backend", "make_store", "populated", "store", "templates"]


@pytest.fixture
def populated(make_store: StoreFactory) -> Store:
    """The population, with 2024 contributions posted (a copy of a session template)."""
    return make_store(populate, "population")
