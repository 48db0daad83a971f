"""Human-readable traces (`setl_proc_info`) of how each fund payment was produced, in zh-CN."""

from __future__ import annotations

from decimal import Decimal

from yibao.core.money import fmt, fmt_ratio


def pct(ratio: Decimal) -> str:
    """A ratio as a percentage without needless zeros: 0.77 → 77%, 0.625 → 62.5%."""
    return f"{fmt_ratio(ratio * 100)}%"


def room_text(room: Decimal | None) -> str:
    return "不设年度限额" if room is None else f"年度限额剩余{fmt(room)}"


def pooling_info(deductible: Decimal, ratio: Decimal, room: Decimal | None) -> str:
    return f"起付线{fmt(deductible)}，比例{pct(ratio)}，{room_text(room)}"


def simple_info(base: str, ratio: Decimal, room: Decimal | None) -> str:
    return f"{base}按{pct(ratio)}支付，{room_text(room)}"


def tier_info(amount: Decimal, ratio: Decimal, paid: Decimal) -> str:
    return f"{fmt(amount)}×{pct(ratio)}={fmt(paid)}"
