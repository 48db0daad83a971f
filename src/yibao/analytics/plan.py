"""What an engine runs (`SqlPlan`) and what an engine is (`Engine`): the room's interface."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import polars as pl

Tables = Mapping[str, pl.DataFrame]


class Staged(Protocol):
    """Stage tables (name, SELECT; each after the stages it reads) and the parts: SELECTs of one
    shape whose rows together are the result. `yibao.supervise.batch.Plan` is one."""

    @property
    def stages(self) -> tuple[tuple[str, str], ...]: ...

    @property
    def parts(self) -> tuple[str, ...]: ...

    def reads(self, sql: str) -> tuple[str, ...]: ...


@dataclass(frozen=True, slots=True)
class SqlPlan:
    """Engine-neutral SQL over named input tables: `tables` are made from the inputs first, in
    order (name, SELECT); then the stages and parts of `staged`, each as soon as the stages it
    reads exist. The result is every distinct row of the parts, sorted (`result_frame`)."""

    tables: tuple[tuple[str, str], ...]
    staged: Staged


class Engine(Protocol):
    """A columnar engine: run a plan over input frames, return its result as a frame."""

    def run(self, plan: SqlPlan, tables: Tables) -> pl.DataFrame: ...


def result_frame(frames: list[pl.DataFrame]) -> pl.DataFrame:
    """The parts' rows as one frame: each distinct row once, sorted by every column, so that a
    run's output does not depend on which part finished first."""
    if not frames:
        return pl.DataFrame()
    found = pl.concat(frames, how="vertical_relaxed").unique()
    return found.sort(found.columns)
