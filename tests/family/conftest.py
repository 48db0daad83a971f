"""Fixtures of the family-binding tests: the service tests' population on both backends."""

from __future__ import annotations

from tests.services.conftest import populated
from tests.store.fixtures import backend, make_store, store, templates

__all__ = ["backend", "make_store", "populated", "store", "templates"]
