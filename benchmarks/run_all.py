"""Run every benchmark in this folder (`bench_*.py`, each with a `main()`) and print its figures.

`make bench` runs this; `make bench ONLY=settle` runs only `bench_settle.py`. Each benchmark
prints its own figures, including a ratio against a baseline measured in the same run, because
the machines are shared and absolute rates vary from run to run.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def load(path: Path) -> object:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(HERE))
    spec.loader.exec_module(module)
    return module


def main() -> None:
    only = os.environ.get("ONLY", "")
    figures: dict[str, object] = {}
    for path in sorted(HERE.glob("bench_*.py")):
        name = path.stem.removeprefix("bench_")
        if only and name not in only.split(","):
            continue
        start = time.perf_counter()
        figures[name] = load(path).main()  # type: ignore[attr-defined]
        print(f"-- {path.name} took {time.perf_counter() - start:.0f} s\n", flush=True)
    print(json.dumps(figures, ensure_ascii=False, default=str, indent=1))


if __name__ == "__main__":
    main()
