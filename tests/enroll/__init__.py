"""Tests of yibao.enroll."""
