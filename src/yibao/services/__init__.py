"""Use cases: each function opens a unit of work, loads, calls the pure domain, writes."""
