"""Batch pipelines (批处理作业): the year job now; clearing, projections and the province later.

A job is a sequence of steps that pass values (frames, typed results) to one another: it reads
its inputs once, computes through the domain rooms (columnar engines through
`yibao.analytics`), and writes once at the end (the store in bulk, the report files). Rendering
belongs to `yibao.indicators`; a job only assembles the data.
"""
