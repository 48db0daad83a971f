"""Settlements per second through the national interface over loopback HTTP, on PostgreSQL.

A throwaway PostgreSQL database (tests.postgres, 127.0.0.1:5432 or YIBAO_TEST_POSTGRES_URL)
gets generated residents and two institutions with signing secrets; `yibao serve` runs on a free
loopback port (uvicorn, `--workers` processes). Untimed: each visit is registered (2201 / 2401)
and its fees uploaded (2204 / 2301; stays discharged with 2402). Timed: only the settlement
calls, 2207 and 2304, signed, from `--clients` concurrent client threads (the standard library's
HTTP client, light on the cores it shares with the server). Then each settlement message is sent
again (same msgid: the stored answer) and the database is checked: one settlement per visit,
nothing settled twice. Prints settlements/s, p50 and p99 latency, errors, and the CPU time one
settlement costs the server, PostgreSQL and the load client (from /proc: what the rate would be
on a machine doing nothing else can be read from it).

    uv run --frozen --no-sync python benchmarks/bench_api.py [--visits N] [--clients N]
                                                              [--workers N] [--employees]

`--employees` settles employees paying from their personal accounts (acct_used_flag 1), whose
balance each settlement reads under a row lock.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))  # tests.postgres: the throwaway PostgreSQL databases

from tests.postgres import postgres_database  # noqa: E402

from yibao.core.idnum import make_resident_id  # noqa: E402
from yibao.interface import sign  # noqa: E402
from yibao.services.accounts import Issued, add_institution_secret  # noqa: E402
from yibao.services.contribute import post_contributions  # noqa: E402
from yibao.services.enroll import (  # noqa: E402
    import_employers,
    import_enrollments,
    import_institutions,
)
from yibao.store import Store  # noqa: E402

PATH = "/fsi/api/rsfComIfsService/callService"
HOSPITALS = ("H51162300001", "H51162300003")


EMPLOYER = "91511623MA0000001X"


def _population(store: Store, folder: Path, persons: int, employees: bool) -> list[str]:
    """Residents (390), or employees in service (310) with the year's contributions posted, so
    that each has a personal account to pay from."""
    ids = [make_resident_id("511623", date(1950 + i % 50, 1 + i % 12, 1 + i % 28),
                            (i // 50 % 499) * 2 + 1, "M") for i in range(persons)]
    ids = list(dict.fromkeys(ids))
    (folder / "inst.csv").write_text("code,name,level,region\n" + "".join(
        f"{code},机构{n},{n + 1},511623\n" for n, code in enumerate(HOSPITALS)), "utf-8")
    kind = f"310,in_service,511623,2024,{EMPLOYER},6000" if employees else \
        "390,resident,511623,2024,,"
    rows = "".join(f"{i},人员,,{kind}\n" for i in ids)
    (folder / "people.csv").write_text(
        "id_number,name,household_id,scheme,psn_type,region,year,employer_code,wage_base\n"
        + rows, "utf-8")
    (folder / "employers.csv").write_text(f"code,name,region\n{EMPLOYER},单位,511623\n",
                                          "utf-8")
    import_institutions(folder / "inst.csv", store=store)
    import_employers(folder / "employers.csv", store=store)
    report = import_enrollments(folder / "people.csv", store=store)
    assert not report.errors, report.errors[:3]
    if employees:
        post_contributions(2024, store=store)
    return ids


class Client:
    """Signed calls over one keep-alive connection per client thread. The standard library's
    `http.client` is the load generator: it shares the two cores with the server and costs
    a fraction of the CPU per request that httpx does."""

    def __init__(self, url: str, secrets: dict[str, str]) -> None:
        self.url, self.secrets = url, secrets
        self.local = threading.local()

    def _http(self) -> http.client.HTTPConnection:
        if not hasattr(self.local, "client"):
            parsed = urllib.parse.urlsplit(self.url)
            self.local.client = http.client.HTTPConnection(parsed.hostname, parsed.port,
                                                           timeout=60)
        return self.local.client  # type: ignore[no-any-return]

    def call(self, code: str, infno: str, payload: dict[str, Any], msgid: str | None = None
             ) -> tuple[dict[str, Any], float]:
        body = json.dumps({"infno": infno, "msgid": msgid or uuid.uuid4().hex,
                           "fixmedins_code": code, "opter": "bench", "input": payload}).encode()
        stamp = str(int(time.time()))
        headers = {"X-Yibao-Institution": code, "X-Yibao-Timestamp": stamp,
                   "X-Yibao-Signature": sign(self.secrets[code], stamp, body),
                   "Content-Type": "application/json"}
        started = time.perf_counter()
        connection = self._http()
        connection.request("POST", PATH, body, headers)
        answer = connection.getresponse().read()
        return json.loads(answer), time.perf_counter() - started


def _prepare(client: Client, n: int, psn_no: str, employees: bool
             ) -> tuple[str, str, dict[str, Any], str]:
    """Register a visit and upload its fees (untimed); the settlement call to time (an
    employee's pays from the personal account: `acct_used_flag` 1)."""
    return prepare_visit(client, n, HOSPITALS[n % 2], psn_no, employees, "B")


def prepare_visit(client: Client, n: int, code: str, psn_no: str, employees: bool,
                  prefix: str) -> tuple[str, str, dict[str, Any], str]:
    """Visit `n` of `psn_no` at `code` (one in three a stay) registered under the number
    `prefix` + n, its fees uploaded (a stay discharged); the settlement call to time."""
    inpatient = n % 3 == 0
    insutype = "310" if employees else "390"
    number = f"{prefix}{n:08d}"
    if inpatient:
        out, _ = client.call(code, "2401", {"mdtrtinfo": {
            "psn_no": psn_no, "insutype": insutype, "med_type": "21", "ipt_no": number,
            "begntime": "2024-05-01"}})
        mdtrt_id = out["output"]["result"]["mdtrt_id"]
    else:
        out, _ = client.call(code, "2201", {"data": {"psn_no": psn_no, "insutype": insutype,
                                                     "ipt_otp_no": number,
                                                     "begntime": "2024-05-01"}})
        mdtrt_id = out["output"]["data"]["mdtrt_id"]
    lines = [{"feedetl_sn": str(k), "mdtrt_id": mdtrt_id, "med_list_codg": f"X{k}",
              "chrg_itm_lv": ("01", "02", "03")[k % 3], "cnt": "1",
              "pric": f"{50 + 37 * k + n % 100}.00"} for k in range(1, 6)]
    done, _ = client.call(code, "2301" if inpatient else "2204", {"feedetail": lines})
    assert done["infcode"] == 0, done
    if inpatient:
        client.call(code, "2402", {"dscginfo": {"mdtrt_id": mdtrt_id, "psn_no": psn_no,
                                                "endtime": "2024-05-06"}})
    data = {"psn_no": psn_no, "mdtrt_id": mdtrt_id, "acct_used_flag": "1" if employees else "0"}
    return code, "2304" if inpatient else "2207", {"data": data}, uuid.uuid4().hex


def _serve(url_db: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "YIBAO_DATABASE_URL": url_db}
    process = subprocess.Popen(
        [sys.executable, "-c", "from yibao.cli import app; app()", "serve", "--port",
         str(port), "--workers", str(workers), "--log-level", "warning"], env=env, cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/ready").status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("the server did not become ready")


def serve_for(store: Store, url_db: str, codes: Iterable[str], workers: int
              ) -> tuple[subprocess.Popen[bytes], Client]:
    """Signing secrets for the institutions `codes`, `yibao serve` on a free loopback port,
    and a client of it."""
    secrets = {}
    for code in codes:
        issued = add_institution_secret(code, actor="bench", store=store)
        assert isinstance(issued, Issued)
        secrets[code] = issued.secret
    port = _free_port()
    return _serve(url_db, port, workers), Client(f"http://127.0.0.1:{port}", secrets)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(url_db: str, args: argparse.Namespace) -> None:
    store = Store(url_db)
    with tempfile.TemporaryDirectory() as folder:
        ids = _population(store, Path(folder), args.visits, args.employees)
    server, client = serve_for(store, url_db, HOSPITALS, args.workers)
    try:
        with ThreadPoolExecutor(args.clients) as pool:
            calls = list(pool.map(
                lambda n: _prepare(client, n, ids[n % len(ids)], args.employees),
                range(args.visits)))
            before, cpu_before = _cpu_seconds(server.pid), time.process_time()
            started = time.perf_counter()
            timed = list(pool.map(lambda c: client.call(c[0], c[1], c[2], c[3]), calls))
            elapsed = time.perf_counter() - started
            after, cpu_after = _cpu_seconds(server.pid), time.process_time()
            again = list(pool.map(lambda c: client.call(c[0], c[1], c[2], c[3])[0], calls))
    finally:
        server.terminate()
        server.wait(20)
    _report(store, timed, again, elapsed, args)
    n = len(timed)
    print("  CPU per settlement (ms; the machine's other work excluded): server "
          f"{(after['server'] - before['server']) / n * 1000:.2f}, PostgreSQL "
          f"{(after['postgres'] - before['postgres']) / n * 1000:.2f}, load client "
          f"{(cpu_after - cpu_before) / n * 1000:.2f}; {os.cpu_count()} cores")
    store.dispose()


def _cpu_seconds(server_pid: int) -> dict[str, float]:
    """CPU seconds used so far by the server (its process and workers) and by PostgreSQL's
    processes, from /proc: the cost of a settlement, less sensitive than its rate to whatever
    else the machine runs."""
    ticks = os.sysconf("SC_CLK_TCK")
    used = {"server": 0.0, "postgres": 0.0}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            raw = stat.read_text()
        except OSError:
            continue
        name = raw[raw.index("(") + 1:raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2:].split()
        seconds = (int(fields[11]) + int(fields[12])) / ticks
        if server_pid in (int(stat.parent.name), int(fields[1])):
            used["server"] += seconds
        elif name.startswith("postgres"):
            used["postgres"] += seconds
    return used


def _report(store: Store, timed: list[tuple[dict[str, Any], float]],
            again: list[dict[str, Any]], elapsed: float, args: argparse.Namespace) -> None:
    errors = [a for a, _ in timed if a["infcode"] != 0]
    latencies = sorted(t * 1000 for _, t in timed)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    same = sum(1 for (a, _), b in zip(timed, again, strict=True) if a == b)
    with store.engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT count(*), count(DISTINCT (fixmedins_code, "
                                          "mdtrt_id)) FROM settlements").one()
    print(f"settlement calls (2207/2304) over loopback HTTP on PostgreSQL: {len(timed)} "
          f"visits{' of employees paying from their accounts' if args.employees else ''}, "
          f"{args.clients} client threads, {args.workers} server workers")
    print(f"  {len(timed) / elapsed:.0f} settlements/s, p50 {statistics.median(latencies):.1f} "
          f"ms, p99 {p99:.1f} ms, errors {len(errors)}"
          + (f" (first: {errors[0]['err_msg']})" if errors else ""))
    print(f"  replayed msgids answered identically: {same}/{len(timed)}; settlements stored "
          f"{rows[0]}, distinct visits {rows[1]} (twice: {rows[0] - rows[1]})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=3_000)
    # Eight concurrent callers; four server processes, two per core, so that one computes while
    # the other waits on PostgreSQL (each process runs its requests' Python under one lock).
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    # Employees paying from their personal accounts (the account row is locked per settlement).
    parser.add_argument("--employees", action="store_true")
    args = parser.parse_args()
    with postgres_database() as url_db:
        _run(url_db, args)


if __name__ == "__main__":
    main()
