"""The adapter room for columnar engines (分析引擎适配): engine-neutral SQL in, frames out.

Domain rooms write SQL as text (`yibao.supervise.batch`); a job or a service hands it here with
its input frames as an `SqlPlan`, and an `Engine` runs it. `duck.DuckDB` is the embedded engine
of one machine; a distributed engine (Spark) can stand beside it behind the same `run`. Only
this room imports an engine's driver.
"""
