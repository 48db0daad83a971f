"""Settle a JSON Lines file of requests with the batch engine: `yibao settle --batch IN --out OUT`.

Each valid request gets one result line in OUT, in input order. Invalid requests go to
`<OUT>.rejects.jsonl` with their line number, field and message, and advance no accumulator. A
`ytd` on a later request of the same key (person, scheme, year) is refused: the key's accumulators
come from its first request. Both files are written to temporary names and renamed at the end,
so an interrupted run leaves nothing half-written.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rich.progress import Progress

from yibao.policy.model import Policy
from yibao.services.calculate import Completer, policy_resolver
from yibao.settle.batch import settle_columns
from yibao.settle.batch_output import documents
from yibao.settle.columns import build_columns
from yibao.settle.jsonio import dumps, loads
from yibao.settle.model import SettleRequest
from yibao.settle.request import RequestError, parse_request

CHUNK_LINES = 10_000


@dataclass(frozen=True, slots=True)
class Reject:
    line: int
    field: str
    message: str


@dataclass(frozen=True, slots=True)
class BatchSummary:
    settled: int
    rejected: int
    out: Path
    rejects: Path

    def describe(self) -> str:
        return (f"已结算 {self.settled} 笔，写入 {self.out}；"
                f"拒绝 {self.rejected} 笔，写入 {self.rejects}")


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    with path.open(encoding="utf-8") as handle:
        for number, text in enumerate(handle, start=1):
            if text.strip():
                yield number, text


def _parse(number: int, text: str, resolve: object, complete: Completer | None,
           policy_file: Path | None) -> SettleRequest:
    try:
        doc = loads(text)
    except ValueError as err:
        raise RequestError("", f"第 {number} 行不是有效的 JSON：{err}") from None
    if complete is not None and isinstance(doc, dict):
        doc = dict(complete(doc))
    if policy_file is not None and isinstance(doc, dict):
        doc.setdefault("policy", str(policy_file))
    return parse_request(doc, resolve)  # type: ignore[arg-type]


def read_requests(
    path: Path, *, policy_file: Path | None = None, complete: Completer | None = None,
    progress: Progress | None = None,
) -> tuple[list[SettleRequest], list[Policy], list[Reject]]:
    """Validate every line; return the valid requests with their policies, and the rejects."""
    resolve = policy_resolver(policy_file)
    requests: list[SettleRequest] = []
    policies: list[Policy] = []
    rejects: list[Reject] = []
    seen: set[tuple[str, str, int | None]] = set()
    task = progress.add_task("校验请求", total=path.stat().st_size) if progress else None
    for number, text in _lines(path):
        if progress is not None and task is not None:
            progress.advance(task, len(text.encode("utf-8")))
        try:
            req = _parse(number, text, resolve, complete, policy_file)
        except RequestError as err:
            rejects.append(Reject(number, err.field, err.message))
            continue
        key = (req.person.psn_no, req.person.insutype, req.visit.year)
        if key in seen and req.ytd_given:
            rejects.append(Reject(number, "ytd", "同一人员、险种、年度的后续请求不得携带 ytd"))
            continue
        seen.add(key)
        requests.append(req)
        policies.append(resolve(req.policy))
    return requests, policies, rejects


def _write_atomically(path: Path, lines: Iterator[str]) -> None:
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with temporary.open("w", encoding="utf-8") as handle:
            for line in lines:
                handle.write(line)
                handle.write("\n")
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)


def settle_file(
    batch: Path, out: Path, *, policy_file: Path | None = None,
    complete: Completer | None = None, progress: Progress | None = None,
) -> BatchSummary:
    """Validate, settle and write a JSON Lines batch; return what was written where."""
    if not batch.is_file():
        raise RequestError("", f"批量请求文件不存在：{batch}")
    requests, policies, rejects = read_requests(
        batch, policy_file=policy_file, complete=complete, progress=progress)
    if progress is not None:
        progress.add_task("批量结算", total=None)
    results: Iterator[dict[str, object]] = iter(())
    if requests:
        result = settle_columns(build_columns(requests, policies), workers=os.cpu_count() or 1)
        results = documents(requests, policies, result)
    rejects_path = out.with_name(out.name + ".rejects.jsonl")
    _write_atomically(out, (dumps(doc, indent=None) for doc in results))
    _write_atomically(rejects_path, (dumps(
        {"line": r.line, "field": r.field, "message": r.message}, indent=None)
        for r in rejects))
    return BatchSummary(len(requests), len(rejects), out, rejects_path)
