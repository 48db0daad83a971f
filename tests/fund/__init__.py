"""Tests of yibao.fund."""
