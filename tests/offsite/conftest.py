"""Fixtures for the cross-region tests (see tests/store/fixtures.py)."""

from tests.store.fixtures import backend, make_store, store, templates

__all__ = ["backend", "make_store", "store", "templates"]
