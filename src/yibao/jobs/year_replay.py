"""The year job's replay (抽样重放): a sample of persons settled again one visit at a time
through the stateful path, to prove it agrees with the batch to the fen.

`replay_sample` imports the sample into a fresh SQLite store, posts their contributions and
settles each of their visits in order with `settle_service.settle_committed`, and compares every
amount, detail row and final accumulator with the batch results. The batch it checks is
`yibao.sim.settle.settle_year`, which carries the personal account (个人账户) from visit to visit
as the stateful path does.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from yibao.core.canonical import canonical_json
from yibao.core.money import to_fen
from yibao.jobs.year_store import (
    CONTRIBUTION_AMOUNTS,
    Progress,
    import_people,
    institution_frame,
    region_year,
    settled_frame,
    visit_frame,
)
from yibao.policy.loader import load_policy
from yibao.services.contribute import post_contributions
from yibao.services.settle_service import (
    Refused,
    Settled,
    accumulators_of,
    settle_committed,
)
from yibao.settle.batch import BatchResult
from yibao.settle.batch_output import detail_frame, result_json
from yibao.settle.model import MONEY_FIELDS, YTD_KEYS
from yibao.sim.simulate import SimTables
from yibao.store import Store
from yibao.store.bulk import insert_frame
from yibao.store.migrate import upgrade
from yibao.store.schema import institutions


@dataclass(frozen=True, slots=True)
class ReplayMismatch:
    """An amount on which the stateful path and the batch disagree (fen, or a refusal)."""

    psn_no: str
    mdtrt_id: str
    field: str
    batch: str
    stateful: str


@dataclass(frozen=True, slots=True)
class Replay:
    persons: int
    visits: int
    mismatches: tuple[ReplayMismatch, ...]


def _number(value: int, places: int) -> str:
    return format(Decimal(int(value)).scaleb(-places), "f")


def _requests(visits: pl.DataFrame, lines: pl.DataFrame) -> list[dict[str, Any]]:
    """The visits as stateful settlement requests (the person named by ID number)."""
    fees: dict[int, list[dict[str, str]]] = {}
    for line in lines.iter_rows(named=True):
        fee = {"feedetl_sn": str(line["feedetl_sn"]), "hilist_code": line["hilist_code"],
               "chrg_itm_lv": line["chrg_itm_lv"], "cnt": _number(line["cnt_e4"], 4),
               "pric": _number(line["pric_e6"], 6)}
        if line["selfpay_prop_e4"] >= 0:
            fee["selfpay_prop"] = _number(line["selfpay_prop_e4"], 4)
        if line["pric_uplmt_e6"] >= 0:
            fee["pric_uplmt_amt"] = _number(line["pric_uplmt_e6"], 6)
        fees.setdefault(line["visit"], []).append(fee)
    return [{"person": {"psn_no": v["id_number"]},
             "visit": {"mdtrt_id": v["mdtrt_id"], "fixmedins_code": v["fixmedins_code"],
                       "med_type": v["med_type"], "hosp_lv": v["hosp_lv"],
                       "offsite": v["offsite"], "begndate": v["begndate"].isoformat(),
                       "enddate": v["enddate"].isoformat()},
             "fees": fees[v["visit"]], "use_acct": v["insutype"] == "310"}
            for v in visits.iter_rows(named=True)]


def _compare(batch: Mapping[str, Any], details: list[dict[str, Any]], out: Settled | Refused
             ) -> list[tuple[str, str, str]]:
    """(field, batch, stateful) of every amount that differs, in fen, and the stored result
    document (with every explanation) when it differs from the one the bulk load stores."""
    if isinstance(out, Refused):
        return [("refused", "settled", f"{out.reason.value}: {out.message}")]
    doc: Mapping[str, Any] = out.result
    pairs: list[tuple[str, Any, Any]] = [
        (name, batch[name], to_fen(Decimal(doc[name]))) for name in MONEY_FIELDS]
    ytd = doc["ytd_after"]
    pairs += [(f"ytd_after.{k}", batch[f"a_{k}"],
               int(ytd[k]) if k == "admissions" else to_fen(Decimal(ytd[k]))) for k in YTD_KEYS]
    mine = [(d["fund_pay_type"], d["inscp_scp_amt_fen"], d["crt_payb_lmt_amt_fen"],
             d["fund_payamt_fen"]) for d in details]
    theirs = [(d["fund_pay_type"], to_fen(Decimal(d["inscp_scp_amt"])),
               None if d.get("crt_payb_lmt_amt") is None
               else to_fen(Decimal(d["crt_payb_lmt_amt"])), to_fen(Decimal(d["fund_payamt"])))
              for d in doc["setldetail"]]
    pairs.append(("setldetail", mine, theirs))
    pairs.append(("result_json", batch["result_json"], canonical_json(doc)))
    return [(name, str(a), str(b)) for name, a, b in pairs if a != b]


def _sample(tables: SimTables, n_persons: int, seed: int, region: str) -> pl.DataFrame:
    """Persons whose visits are all local and at institutions of the region: the stateful
    path derives a visit's `offsite` value from the person's filings and the institution's
    registered region (docs/offsite.md), which the one-region simulation does not model (it
    files nobody, and settles some visits at institutions of other regions as local), so only
    those visits can agree with the batch."""
    visits = tables.visits
    elsewhere = tables.institutions.filter(pl.col("admdvs") != region)["fixmedins_code"]
    away = visits.filter((pl.col("offsite") != "local")
                         | pl.col("fixmedins_code").is_in(elsewhere.implode()))["person"]
    seen = np.setdiff1d(np.unique(visits["person"].to_numpy()), away.unique().to_numpy())
    rng = np.random.default_rng(seed)
    picked = np.sort(rng.choice(seen, size=min(n_persons, seen.size), replace=False))
    return pl.DataFrame({"person": picked.astype(np.int64)})


def _accumulator_mismatches(store: Store, frame: pl.DataFrame, year: int
                            ) -> list[ReplayMismatch]:
    found = []
    for last in frame.group_by("person", maintain_order=True).last().iter_rows(named=True):
        held = accumulators_of(last["id_number"], last["scheme"], year, store=store)
        want = ([last[f"a_{k}"] for k in YTD_KEYS], last["accum_version"])
        got = None if held is None else (
            [getattr(held[0], k) if k == "admissions" else to_fen(getattr(held[0], k))
             for k in YTD_KEYS], held[1])
        if got != want:
            found.append(ReplayMismatch(last["id_number"], "", "accumulators", str(want),
                                        str(got)))
    return found


def _contribution_mismatches(store: Store, tables: SimTables, chosen: pl.DataFrame,
                             year: int) -> list[ReplayMismatch]:
    psn = chosen.join(tables.persons.select("person", "psn_no"), on="person")
    want = tables.contributions.join(psn, on="psn_no").select(
        *(pl.col(f"{n}_fen").sum().alias(n) for n in CONTRIBUTION_AMOUNTS)).row(0, named=True)
    with store.unit_of_work() as uow:
        got = uow.contributions.totals(year)
    return [ReplayMismatch("*", "", f"contributions.{n}", str(want[n]), str(got[n]))
            for n in CONTRIBUTION_AMOUNTS if int(want[n]) != got[n]]


def replay_sample(tables: SimTables, batch_result: BatchResult, n_persons: int = 200,
                  seed: int = 1, progress: Progress | None = None) -> Replay:
    """Settle a sample of persons' whole years one visit at a time, statefully, in a fresh
    SQLite store, and list every amount that differs from the batch (there must be none)."""
    say = progress or (lambda _message: None)
    region, year = region_year(tables)
    chosen = _sample(tables, n_persons, seed, region)
    rows = np.flatnonzero(np.isin(tables.visits["person"].to_numpy(), chosen["person"].to_numpy()))
    frame = settled_frame(visit_frame(tables, batch_result, rows), region, year)
    details = detail_frame(frame, (load_policy(f"{region}-{year}"),))
    frame = frame.with_columns(result_json(frame, details))
    visits = tables.visits[rows].with_columns(frame["id_number"])
    lines = tables.fee_lines.filter(pl.col("visit").is_in(visits["visit"].to_list()))
    docs = _requests(visits, lines)
    with tempfile.TemporaryDirectory(prefix="yibao-replay-") as folder:
        store = Store(f"sqlite:///{Path(folder) / 'replay.db'}")
        try:
            upgrade(store)
            with store.engine.begin() as connection:
                insert_frame(connection, institutions, institution_frame(tables))
            import_people(store, tables, chosen, None, datetime.now(UTC))
            post_contributions(year, region=region, store=store)
            found = _contribution_mismatches(store, tables, chosen, year)
            say(f"抽样重放：{chosen.height} 人 {len(docs)} 笔就诊逐笔有状态结算")
            by_setl: dict[str, list[dict[str, Any]]] = {}
            for d in details.iter_rows(named=True):
                by_setl.setdefault(d["setl_id"], []).append(d)
            for doc, batch in zip(docs, frame.iter_rows(named=True), strict=True):
                out = settle_committed(doc, store=store)
                found += [ReplayMismatch(batch["id_number"], batch["mdtrt_id"], *diff)
                          for diff in _compare(batch, by_setl.get(batch["setl_id"], []), out)]
            found += _accumulator_mismatches(store, frame, year)
        finally:
            store.dispose()
    return Replay(chosen.height, len(docs), tuple(found))
