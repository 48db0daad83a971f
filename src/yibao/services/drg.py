"""Group a file of cases (DRG 分组): `yibao drg group --rules DIR --input F --out F`.

Reads the OpenDRG sample CSV or a settlement-list Parquet (docs/drg.md), groups it in chunks with
the column grouper, and writes `Index, mdc, adrg, drg, status, trace` as CSV or Parquet by the
output's extension. The output is written to a temporary name and renamed at the end.

The rule pack comes from the option, else `$YIBAO_DRG_RULES`, else the CHS-DRG 1.1 pack shipped
with yibao (`yibao.payment.shipped.rules_dir`); its compiled form is cached under
`$XDG_CACHE_HOME/yibao/drg`. A pack that cannot be used raises `DrgPackError` (zh-CN, naming the
folder or the file and line).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import polars as pl

from yibao.payment import shipped
from yibao.payment.drg.batch import group_batch
from yibao.payment.drg.layout import to_settlement
from yibao.payment.drg.loader import RulePack, default_cache_dir, load_rule_pack
from yibao.payment.drg.model import REASON_TEXT, Reason, Status

CHUNK_ROWS: Final = 100_000
OUTPUT_COLUMNS: Final = ("Index", "mdc", "adrg", "drg", "status", "trace")
SUFFIXES: Final = (".csv", ".parquet")

#: Called with (cases grouped so far, all cases) after each chunk.
Progress = Callable[[int, int], None]


class DrgServiceError(ValueError):
    """A file or option the service cannot use (zh-CN message)."""


@dataclass(frozen=True, slots=True)
class GroupReport:
    rules_dir: str
    scheme_id: str
    from_cache: bool
    input: Path
    output: Path
    cases: int
    by_status: tuple[tuple[str, int], ...]
    seconds: float


def load_rules(
    option: Path | None = None,
    environ: Mapping[str, str] | None = None,
    scheme_file: Path | None = None,
) -> RulePack:
    """Load (or take from the cache) the rule pack chosen by `shipped.rules_dir`."""
    environ = os.environ if environ is None else environ
    rules_dir = shipped.rules_dir(option, environ)
    return load_rule_pack(rules_dir, scheme_file=scheme_file, cache_dir=default_cache_dir(environ))


def _suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise DrgServiceError(f"不支持的文件类型 {path.name}：应为 .csv 或 .parquet")
    return suffix


def read_cases(path: Path) -> pl.DataFrame:
    """Read either input layout into the settlement-list layout."""
    if not path.is_file():
        raise DrgServiceError(f"输入文件不存在：{path}")
    if _suffix(path) == ".csv":
        frame = pl.read_csv(path, infer_schema=False)  # codes and ids stay text
    else:
        frame = pl.read_parquet(path)
    return to_settlement(frame)


def _output(result: pl.DataFrame, trace: bool) -> pl.DataFrame:
    """The output columns; without the trace, a case that is not ok still says why."""
    if not trace:
        why = {r.value: f"{r.value}：{REASON_TEXT[r]}" for r in Reason}
        result = result.with_columns(
            pl.col("reason").replace_strict(why, default="").alias("trace")
        )
    return result.select(OUTPUT_COLUMNS)


def write_results(frame: pl.DataFrame, path: Path) -> None:
    suffix = _suffix(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        if suffix == ".csv":
            frame.write_csv(temporary)
        else:
            frame.write_parquet(temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def group_file(
    input: Path,
    output: Path,
    *,
    rules_dir: Path | None = None,
    scheme_file: Path | None = None,
    trace: bool = True,
    environ: Mapping[str, str] | None = None,
    progress: Progress | None = None,
) -> GroupReport:
    """Group every case of `input` and write the results to `output`."""
    _suffix(output)
    started = time.perf_counter()
    rules = load_rules(rules_dir, environ, scheme_file)
    frame = read_cases(input)
    parts = []
    for start in range(0, frame.height, CHUNK_ROWS):
        parts.append(group_batch(rules, frame.slice(start, CHUNK_ROWS), trace=trace))
        if progress is not None:
            progress(min(start + CHUNK_ROWS, frame.height), frame.height)
    result = pl.concat(parts) if parts else group_batch(rules, frame, trace=trace)
    write_results(_output(result, trace), output)
    counts = dict(result["status"].value_counts().iter_rows())
    return GroupReport(
        rules_dir=rules.rules_dir,
        scheme_id=rules.pack.scheme_id,
        from_cache=rules.from_cache,
        input=input,
        output=output,
        cases=frame.height,
        by_status=tuple((s.value, int(counts.get(s.value, 0))) for s in Status),
        seconds=time.perf_counter() - started,
    )
