"""Tests of the CHS-DRG grouping engine."""
