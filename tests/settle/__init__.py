"""Tests of one-stop settlement: worked examples, request validation, properties."""
