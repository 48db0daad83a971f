"""Payment use cases over files (DRG/DIP 付费): generate costed cases, weights, pay, evaluate.

`yibao drg demo-cases | weights | pay | evaluate`. Cases are a Parquet (or CSV) file in the
layout of `yibao.payment.cases` (docs/payment.md). City tables come from `--payment-dir`, else
`$YIBAO_DRG_PAYMENT`, else the tables shipped with yibao (`yibao.payment.shipped.payment_dir`).
Outputs are written to a temporary name and renamed.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

import numpy as np
import polars as pl

from yibao.payment import shipped
from yibao.payment.cases import PaymentInputError, conform_cases
from yibao.payment.cities import CityTable, city_point_rules, load_city
from yibao.payment.dip import build_catalogue, dip_points
from yibao.payment.points import JILIN_TIERS, ZHEJIANG_TIERS, PointRules, case_points
from yibao.payment.report import evaluation, render_html
from yibao.payment.settlement import (
    PointSettlement,
    monthly_presettlement,
    settle_cases,
    year_end_clearing,
)
from yibao.payment.synthetic import generate_cases
from yibao.payment.weights import NO_TRIM, Trim, relative_weights, with_published_rw

TIERS: Final = {"jilin": JILIN_TIERS, "zhejiang": ZHEJIANG_TIERS}


def load_city_table(city: str, option: Path | None = None,
                    environ: Mapping[str, str] | None = None) -> CityTable:
    environ = os.environ if environ is None else environ
    return load_city(shipped.payment_dir(option, environ), city)


def read_cases(path: Path) -> pl.DataFrame:
    if not path.is_file():
        raise PaymentInputError(f"病例文件不存在：{path}")
    if path.suffix.lower() == ".csv":
        frame = pl.read_csv(path, try_parse_dates=True, schema_overrides={
            "setl_id": pl.String, "hospital": pl.String, "level": pl.String,
            "psn_no": pl.String, "drg": pl.String})
    else:
        frame = pl.read_parquet(path)
    return conform_cases(frame)


def _write(path: Path, write: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def write_frame(frame: pl.DataFrame, path: Path) -> None:
    if path.suffix.lower() == ".csv":
        _write(path, frame.write_csv)
    else:
        _write(path, frame.write_parquet)


def demo_cases(out: Path, cases: int, seed: int, hospitals: int, city: str | None = None,
               payment_dir: Path | None = None) -> pl.DataFrame:
    """Generate a year of costed cases (with the city's groups and RW when a city is named)."""
    drgs = None
    if city is not None:
        drgs = sorted(load_city_table(city, payment_dir).rw().items())
    frame = generate_cases(np.random.default_rng(seed), cases, drgs, hospitals=hospitals)
    write_frame(frame, out)
    return frame


def weights_file(cases: Path, out: Path, trim: bool = True) -> int:
    weights = relative_weights(read_cases(cases), Trim() if trim else NO_TRIM)
    write_frame(weights.to_frame(), out)
    return len(weights.groups)


@dataclass(frozen=True, slots=True)
class PayReport:
    method: str
    cases: int
    hospitals: int
    budget_fen: int
    point_value_yuan: Decimal
    by_kind: tuple[tuple[str, int], ...]
    outputs: tuple[Path, ...]
    seconds: float


def _drg_points(frame: pl.DataFrame, city: CityTable | None, tiers: str | None) -> pl.DataFrame:
    weights = relative_weights(frame)
    rules = PointRules()
    if city is not None:
        weights = with_published_rw(weights, city.rw())
        rules = city_point_rules(city, rules)
    if tiers is not None:
        rules = replace(rules, tiers=TIERS[tiers])
    return case_points(frame, weights, rules)


def pay_file(cases: Path, out_dir: Path, budget_fen: int, *, method: str = "drg",
             city: str | None = None, payment_dir: Path | None = None,
             tiers: str | None = None, prepay_share: Decimal = Decimal("0.85")) -> PayReport:
    """Points (or DIP scores), point value and hospital amounts for a year, with clearing."""
    started = time.perf_counter()
    frame = read_cases(cases)
    if method == "dip":
        points = dip_points(frame, build_catalogue(frame))
        kind = "dip_kind"
    else:
        table = load_city_table(city, payment_dir) if city else None
        points, kind = _drg_points(frame, table, tiers), "kind"
    settlement: PointSettlement = settle_cases(points, budget_fen)
    clearing = year_end_clearing(settlement, monthly_presettlement(points, prepay_share))
    outputs = (out_dir / "hospitals.csv", out_dir / "cases.parquet", out_dir / "summary.json")
    write_frame(clearing, outputs[0])
    write_frame(points, outputs[1])
    counts = dict(points[kind].value_counts().iter_rows())
    summary = {"method": method, "budget_fen": budget_fen, "cases": frame.height,
               "point_value_yuan": str(settlement.point_value_yuan()),
               "total_points": str(Decimal(settlement.points_e4).scaleb(-4)),
               "by_kind": counts}
    _write(outputs[2], lambda p: p.write_text(json.dumps(summary, ensure_ascii=False, indent=2)))
    return PayReport(method, frame.height, len(settlement.hospitals), budget_fen,
                     settlement.point_value_yuan(), tuple(sorted(counts.items())), outputs,
                     time.perf_counter() - started)


def evaluate_file(cases: Path, out_dir: Path, previous: Path | None = None) -> dict[str, Any]:
    """Write report.json and report.html for a year of cases (and the previous year's)."""
    frame = read_cases(cases)
    before = read_cases(previous) if previous is not None else None
    report = evaluation(frame, before)
    text = json.dumps(report, ensure_ascii=False, indent=1)
    _write(out_dir / "report.json", lambda p: p.write_text(text, encoding="utf-8"))
    page = render_html(report)
    _write(out_dir / "report.html", lambda p: p.write_text(page, encoding="utf-8"))
    return report
