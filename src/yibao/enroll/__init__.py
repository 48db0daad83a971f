"""Enrollment and funding (参保与筹资): registry values, import rules, waiting periods, duplicate
detection, eligibility and contribution calculation — pure functions over plain values."""
