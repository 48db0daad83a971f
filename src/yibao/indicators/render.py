"""The year report as text: `indicators.json` with exact decimals and a self-contained HTML page.

The page carries its CSS and SVG charts inline, so it opens from disk without a network.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from decimal import Decimal
from html import escape
from typing import Any, Final

from yibao.indicators.charts import bar_chart, line_chart
from yibao.indicators.table import Indicator

MONTHS: Final = tuple(f"{m}月" for m in range(1, 13))
_EXACT = re.compile(r'"@dec:(-?[0-9.]+)"')

STYLE: Final = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:0;color:#222;
background:#f6f7f9}
header{background:#1f4e79;color:#fff;padding:16px 24px}h1{margin:0;font-size:22px}
main{max-width:1100px;margin:0 auto;padding:16px}
section{background:#fff;border-radius:8px;padding:16px;margin:16px 0;
box-shadow:0 1px 3px rgba(0,0,0,.08)}
h2{font-size:18px;margin:0 0 12px}table{border-collapse:collapse;width:100%}
th,td{padding:6px 8px;border-bottom:1px solid #eee;text-align:left;font-size:14px}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.met{color:#1b7f3b}.unmet{color:#b3261e}.chart{width:100%;height:auto;max-width:760px}
.note{color:#666;font-size:13px}
.notice{background:#fff4e5;color:#7a4100;padding:10px 14px;border-radius:6px}
@media (max-width:700px){td,th{font-size:12px;padding:4px}}
"""


def dumps_exact(document: object) -> str:
    """JSON with every Decimal written as an exact number (never through a float)."""

    def mark(value: Any) -> Any:
        if isinstance(value, Decimal):
            return f"@dec:{format(value, 'f')}"
        if isinstance(value, dict):
            return {k: mark(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [mark(v) for v in value]
        return value

    return _EXACT.sub(r"\1", json.dumps(mark(document), ensure_ascii=False, indent=2))


def show(value: Decimal | int | None, unit: str) -> str:
    """A value as bureau staff read it: 人, 万元 with the exact yuan, or a percentage (— when
    not known)."""
    if value is None:
        return "—"
    if unit == "count":
        return f"{int(value):,}"
    if unit == "yuan":
        return f"{Decimal(value) / 10_000:,.2f} 万元"
    return f"{Decimal(value) * 100:.2f}%"


def _status(row: Indicator) -> str:
    if row.met is None:
        return "—"
    return '<span class="met">达标</span>' if row.met else '<span class="unmet">未达标</span>'


def indicator_rows(rows: Sequence[Indicator]) -> str:
    body = "".join(
        f"<tr><td>{escape(r.label)}</td><td class='num'>{show(r.value, r.unit)}</td>"
        f"<td>{escape(r.target_text)}</td><td>{_status(r)}</td></tr>" for r in rows)
    return ("<table><thead><tr><th>指标</th><th>本年</th><th>2025 年目标</th><th>状态</th>"
            f"</tr></thead><tbody>{body}</tbody></table>")


def _group_table(groups: Sequence[dict[str, Any]]) -> str:
    body = "".join(
        f"<tr><td>{g['scheme']}</td><td>{g['group']}</td><td class='num'>{g['stays']:,}</td>"
        f"<td class='num'>{show(g['medfee'], 'yuan')}</td>"
        f"<td class='num'>{show(g['fund_share'], 'ratio')}</td>"
        f"<td class='num'>{show(g['inscp_share'], 'ratio')}</td></tr>" for g in groups)
    return ("<table><thead><tr><th>险种</th><th>人群</th><th>住院人次</th><th>住院费用</th>"
            "<th>基金支付占总费用</th><th>基金支付占政策范围内</th></tr></thead>"
            f"<tbody>{body}</tbody></table>")


def report_html(title: str, rows: Sequence[Indicator], extra: dict[str, Any],
                sections: Sequence[tuple[str, str]] = (), notice: str = "") -> str:
    """The whole page: indicator table, monthly fund flow, cost by level, groups, sections;
    `notice` (such as the simulation note) stands under the title."""
    month = extra["monthly"]
    levels = extra["cost_by_level"]
    groups = extra["reimbursement_by_group"]
    group_names = [f"{g['scheme']}·{g['group']}" for g in groups]
    charts = [
        ("基金收支（按月）", bar_chart("基金按月收入与支出", MONTHS,
                                  {"收入": month["income"], "支出": month["expenditure"]})),
        ("累计结余（按月）", line_chart("基金累计结余", MONTHS, {"累计结余": month["balance"]})),
        ("医疗费用（按医院等级）", bar_chart("按医院等级的医疗费用", ("一级", "二级", "三级"),
                                      levels)),
        ("住院报销（按险种与人群）", bar_chart(
            "按险种与人群的住院基金支付比例", group_names,
            {"基金支付/总费用": [g["fund_share"] for g in groups],
             "基金支付/政策范围内": [g["inscp_share"] for g in groups]}, unit="ratio")
         + _group_table(groups)),
    ]
    blocks = [f"<section><h2>主要指标与“十四五”目标</h2>{indicator_rows(rows)}</section>"]
    blocks += [f"<section><h2>{escape(h)}</h2>{body}</section>" for h, body in charts]
    blocks += [f"<section><h2>{escape(h)}</h2>{body}</section>" for h, body in sections]
    return (f"<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>"
            f"<meta name='viewport' content='width=device-width,initial-scale=1'>"
            f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>"
            f"<header><h1>{escape(title)}</h1></header><main>"
            + (f"<p class='notice'>{escape(notice)}</p>" if notice else "") + ''.join(blocks) +
            "<p class='note'>由 yibao 生成；金额为元（图中以万元计），比例为政策范围内口径。</p>"
            "</main></body></html>")
