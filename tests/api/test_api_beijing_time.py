"""The bureau API shows every time in Beijing time (`+08:00`), and a settlement carries its
`setl_time` as `YYYY-MM-DD HH:MM:SS` in Beijing time, the same instant as its `created_at`."""

from __future__ import annotations

import re
from datetime import datetime

from tests.api.conftest import Live
from tests.services.population import RESIDENT, visit
from yibao.services.settle_service import Settled, settle_committed

SETL_TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


def test_times_are_beijing_time(live: Live) -> None:
    settled = settle_committed(visit(RESIDENT, "BJT-1", day="2024-05-02"), store=live.store)
    assert isinstance(settled, Settled), settled
    listed = live.get("/api/v1/settlements", "county", psn_no=RESIDENT, limit=500).json()
    item = next(s for s in listed["items"] if s["setl_id"] == settled.setl_id)
    created = datetime.fromisoformat(item["created_at"])
    assert item["created_at"].endswith("+08:00")
    assert SETL_TIME.match(item["setl_time"]), item["setl_time"]
    assert item["setl_time"] == created.strftime("%Y-%m-%d %H:%M:%S")
    one = live.get(f"/api/v1/settlements/{settled.setl_id}", "county").json()
    assert one["setl_time"] == item["setl_time"]
    log = live.get("/api/v1/write-log", "admin", limit=5).json()
    assert log["items"] and all(e["at"].endswith("+08:00") for e in log["items"])
