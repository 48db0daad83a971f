"""Beijing time as the national interface writes it (`setl_time`)."""

from __future__ import annotations

from datetime import UTC, datetime

from yibao.core.beijing import beijing_text


def test_national_time_is_beijing_without_offset() -> None:
    assert beijing_text(datetime(2024, 3, 9, 12, 0, 5, 999_999, tzinfo=UTC)) == \
        "2024-03-09 20:00:05"
    assert beijing_text(datetime(2024, 12, 31, 16, 30, tzinfo=UTC)) == "2025-01-01 00:30:00"
