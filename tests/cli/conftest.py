"""Fixtures for the CLI tests that need a store: both backends, the service tests' population."""

from __future__ import annotations

from tests.services.conftest import populated
from tests.store.fixtures import backend, make_store, store, templates

__all__ = ["backend", "make_store", "populated", "store", "templates"]
