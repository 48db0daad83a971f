"""The bureau API's filing routes on a live server (SQLite and PostgreSQL): handlers file and
revoke in their scope, refusals are Problems with a zh-CN message, lists are paged."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from tests.api.conftest import Live
from tests.services.population import CITY, RESIDENT
from yibao.services.offsite import beijing_today


def _headers(live: Live, who: str) -> dict[str, str]:
    if who not in live.tokens:
        live.tokens[who] = live.token(who)
    return {"Authorization": f"Bearer {live.tokens[who]}"}


def _post(live: Live, path: str, who: str, body: dict[str, Any] | None = None
          ) -> httpx.Response:
    return httpx.post(f"{live.url}{path}", json=body, headers=_headers(live, who), timeout=30)


def _filing(psn_no: str = RESIDENT, **changes: Any) -> dict[str, Any]:
    return {"psn_no": psn_no, "filing_type": "other_temporary", "care_area": "500000",
            "start": beijing_today().isoformat(), **changes}


def test_a_handler_files_lists_and_revokes(live_filing: Live) -> None:
    live = live_filing
    made = _post(live, "/api/v1/offsite/filings", "county", _filing())
    assert made.status_code == 201, made.text
    doc = made.json()
    assert doc["type_name"] == "其他临时外出就医人员" and doc["insured_region"] == "511623"
    assert doc["status"] == "active" and doc["end"] is not None and doc["channel"] == "api"
    listed = live.get("/api/v1/offsite/filings", "auditor", psn_no=RESIDENT)
    assert listed.status_code == 200, listed.text
    assert [f["filing_id"] for f in listed.json()["items"]] == [doc["filing_id"]]
    assert listed.json()["total"] == 1
    twice = _post(live, "/api/v1/offsite/filings", "city", _filing(care_area="510100"))
    assert twice.status_code == 422 and twice.json()["detail"]["reason"] == "overlap"
    assert "重叠" in twice.json()["detail"]["message"]
    done = _post(live, f"/api/v1/offsite/filings/{doc['filing_id']}/revoke", "city")
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "revoked"
    again = _post(live, f"/api/v1/offsite/filings/{doc['filing_id']}/revoke", "county")
    assert again.status_code == 422 and again.json()["detail"]["reason"] == "already_revoked"


def test_roles_and_scope(live_filing: Live) -> None:
    live = live_filing
    auditor = _post(live, "/api/v1/offsite/filings", "auditor", _filing())
    assert auditor.status_code == 403, auditor.text
    other = _post(live, "/api/v1/offsite/filings", "other", _filing())
    assert other.status_code == 404, other.text
    hidden = live.get("/api/v1/offsite/filings", "other", psn_no=RESIDENT)
    assert hidden.status_code == 404
    theirs = _post(live, "/api/v1/offsite/filings", "other",
                   _filing(CITY, filing_type="referral", care_area="510104"))
    assert theirs.status_code == 201, theirs.text
    assert theirs.json()["insured_region"] == "511602"
    not_mine = _post(live, f"/api/v1/offsite/filings/{theirs.json()['filing_id']}/revoke",
                     "county")
    assert not_mine.status_code == 404
    assert live.get("/api/v1/offsite/filings", "county", psn_no=CITY).status_code == 404


def test_bad_input_is_a_problem_and_writes_nothing(live_filing: Live) -> None:
    live = live_filing
    before = live.get("/api/v1/offsite/filings", "county", psn_no=RESIDENT).json()["total"]
    for changes, word in (({"filing_type": "abroad"}, "备案类型"),
                          ({"care_area": "990000"}, "就医地"),
                          ({"care_area": "511623"}, "本地就医"),
                          ({"start": "2024-13-01"}, "开始日期"),
                          ({"promise": False}, "材料"),
                          ({"start": (beijing_today() - timedelta(days=1)).isoformat()},
                           "补办")):
        answer = _post(live, "/api/v1/offsite/filings", "county", _filing(**changes))
        assert answer.status_code == 422, (changes, answer.text)
        assert word in answer.json()["detail"]["message"], (changes, answer.text)
    missing = _post(live, "/api/v1/offsite/filings", "county", _filing("110101199001011234"))
    assert missing.status_code == 404
    schema = _post(live, "/api/v1/offsite/filings", "county", {"psn_no": RESIDENT})
    assert schema.status_code == 422
    after = live.get("/api/v1/offsite/filings", "county", psn_no=RESIDENT).json()["total"]
    assert after == before
    paged = live.get("/api/v1/offsite/filings", "county", psn_no=RESIDENT, limit=1, offset=5)
    assert paged.status_code == 200 and paged.json()["items"] == []
    assert live.get("/api/v1/offsite/filings", "county").status_code == 422
