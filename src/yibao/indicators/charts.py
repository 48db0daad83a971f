"""Small inline SVG charts for reports: no script, no font or asset from the network.

Values arrive as Decimal yuan or ratios and are only scaled to pixels here; the numbers shown
in labels and tooltips are the exact values formatted as text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from html import escape
from typing import Final

PALETTE: Final = ("#2f6fb3", "#e07b39", "#3a9d5d", "#b94a6b", "#7b61a8", "#8c8c8c", "#b8901f")
WIDTH: Final = 720
HEIGHT: Final = 300
MARGIN: Final = (24, 16, 56, 84)  # top, right, bottom, left
CROWDED: Final = 12  # more categories than this: labels are turned
KEY_WIDTH: Final = 150  # a legend key's width; keys that do not fit a row go on further rows
KEY_ROW: Final = 18  # a further legend row's height, added below the chart


def _wan(value: Decimal) -> str:
    """An amount in 万元 with one place, for axis labels."""
    return f"{value / 10_000:,.1f}"


def _scale(values: Sequence[Decimal]) -> tuple[Decimal, Decimal]:
    low = min([Decimal(0), *values])
    high = max([Decimal(1), *values])
    return low, high


def _frame(title: str, body: list[str], legend: Sequence[str]) -> str:
    per_row = (WIDTH - MARGIN[3]) // KEY_WIDTH
    keys = "".join(
        f'<g transform="translate({MARGIN[3] + KEY_WIDTH * (i % per_row)},'
        f'{HEIGHT - 10 + KEY_ROW * (i // per_row)})">'
        f'<rect width="12" height="12" y="-10" fill="{PALETTE[i % len(PALETTE)]}"/>'
        f'<text x="16" font-size="12">{escape(name)}</text></g>'
        for i, name in enumerate(legend))
    height = HEIGHT + KEY_ROW * (max(len(legend) - 1, 0) // per_row)
    return (f'<svg class="chart" role="img" aria-label="{escape(title)}" '
            f'viewBox="0 0 {WIDTH} {height}" xmlns="http://www.w3.org/2000/svg">'
            f"<title>{escape(title)}</title>{''.join(body)}{keys}</svg>")


def _axis(low: Decimal, high: Decimal, unit: str) -> tuple[list[str], float]:
    top, _, bottom, left = MARGIN
    plot = HEIGHT - top - bottom
    span = float(high - low) or 1.0
    parts = []
    for step in range(5):
        value = low + (high - low) * step / 4
        y = top + plot - plot * step / 4
        text = {"yuan": _wan(value), "ratio": f"{float(value):.0%}"}.get(unit, f"{value:.2f}")
        parts.append(f'<line x1="{left}" x2="{WIDTH - MARGIN[1]}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'stroke="#ddd"/><text x="{left - 6}" y="{y + 4:.1f}" font-size="11" '
                     f'text-anchor="end">{text}</text>')
    if unit == "yuan":
        parts.append(f'<text x="{left - 6}" y="{top - 8}" font-size="11" '
                     'text-anchor="end">万元</text>')
    zero = top + plot - plot * float(-low) / span
    return parts, zero


def bar_chart(title: str, categories: Sequence[str], series: dict[str, Sequence[Decimal]],
              unit: str = "yuan") -> str:
    """Grouped bars: one group per category, one bar per series (amounts in 万元 or ratios)."""
    everything = [v for values in series.values() for v in values]
    low, high = _scale(everything)
    body, zero = _axis(low, high, unit)
    top, right, bottom, left = MARGIN
    plot_h, plot_w = HEIGHT - top - bottom, WIDTH - left - right
    group_w = plot_w / max(1, len(categories))
    bar_w = group_w * 0.8 / max(1, len(series))
    span = float(high - low) or 1.0
    crowded = len(categories) > CROWDED
    for i, name in enumerate(categories):
        x0 = left + group_w * i + group_w * 0.1
        x, y = x0 + group_w * 0.4, HEIGHT - bottom + 16
        turn = f' transform="rotate(-35 {x:.1f} {y})"' if crowded else ""
        body.append(f'<text x="{x:.1f}" y="{y}" font-size="{10 if crowded else 11}" '
                    f'text-anchor="{"end" if crowded else "middle"}"{turn}>{escape(name)}</text>')
        for j, (label, values) in enumerate(series.items()):
            value = values[i]
            h = plot_h * float(abs(value)) / span
            y = zero - h if value >= 0 else zero
            shown = {"yuan": f"{value:,.2f} 元", "ratio": f"{float(value):.1%}"}.get(
                unit, f"{value:.4f}")
            body.append(f'<rect class="bar" x="{x0 + bar_w * j:.1f}" y="{y:.1f}" '
                        f'width="{bar_w:.1f}" height="{max(h, 0.5):.1f}" '
                        f'fill="{PALETTE[j % len(PALETTE)]}"><title>{escape(name)} '
                        f"{escape(label)}：{shown}</title></rect>")
    return _frame(title, body, list(series))


def line_chart(title: str, categories: Sequence[str], series: dict[str, Sequence[Decimal]]) -> str:
    """Lines over categories (amounts in 万元), e.g. the cumulative fund balance by month."""
    everything = [v for values in series.values() for v in values]
    low, high = _scale(everything)
    body, _ = _axis(low, high, "yuan")
    top, right, bottom, left = MARGIN
    plot_h, plot_w = HEIGHT - top - bottom, WIDTH - left - right
    span = float(high - low) or 1.0
    step = plot_w / max(1, len(categories) - 1)
    for j, (label, values) in enumerate(series.items()):
        points = " ".join(
            f"{left + step * i:.1f},{top + plot_h - plot_h * float(v - low) / span:.1f}"
            for i, v in enumerate(values))
        body.append(f'<polyline class="line" points="{points}" fill="none" stroke-width="2.5" '
                    f'stroke="{PALETTE[j % len(PALETTE)]}"><title>{escape(label)}</title>'
                    "</polyline>")
    for i, name in enumerate(categories):
        body.append(f'<text x="{left + step * i:.1f}" y="{HEIGHT - bottom + 16}" font-size="11" '
                    f'text-anchor="middle">{escape(name)}</text>')
    return _frame(title, body, list(series))


def hbar_chart(title: str, labels: Sequence[str], values: Sequence[Decimal],
               decimals: int = 4) -> str:
    """Horizontal bars, one row per label (names stay readable): rankings such as CMI."""
    row_h, label_w, right = 24, 200, 80
    height = row_h * len(labels) + 16
    high = float(max([Decimal(0), *values])) or 1.0
    body = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = 8 + row_h * i
        width = (WIDTH - label_w - right) * float(value) / high
        body.append(
            f'<text x="{label_w - 8}" y="{y + 15}" font-size="12" text-anchor="end">'
            f'{escape(label)}</text><rect class="bar" x="{label_w}" y="{y + 3}" '
            f'width="{max(width, 0.5):.1f}" height="{row_h - 8}" fill="{PALETTE[0]}">'
            f"<title>{escape(label)}：{value:.{decimals}f}</title></rect>"
            f'<text x="{label_w + width + 6:.1f}" y="{y + 15}" font-size="11">'
            f"{value:.{decimals}f}</text>")
    return (f'<svg class="chart" role="img" aria-label="{escape(title)}" '
            f'viewBox="0 0 {WIDTH} {height}" xmlns="http://www.w3.org/2000/svg">'
            f"<title>{escape(title)}</title>{''.join(body)}</svg>")


def projection_chart(title: str, years: Sequence[int],
                     balances: dict[str, Sequence[Decimal]]) -> str:
    """The projected closing balance of each fund by year (万元), with a zero line when a fund
    goes below zero: the actuarial projection's chart (`yibao fund project --report`, console)."""
    chart = line_chart(title, [str(y) for y in years], balances)
    everything = [v for values in balances.values() for v in values]
    if not everything or min(everything) >= 0:
        return chart
    low, high = _scale(everything)
    top, right, bottom, left = MARGIN
    plot_h = HEIGHT - top - bottom
    y = top + plot_h - plot_h * float(-low) / (float(high - low) or 1.0)
    zero = (f'<line class="zero" x1="{left}" x2="{WIDTH - right}" y1="{y:.1f}" y2="{y:.1f}" '
            'stroke="#c00" stroke-dasharray="4 3"><title>基金耗尽线（余额 0）</title></line>')
    return chart.replace("</svg>", f"{zero}</svg>")


