"""Tests of the payment room (DRG, DIP, point value)."""
