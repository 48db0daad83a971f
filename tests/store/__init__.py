"""Tests of yibao.store."""
