"""Money and exact decimals (金额): `Decimal` yuan, half-up to the cent, never a float.

Every amount enters the system through `parse_decimal` (or its shorthands), which accepts
decimal strings, integers and `Decimal`, and refuses floats, booleans, NaN, infinities, negative
numbers and more decimal places than the field allows. Every money quantity is rounded once, with
`cents`, half-up (`ROUND_HALF_UP`), at the moment it is computed. Vectorised code works in integer
fen (分); `to_fen` and `from_fen` convert exactly.
"""

from __future__ import annotations

from decimal import (
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)
from typing import Final

CENT: Final = Decimal("0.01")
ZERO: Final = Decimal("0.00")
ONE: Final = Decimal("1")
FEN_PER_YUAN: Final = 100

#: Arithmetic context for money: wide enough that no product of two validated operands is ever
#: rounded before the one explicit rounding to the cent (cnt × pric needs 21 digits).
MONEY_CONTEXT: Final = Context(
    prec=48, rounding=ROUND_HALF_UP, traps=[InvalidOperation, DivisionByZero, Overflow]
)

#: No validated quantity in this system reaches 10^20; larger input is refused before arithmetic.
MAX_DIGITS: Final = 20
AMOUNT_PLACES: Final = 2
RATIO_PLACES: Final = 4


class DecimalError(ValueError):
    """A value that cannot be an exact decimal of the kind asked for; `message` is zh-CN."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _read_number(value: object) -> Decimal:
    """The exact decimal a string, int or Decimal stands for; floats and booleans refused."""
    if isinstance(value, (bool, float)):
        raise DecimalError("必须是十进制数字字符串，不接受浮点数或布尔值")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal):
        return value
    if not isinstance(value, str):
        raise DecimalError(f"必须是数字或数字字符串，收到 {type(value).__name__}")
    if not value or value.strip() != value:
        raise DecimalError(f"不是有效的数字：{value!r}")
    try:
        return Decimal(value)
    except InvalidOperation:
        raise DecimalError(f"不是有效的数字：{value!r}") from None


def parse_decimal(
    value: object,
    *,
    places: int,
    minimum: Decimal | None = Decimal(0),
    maximum: Decimal | None = None,
) -> Decimal:
    """Read an exact decimal from a string, int or Decimal, with at most `places` decimals.

    Floats are refused outright: a float has already lost the text it was read from.
    """
    number = _read_number(value)
    if not number.is_finite():
        raise DecimalError("不接受 NaN 或无穷大")
    if number.adjusted() > MAX_DIGITS:
        raise DecimalError(f"数值过大：{value}")
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int)
    with localcontext(MONEY_CONTEXT):
        if exponent < -places and number != number.quantize(Decimal(1).scaleb(-places)):
            raise DecimalError(f"小数位数不得超过 {places} 位：{value}")
    if minimum is not None and number < minimum:
        raise DecimalError(f"不得小于 {minimum}：{value}")
    if maximum is not None and number > maximum:
        raise DecimalError(f"不得大于 {maximum}：{value}")
    return number + 0 if number == 0 else number  # normalise -0 to 0


def parse_amount(value: object, *, maximum: Decimal | None = None) -> Decimal:
    """An amount in yuan: ≥ 0, at most two decimal places."""
    return parse_decimal(value, places=AMOUNT_PLACES, maximum=maximum)


def parse_ratio(value: object) -> Decimal:
    """A ratio in [0, 1] with at most four decimal places."""
    return parse_decimal(value, places=RATIO_PLACES, maximum=ONE)


def cents(value: Decimal) -> Decimal:
    """Round half-up to the cent: the one rounding every money quantity gets."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP, context=MONEY_CONTEXT)


def fmt(value: Decimal) -> str:
    """Print an amount with exactly two places, as the national interface does."""
    return str(cents(value))


def fmt_ratio(value: Decimal) -> str:
    """Print a ratio as a plain decimal string without exponent (`0.77`, `1`, `0`)."""
    text = format(value.normalize(), "f")
    return text


def to_fen(value: Decimal) -> int:
    """Exact integer fen of an amount that already has at most two decimal places."""
    fen = value * FEN_PER_YUAN
    if fen != fen.to_integral_value():
        raise DecimalError(f"金额精度超过分：{value}")
    return int(fen)


def from_fen(fen: int) -> Decimal:
    """Yuan with two places from integer fen."""
    return (Decimal(fen) / FEN_PER_YUAN).quantize(CENT)


def scaled_int(value: Decimal, places: int) -> int:
    """`value × 10^places` as an exact integer (used to lay decimals out as int64 columns)."""
    scaled = value.scaleb(places)
    if scaled != scaled.to_integral_value():
        raise DecimalError(f"小数位数超过 {places} 位：{value}")
    return int(scaled)


def clamp(value: Decimal, low: Decimal, high: Decimal) -> Decimal:
    """`value` limited to [low, high]."""
    return max(low, min(high, value))
