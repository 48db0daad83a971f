"""Fingerprint the year job's outputs and compare two runs (issue 11: a refactoring must not
change them).

A fingerprint holds, order-independently:

- `indicators.json`, parsed, with the store's location (a path) blanked; kept whole, so that a
  difference names the keys that differ (`ORDERLESS` lists are compared in one order);
- `index.html`, as a SHA-256 of its text;
- every table of the job's database: its row count, a hash of the multiset of its rows and one
  per column. Wall-clock columns (`created_at`) are left out, and serial ids are replaced by
  their rank within the row's natural owner (a posting's rank within its transaction, a
  settlement's within its person), so the order of the postings of a transaction and of a
  person's settlements still counts but the order of the bulk load does not.

    .venv/bin/python scripts/compare-year.py fingerprint --report R [--db URL] --out F.json
    .venv/bin/python scripts/compare-year.py compare A.json B.json    # or report folders

`--db` defaults to the job's own file, `var/year.db` beside the report folder. `compare` exits
0 when both are identical and 1, listing every difference, when they are not.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, inspect, text

#: Columns that hold the time of the run, not a result.
CLOCK_COLUMNS = frozenset({"created_at", "updated_at"})
#: Serial ids → (partition columns, ordering column): replaced by the row's rank within the
#: partition, in id order.
SERIALS = {
    "fund_postings": ("id", ("txn_id",)),
    "settlements": ("commit_seq", ("id_number", "scheme", "year")),
    "reversals": ("commit_seq", ("setl_id",)),
    "enrollments": ("id", ("id_number", "scheme", "year")),
}
#: Keys of indicators.json that name where the run wrote, not what it computed.
LOCATION_KEYS = (("store", "database"),)
#: Lists of indicators.json whose order among equal keys is not a result: compared sorted by
#: the list's own order key with a tie-break (recoveries: amount descending; before the fix of
#: issue 11, institutions with equal amounts came out in the grouping's varying order).
ORDERLESS = {("audit", "recoveries"): lambda r: (-Decimal(str(r["amount"])),
                                                  r["fixmedins_code"])}
MASK = (1 << 128) - 1


def _canonical(value: Any) -> str:
    if value is None:
        return "\x00null"
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def _digest(text_: str) -> int:
    return int.from_bytes(hashlib.blake2b(text_.encode(), digest_size=16).digest(), "big")


def _rows(connection: Any, table: str, columns: list[str]) -> Iterator[tuple[Any, ...]]:
    serial = SERIALS.get(table)
    picked = []
    for name in columns:
        if serial and name == serial[0]:
            over = ", ".join(f'"{c}"' for c in serial[1])
            picked.append(f'row_number() OVER (PARTITION BY {over} ORDER BY "{name}") AS "{name}"')
        else:
            picked.append(f'"{name}"')
    result = connection.execution_options(stream_results=True).execute(
        text(f'SELECT {", ".join(picked)} FROM "{table}"'))
    while chunk := result.fetchmany(50_000):
        yield from chunk


def table_print(connection: Any, table: str, columns: list[str]) -> dict[str, Any]:
    """Row count, multiset hash of the rows and of each column (sums of 128-bit hashes)."""
    kept = [c for c in columns if c not in CLOCK_COLUMNS]
    whole, per = 0, [0] * len(kept)
    count = 0
    for row in _rows(connection, table, kept):
        cells = [_canonical(v) for v in row]
        whole = (whole + _digest("\x1f".join(cells))) & MASK
        for i, cell in enumerate(cells):
            per[i] = (per[i] + _digest(cell)) & MASK
        count += 1
    return {"rows": count, "hash": f"{whole:032x}",
            "columns": {name: f"{h:032x}" for name, h in zip(kept, per, strict=True)},
            "left_out": sorted(set(columns) - set(kept))}


def database_print(url: str) -> dict[str, Any]:
    engine = create_engine(url)
    try:
        names = sorted(inspect(engine).get_table_names())
        with engine.connect() as connection:
            return {name: table_print(connection, name,
                                      [c["name"] for c in inspect(engine).get_columns(name)])
                    for name in names}
    finally:
        engine.dispose()


def _sorted_lists(document: Any) -> Any:
    for keys, key in ORDERLESS.items():
        node = document
        for name in keys[:-1]:
            node = node.get(name, {}) if isinstance(node, dict) else {}
        if isinstance(node, dict) and isinstance(node.get(keys[-1]), list):
            node[keys[-1]] = sorted(node[keys[-1]], key=key)
    return document


def _indicators(path: Path) -> Any:
    document = json.loads(path.read_text("utf-8"))
    for keys in LOCATION_KEYS:
        node = document
        for key in keys[:-1]:
            node = node.get(key, {}) if isinstance(node, dict) else {}
        if isinstance(node, dict) and keys[-1] in node:
            node[keys[-1]] = "<location>"
    return document


def fingerprint(report: Path, db: str | None) -> dict[str, Any]:
    url = db or f"sqlite:///{report.resolve().parent / 'var' / 'year.db'}"
    html = report / "index.html"
    return {
        "report": str(report), "database": url,
        "indicators": _indicators(report / "indicators.json"),
        "index_html_sha256": hashlib.sha256(html.read_bytes()).hexdigest()
        if html.is_file() else None,
        "tables": database_print(url),
    }


def _differences(a: Any, b: Any, path: str = "") -> Iterator[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=str):
            where = f"{path}.{key}" if path else str(key)
            if key not in a or key not in b:
                yield f"{where}: only in {'second' if key not in a else 'first'}"
            else:
                yield from _differences(a[key], b[key], where)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            yield from _differences(x, y, f"{path}[{i}]")
    elif a != b:
        yield f"{path}: {json.dumps(a, ensure_ascii=False)[:120]} ≠ " \
              f"{json.dumps(b, ensure_ascii=False)[:120]}"


def _load(argument: str, db: str | None) -> dict[str, Any]:
    path = Path(argument)
    if path.is_dir():
        return fingerprint(path, db)
    loaded: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return loaded


def compare(first: dict[str, Any], second: dict[str, Any]) -> list[str]:
    found = [f"indicators.json {d}" for d in _differences(_sorted_lists(first["indicators"]),
                                                          _sorted_lists(second["indicators"]))]
    if first["index_html_sha256"] != second["index_html_sha256"]:
        found.append("index.html differs")
    found += [f"table {d}" for d in _differences(first["tables"], second["tables"])]
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    take = sub.add_parser("fingerprint", help="fingerprint one run")
    take.add_argument("--report", type=Path, required=True)
    take.add_argument("--db", default=None)
    take.add_argument("--out", type=Path, required=True)
    both = sub.add_parser("compare", help="compare two fingerprints or report folders")
    both.add_argument("first")
    both.add_argument("second")
    args = parser.parse_args()
    if args.command == "fingerprint":
        found = fingerprint(args.report, args.db)
        args.out.write_text(json.dumps(found, ensure_ascii=False, indent=1, sort_keys=True,
                                       default=str), "utf-8")
        rows = sum(t["rows"] for t in found["tables"].values())
        print(f"{args.out}: {len(found['tables'])} tables, {rows:,} rows")
        return 0
    differences = compare(_load(args.first, None), _load(args.second, None))
    for line in differences:
        print(line)
    print("identical" if not differences else f"{len(differences)} differences")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
