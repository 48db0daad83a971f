"""Synthetic region generator (模拟数据): population, institutions, catalogue, visits, fee lines,
settlement lists and labelled abuse, from a profile calibrated to public statistics.

Pure: every function takes a profile and a numpy Generator and returns tables (polars frames);
the only file read is the package's own profile data. Writing Parquet is `yibao.services.sim`.
"""
