"""The year job over a deployment (`yibao year` on `yibao sim --profile guangan-2020` data):
every region settled under its own policy, loaded into one store, each region's indicator table
and the city's (docs/offsite.md, "The Guang'an deployment").

For each region: its visits' `offsite` is derived again from the filings on disk
(`sim.deployment.derive_visits`, the rule of `offsite.rules.derive_offsite`), never read from
the visits; manual claims (零星报销, channel `manual`) are settled under the policy's
manual-claim rule (`manual_policy`); every region shares the simulator's one catalogue (the care
region's catalogue is the same table). The batch engine settles, the payment step groups and
pays stays, the fund events are built, and the region is written into the store
(`year_store.load_region`): direct offsite settlements owe the care region
(`offsite_payable:<care_region>`, `fund.events.payee_expr`). The filings go to
`offsite_filings`. Then every month is cleared (`clear_months`) and the ledger checked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from html import escape
from pathlib import Path
from typing import Any, Final

import numpy as np
import polars as pl

from yibao.core.checks import invariant
from yibao.core.idnum import region_name
from yibao.core.labels import simulation_note
from yibao.indicators.offsite import frame_flows, offsite_indicators
from yibao.indicators.render import dumps_exact, report_html, show
from yibao.indicators.sections import CLEARING_SUMS, clearing_sections, offsite_sections
from yibao.indicators.table import (
    Indicator,
    YearFacts,
    cost_by_level,
    fund_rows,
    indicator_table,
    indicator_values,
    monthly,
    reimbursement_by_group,
)
from yibao.jobs.city_sim import read_city_meta, read_filings
from yibao.jobs.year import _write, year_facts
from yibao.jobs.year_fund import balance_rows, fund_flows, fund_warnings
from yibao.jobs.year_offsite import settle_region
from yibao.jobs.year_payment import pay_year
from yibao.jobs.year_store import (
    YearStoreError,
    checked_ledger,
    load_region,
    remove_sqlite,
    settlement_day,
    year_database,
)
from yibao.policy.loader import load_policy
from yibao.services.clearing import Refused as ClearRefused
from yibao.services.clearing import clear_month
from yibao.services.fund import fund_analysis, fund_balances
from yibao.services.sim import read_tables
from yibao.settle.batch import BatchResult
from yibao.sim.profile import load_profile
from yibao.sim.simulate import SimTables
from yibao.store import Store
from yibao.store.bulk import insert_frame, tune_for_bulk_load, year_rows
from yibao.store.db import describe
from yibao.store.migrate import upgrade
from yibao.store.schema import institutions, offsite_filings, settlements

Step = Callable[[str], None]
#: How the simulated filings are recorded in `offsite_filings`.
FILED_BY: Final = "yibao-sim"
FILING_CHANNEL: Final = "online"
#: A region's block keys kept for the report, not written to `indicators.json`.
INTERNAL: Final = ("rows", "flow_rows")


def settlement_flows(tables: SimTables, result: BatchResult, region: str) -> pl.DataFrame:
    """The region's settlements as `indicators.offsite.frame_flows` groups them (one row a
    settlement: insured and care region, channel, med_type, Σ in fen)."""
    v = result.values
    return tables.visits.select(
        pl.lit(region).alias("insured_region"), "care_region", "channel", "med_type",
        pl.Series("medfee_fen", np.asarray(v["medfee_sumamt"], dtype=np.int64)),
        pl.Series("fund_fen", np.asarray(v["fund_pay_sumamt"], dtype=np.int64)),
        pl.Series("acct_fen", np.asarray(v["acct_pay"], dtype=np.int64)))


@dataclass(frozen=True, slots=True)
class CityOutcome:
    profile: str
    scale: float
    regions: dict[str, dict[str, Any]]
    city: dict[str, Any]
    store: dict[str, Any]
    json_path: Path
    html_path: Path
    clearing: dict[str, Any]


def _filing_rows(filings: pl.DataFrame) -> pl.DataFrame:
    return filings.select(
        "filing_id", "id_number", "insured_region", "filing_type", "care_area",
        "start_date", "end_date", "filed_on", pl.lit(True).alias("promise"),
        pl.lit("").alias("materials"), pl.lit(FILING_CHANNEL).alias("channel"),
        pl.lit(FILED_BY).alias("filed_by"),
        settlement_day(pl.col("filed_on")).alias("created_at"))


def clear_months(store: Store, year: int, say: Step) -> dict[str, Any]:
    """Each month's clearing of the year (先预付后清算, `yibao offsite clear --month`): months
    1–12 cleared in turn (`services.clearing.clear_month`), each month's `net` checked to sum
    to 0.00 (the caller then checks the ledger and every region's balance)."""
    months = []
    prepayments: dict[tuple[str, str], str] = {}
    for month in range(1, 13):
        name = f"{year}-{month:02d}"
        done = clear_month(name, store=store)
        if isinstance(done, ClearRefused):
            raise YearStoreError(f"{name} 清算被拒绝：{done.message}")
        statement = done.to_json()
        net = sum((Decimal(v) for v in statement["net"].values()), Decimal(0))
        invariant(net == 0, "a month's clearing does not net to zero", name)
        pairs = statement["pairs"]
        months.append({"month": name, "pairs": len(pairs), "net": "0.00",
                       "settlements": sum(p["settlements"] for p in pairs),
                       **{key: str(sum((Decimal(p[key]) for p in pairs), Decimal("0.00")))
                          for key in CLEARING_SUMS}})
        for p in pairs:
            prepayments[(p["care_region"], p["insured_region"])] = p["prepayment"]
        say(f"清算 {name}：{len(pairs)} 对统筹区，净额合计 0.00")
    return {"cleared": True, "months": months, "note": "每月清算净额合计 0.00",
            "prepayments": [{"care_region": care, "insured_region": insured, "prepayment": amount}
                            for (care, insured), amount in sorted(prepayments.items())]}


def _region_ledger(store: Store, region: str) -> dict[str, Any]:
    """The region's ledger: debits equal credits over all its accounts."""
    lines = fund_balances(region, detail=True, store=store)
    debit = sum(line.debit_fen for line in lines)
    credit = sum(line.credit_fen for line in lines)
    return {"balanced": debit == credit, "debit_fen": debit, "credit_fen": credit}


def run_city_year(data: Path, report: Path, step: Step | None = None, *,
                  db: str | None = None) -> CityOutcome:
    """Settle every region of the deployment in `data`, load them into one store (`db`, see
    `year_store.year_database`) and write the report under `report`."""
    say = step or (lambda _message: None)
    meta = read_city_meta(data)
    filings = read_filings(data)
    register = pl.read_parquet(data / "institutions.parquet")
    url, owned = year_database(report, db)
    if owned:
        remove_sqlite(url)
    store = Store(url)
    now = datetime.now(UTC)
    regions: dict[str, dict[str, Any]] = {}
    facts: list[YearFacts] = []
    offsite_count = 0
    try:
        upgrade(store)
        with store.engine.connect() as connection:
            held = any(year_rows(connection, settlements, _year(data, meta.regions[0]), code)
                       for code in meta.regions)
        if held:
            raise YearStoreError(f"{describe(store.url)} 已有本部署的结算记录，年度作业只写入新库："
                                 "请换一个数据库（--db）或删除该库后重试")
        if owned:
            tune_for_bulk_load(store.engine)
        with store.engine.begin() as connection:
            insert_frame(connection, institutions, register.select(
                pl.col("fixmedins_code").alias("code"), pl.col("fixmedins_name").alias("name"),
                pl.col("hosp_lv").alias("level"), pl.col("admdvs").alias("region")))
        for code in meta.regions:
            regions[code], fact = region_year(store, data / code, f"{meta.profile}:{code}",
                                              filings, now, say)
            facts.append(fact)
            offsite_count += regions[code]["offsite_visits"]
        with store.engine.begin() as connection:
            insert_frame(connection, offsite_filings, _filing_rows(filings))
        clearing = clear_months(store, facts[0].year, say)
        ledger = checked_ledger(store, say)
        for code in meta.regions:  # after the clearing's postings
            regions[code]["ledger"] = _region_ledger(store, code)
    finally:
        store.dispose()
    invariant(all(r["ledger"]["balanced"] for r in regions.values()),
              "a region's ledger does not balance", regions.keys())
    store_doc = {"database": describe(store.url), "ledger_ok": ledger.ok,
                 "ledger_transactions": ledger.transactions, "filings": filings.height,
                 "offsite_visits": offsite_count}
    head = {"profile": meta.profile, "city": meta.city, "scale": meta.scale,
            "store": store_doc, "clearing": clearing}
    city, json_path, html_path = write_city_report(report, head, regions, facts)
    return CityOutcome(meta.profile, meta.scale, regions, city, store_doc, json_path,
                       html_path, clearing)


def write_city_report(report: Path, head: dict[str, Any], regions: dict[str, dict[str, Any]],
                      facts: list[YearFacts]) -> tuple[dict[str, Any], Path, Path]:
    """`indicators.json` (the city's values at the top level, each region's under
    `regions.<code>`, the flow matrix) and `index.html`; the city's values with its `rows`."""
    city_facts = _city_facts(facts)
    offsite = offsite_indicators([r for block in regions.values() for r in block["flow_rows"]],
                                 list(regions))
    city_values = {**indicator_values(city_facts),
                   **{k: v for k, v in offsite.items() if k not in ("regions", "offsite_flows")}}
    report.mkdir(parents=True, exist_ok=True)
    json_path, html_path = report / "indicators.json", report / "index.html"
    extra = {"monthly": monthly(city_facts), "cost_by_level": cost_by_level(city_facts),
             "reimbursement_by_group": reimbursement_by_group(city_facts)}
    document: dict[str, Any] = {
        **city_values, **head, "monthly": extra["monthly"],
        "offsite_flows": offsite["offsite_flows"],
        "regions": {code: {k: v for k, v in r.items() if k not in INTERNAL}
                    for code, r in regions.items()}}
    _write(json_path, dumps_exact(document))
    for (code, block), fact in zip(regions.items(), facts, strict=True):
        # each region's own report, for its dashboard (a city's sums its counties')
        (report / code).mkdir(exist_ok=True)
        _write(report / code / "indicators.json", dumps_exact({
            **{k: v for k, v in block.items() if k not in INTERNAL}, "region": code,
            "profile": head["profile"], "scale": head["scale"], "monthly": monthly(fact)}))
    rows = indicator_table(city_values)
    outside = {f["care_region"] for f in document["offsite_flows"]} - set(regions)
    names = {**{code: name for code in outside if (name := region_name(code))},
             **{code: r["name"].rsplit(" ", 1)[0] for code, r in regions.items()}}
    _write(html_path, report_html(
        f"{head['profile']} 全市年度医保运行报告（各统筹区合计）", rows, extra,
        [region_section(regions, rows), *offsite_sections(document, names),
         *clearing_sections(head["clearing"], names)],
        notice=simulation_note(head["profile"], head["scale"])))
    return {**city_values, "rows": rows}, json_path, html_path


def region_section(regions: dict[str, dict[str, Any]], city: tuple[Indicator, ...]
                   ) -> tuple[str, str]:
    """Each region's indicator table beside the city's, as one table (rows: indicators)."""
    codes = list(regions)
    head = "".join(f"<th>{escape(regions[c]['name'])}<br>{c}</th>" for c in codes)
    by_code = {c: {row.label: row for row in regions[c]["rows"]} for c in codes}
    body = "".join(
        f"<tr><td>{escape(row.label)}</td>"
        + "".join(f"<td class='num'>{_shown(by_code[c].get(row.label))}</td>" for c in codes)
        + f"<td class='num'>{_shown(row)}</td></tr>" for row in city)
    return ("各统筹区主要指标", f"<table><thead><tr><th>指标</th>{head}<th>全市</th></tr></thead>"
                         f"<tbody>{body}</tbody></table>")


def _shown(row: Indicator | None) -> str:
    return "—" if row is None else escape(show(row.value, row.unit))


def region_year(store: Store, folder: Path, name: str, filings: pl.DataFrame, now: datetime,
                say: Step) -> tuple[dict[str, Any], YearFacts]:
    """One region of the deployment settled, paid and written into `store`; its block of
    `indicators.json` (with its indicator `rows`) and its facts."""
    profile = load_profile(name)
    code = profile.region
    policy = load_policy(profile.policy)
    say(f"{code} 读取与批量结算")
    tables, cols, result = settle_region(read_tables(folder), filings, code, policy,
                                         profile.year)
    payment = pay_year(tables, cols, result)
    months = {k: Decimal(str(v)) for k, v in profile.funds.get("opening_months", {}).items()}
    flows = fund_flows(tables, cols, result, payment, months, code, profile.year)
    say(f"{code} 写入结算库")
    load_region(store, tables, cols, result, now, lambda m: say(f"{code} {m}"),
                payment.lists, flows, f"-{code}")
    fact = year_facts(tables, cols, result, profile.year)
    fund = fund_analysis(code, profile.year, store=store).to_json()
    balances = fund_balances(code, store=store)
    grouped = frame_flows(settlement_flows(tables, result, code))
    rates = offsite_indicators(grouped, [code])["regions"][code]
    values = {**indicator_values(fact), **rates}
    offsite = tables.visits.filter(pl.col("care_region") != code)
    return {"flow_rows": grouped, "name": profile.name, "policy": policy.id, **values,
            "offsite_visits": offsite.height,
            "offsite_by": dict(offsite.group_by("offsite").len().iter_rows()),
            "manual_claims": int((tables.visits["channel"] == "manual").sum()),
            "fund_balances": balance_rows(balances, flows.opening_fen),
            "fund_warnings": fund_warnings(balances, flows.opening_fen),
            "ledger": _region_ledger(store, code), "fund": fund,
            "rows": indicator_table(values) + fund_rows(fund)}, fact


def _year(data: Path, code: str) -> int:
    first = pl.read_parquet(data / code / "enrollments.parquet", n_rows=1)
    return int(first["year"][0])


def _city_facts(facts: list[YearFacts]) -> YearFacts:
    """The city's facts: every region's added together (ratios then come from city sums)."""
    def cat(name: str) -> np.ndarray:
        return np.concatenate([getattr(f, name) for f in facts])

    return YearFacts(
        year=facts[0].year,
        insured_employee=sum(f.insured_employee for f in facts),
        insured_resident=sum(f.insured_resident for f in facts),
        fund_income_fen=sum(f.fund_income_fen for f in facts),
        income_by_month_fen=sum((f.income_by_month_fen for f in facts),
                                np.zeros(12, dtype=np.int64)),
        employee=cat("employee"), med=cat("med"), lv=cat("lv"), offsite=cat("offsite"),
        groups=cat("groups"), month=cat("month"),
        values={k: np.concatenate([f.values[k] for f in facts]) for k in facts[0].values},
        should_insure=None)