def _shade(share: float) -> str:
    """A colour from white (0) to the first palette colour (1)."""
    low, high = (255, 255, 255), (0x2F, 0x6F, 0xB3)
    mixed = (int(a + (b - a) * share) for a, b in zip(low, high, strict=True))
    return "#" + "".join(f"{c:02x}" for c in mixed)


def heat_map(title: str, rows: Sequence[str], columns: Sequence[str],
             values: Mapping[tuple[str, str], Decimal], unit: str = "count",
             corner: str = "") -> str:
    """A matrix of cells shaded by value (rows × columns, e.g. insured region → care region);
    a pair without a value is a grey cell. `unit`: count or yuan (shown in 万元)."""
    label_w, head_h, cell_h, reach = 150, 112, 30, 120  # reach: the last column label's slant
    cell_w = max(36.0, min(96.0, (WIDTH - label_w - 8) / max(1, len(columns))))
    width = label_w + cell_w * len(columns) + reach
    height = head_h + cell_h * len(rows) + 8
    high = float(max([Decimal(0), *values.values()])) or 1.0
    body = [f'<text x="{label_w - 8}" y="{head_h - 8}" font-size="11" text-anchor="end" '
            f'fill="#666">{escape(corner)}</text>']
    for j, name in enumerate(columns):
        x = label_w + cell_w * j + cell_w / 2
        body.append(f'<text x="{x:.1f}" y="{head_h - 8}" font-size="11" '
                    f'transform="rotate(-40 {x:.1f} {head_h - 8})">{escape(name)}</text>')
    for i, row in enumerate(rows):
        y = head_h + cell_h * i
        body.append(f'<text x="{label_w - 8}" y="{y + 19}" font-size="12" text-anchor="end">'
                    f"{escape(row)}</text>")
        for j, column in enumerate(columns):
            x = label_w + cell_w * j
            value = values.get((row, column))
            if value is None:
                body.append(f'<rect x="{x:.1f}" y="{y}" width="{cell_w - 2:.1f}" '
                            f'height="{cell_h - 2}" fill="#f1f2f4"/>')
                continue
            share = float(value) / high
            shown = f"{int(value):,}" if unit == "count" else _wan(value)
            tip = f"{int(value):,} 人次" if unit == "count" else f"{value:,.2f} 元"
            body.append(
                f'<rect class="cell" x="{x:.1f}" y="{y}" width="{cell_w - 2:.1f}" '
                f'height="{cell_h - 2}" fill="{_shade(share)}"><title>{escape(row)} → '
                f"{escape(column)}：{tip}</title></rect>"
                f'<text x="{x + cell_w / 2 - 1:.1f}" y="{y + 18}" font-size="11" '
                f'text-anchor="middle" fill="{"#fff" if share > 0.55 else "#222"}">'
                f"{shown}</text>")
    return (f'<svg class="chart" role="img" aria-label="{escape(title)}" '
            f'viewBox="0 0 {width:.0f} {height}" xmlns="http://www.w3.org/2000/svg">'
            f"<title>{escape(title)}</title>{''.join(body)}</svg>")
