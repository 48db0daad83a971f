"""Beijing time (北京时间, `Asia/Shanghai`) for everything the faces show or send: the store
keeps instants in UTC; a face turns them into Beijing time and writes them as the national
interface does, `YYYY-MM-DD HH:MM:SS`. A naive datetime is taken as UTC (SQLite hands back
timezone-aware columns without their zone)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final
from zoneinfo import ZoneInfo

BEIJING: Final = ZoneInfo("Asia/Shanghai")
TIME_FORMAT: Final = "%Y-%m-%d %H:%M:%S"


def in_beijing(at: datetime) -> datetime:
    """The same instant in Beijing time."""
    return (at if at.tzinfo is not None else at.replace(tzinfo=UTC)).astimezone(BEIJING)


def beijing_text(at: datetime | None) -> str:
    """`YYYY-MM-DD HH:MM:SS` in Beijing time; "" for None."""
    return "" if at is None else in_beijing(at).strftime(TIME_FORMAT)
