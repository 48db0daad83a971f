"""The evaluation report (分组效能评价报告): one dict for JSON and a self-contained HTML page.

`evaluation(frame, previous)` gathers every metric of `evaluate` for a year of cases (and, given
the previous year's cases, the weight stability). `render_html` draws it with inline SVG charts:
no script, no style sheet and no font from the network.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any, Final

import polars as pl

from yibao.payment.evaluate import (
    cmi,
    group_stats,
    grouping_rates,
    riv_of,
    sibling_splits,
    weight_stability,
)
from yibao.payment.weights import NO_TRIM, Trim, relative_weights

TOP_GROUPS: Final = 40
BAR_WIDTH: Final = 14


def evaluation(frame: pl.DataFrame, previous: pl.DataFrame | None = None,
               trim: Trim | None = None) -> dict[str, Any]:
    """Every metric of one year of conformed cases, as JSON-ready values (IQR trim default)."""
    trim = trim or Trim()
    weights = relative_weights(frame, trim)
    stats = group_stats(frame)
    splits = sibling_splits(frame)
    report: dict[str, Any] = {
        "riv": {"untrimmed": riv_of(frame, NO_TRIM), "trimmed": riv_of(frame, trim)},
        "rates": grouping_rates(frame),
        "groups": [
            {"drg": s.drg, "cases": s.cases, "mean_yuan": s.mean_fen / 100, "cv": s.cv,
             "cv_at_least_1": s.flagged} for s in stats
        ],
        "groups_cv_at_least_1": sum(s.flagged for s in stats),
        "weights": [{"drg": g.drg, "rw": str(g.rw), "cases_kept": g.cases_kept}
                    for g in weights.groups],
        "cmi": {h: str(v) for h, v in cmi(frame, weights).items()},
        "splits": [
            {"adrg": c.adrg, "means_yuan": {d: m / 100 for d, m in c.means_fen},
             "ordered": c.ordered, "p_values": list(c.p_values), "separates": c.separates}
            for c in splits
        ],
        "splits_separating": sum(c.separates for c in splits),
    }
    if previous is not None:
        report["stability"] = weight_stability(relative_weights(previous, trim), weights)
    return report


def _bars(title: str, items: Sequence[tuple[str, float, bool]], line: float | None) -> str:
    """A vertical bar chart; a flagged bar is red; `line` draws a reference level."""
    if not items:
        return f"<h2>{html.escape(title)}</h2><p>无数据</p>"
    top = max(max(v for _, v, _ in items), line or 0) or 1.0
    height, width = 220, 40 + BAR_WIDTH * len(items)
    parts = [f'<svg width="{width}" height="{height + 60}" role="img">']
    for i, (label, value, flagged) in enumerate(items):
        h = value / top * height
        x = 30 + i * BAR_WIDTH
        color = "#c0392b" if flagged else "#2e86c1"
        parts.append(f'<rect x="{x}" y="{height - h:.1f}" width="{BAR_WIDTH - 3}" '
                     f'height="{h:.1f}" fill="{color}"><title>{html.escape(label)}: '
                     f'{value:.4f}</title></rect>')
        parts.append(f'<text x="{x + 5}" y="{height + 8}" font-size="8" '
                     f'transform="rotate(90 {x + 5} {height + 8})">{html.escape(label)}</text>')
    if line is not None:
        y = height - line / top * height
        parts.append(f'<line x1="25" x2="{width}" y1="{y:.1f}" y2="{y:.1f}" stroke="#555" '
                     'stroke-dasharray="4"/>')
    parts.append("</svg>")
    return f"<h2>{html.escape(title)}</h2>" + "".join(parts)


def _scatter(pairs: Sequence[tuple[str, str, str]]) -> str:
    if not pairs:
        return ""
    points = [(d, float(a), float(b)) for d, a, b in pairs]
    top = max(max(a, b) for _, a, b in points) or 1.0
    size = 320
    dots = "".join(
        f'<circle cx="{20 + a / top * size:.1f}" cy="{size + 10 - b / top * size:.1f}" r="2.5" '
        f'fill="#2e86c1"><title>{html.escape(d)}: {a} → {b}</title></circle>'
        for d, a, b in points)
    diagonal = f'<line x1="20" y1="{size + 10}" x2="{size + 20}" y2="10" stroke="#999"/>'
    return (f'<h2>权重稳定性：上年 RW（横）与本年 RW（纵）</h2><svg width="{size + 40}" '
            f'height="{size + 30}" role="img">{diagonal}{dots}</svg>')


def render_html(report: dict[str, Any], title: str = "DRG 分组效能评价") -> str:
    groups = sorted(report["groups"], key=lambda g: -g["cases"])[:TOP_GROUPS]
    cv_bars = [(g["drg"], g["cv"] or 0.0, g["cv_at_least_1"]) for g in groups]
    cmi_bars = [(h, float(v), False) for h, v in report["cmi"].items()]
    rates = report["rates"]
    summary = (
        f"<table><tr><th>RIV（未剔除）</th><td>{report['riv']['untrimmed']:.4f}</td></tr>"
        f"<tr><th>RIV（剔除异常值后）</th><td>{report['riv']['trimmed']:.4f}</td></tr>"
        f"<tr><th>入组率</th><td>{rates['grouping_rate']:.2%}</td></tr>"
        f"<tr><th>QY 率</th><td>{rates['qy_rate']:.2%}</td></tr>"
        f"<tr><th>CV ≥ 1 的病组</th><td>{report['groups_cv_at_least_1']}</td></tr>"
        f"<tr><th>细分组费用区分显著的 ADRG</th><td>{report['splits_separating']} / "
        f"{len(report['splits'])}</td></tr></table>"
    )
    stability = report.get("stability")
    extra = ""
    if stability:
        extra = (f"<p>共同病组 {stability['common_groups']}，RW 平均相对变化 "
                 f"{stability['mean_relative_change']:.2%}，Spearman 秩相关 "
                 f"{stability['spearman_rw']:.4f}</p>" + _scatter(stability["pairs"]))
    body = (summary
            + _bars(f"病组费用变异系数 CV（例数最多的 {len(groups)} 组，红色 ≥ 1）", cv_bars, 1.0)
            + _bars("各医院 CMI", cmi_bars, 1.0) + extra)
    return (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
            f"<title>{html.escape(title)}</title></head><body style=\"font-family:sans-serif\">"
            f"<h1>{html.escape(title)}</h1>{body}</body></html>")
