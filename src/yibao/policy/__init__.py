"""Benefit policies (待遇政策) as data: TOML files validated on load."""
