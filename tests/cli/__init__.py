"""Tests of the `yibao` command."""
