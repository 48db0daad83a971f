"""Beijing time (北京时间, `Asia/Shanghai`): what the national interface writes its times in, as
`YYYY-MM-DD HH:MM:SS` without an offset.

A stop-gap until the shared labels/time helper is on this branch: then this module gives way to
it. China has kept UTC+8 without daylight saving since 1991, so the fixed offset used when the
system has no time-zone database is the same clock.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone, tzinfo
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def _zone() -> tzinfo:
    try:
        return ZoneInfo("Asia/Shanghai")
    except ZoneInfoNotFoundError:  # no tz database (e.g. Windows without tzdata)
        return timezone(timedelta(hours=8), "Asia/Shanghai")


BEIJING: Final = _zone()
NATIONAL_TIME: Final = "%Y-%m-%d %H:%M:%S"


def national_time(moment: datetime) -> str:
    """`moment` (timezone-aware) in Beijing time as the national interface writes it,
    e.g. `2024-03-09 20:00:00` for 12:00 UTC."""
    if moment.tzinfo is None:
        raise ValueError("national_time needs a timezone-aware datetime")
    return moment.astimezone(BEIJING).strftime(NATIONAL_TIME)
