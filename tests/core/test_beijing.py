"""Beijing time as the national interface writes it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from yibao.core.beijing import national_time


def test_national_time_is_beijing_without_offset() -> None:
    assert national_time(datetime(2024, 3, 9, 12, 0, 5, 999_999, tzinfo=UTC)) == \
        "2024-03-09 20:00:05"
    assert national_time(datetime(2024, 12, 31, 16, 30, tzinfo=UTC)) == "2025-01-01 00:30:00"


def test_naive_time_is_refused() -> None:
    with pytest.raises(ValueError):
        national_time(datetime(2024, 3, 9, 12, 0))
