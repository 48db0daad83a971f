"""The bureau API's family-binding routes on a live server (SQLite and PostgreSQL): handlers
bind and unbind where the holder's account is kept, refusals are Problems with a zh-CN message
(422 for a rule or bad input, 403 for a role, 404 outside the scope), nothing is written then."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.conftest import Live
from tests.services.population import CITY, RESIDENT, WORKER
from yibao.services.family import bindings_of
from yibao.services.offsite import beijing_today


def _post(live: Live, path: str, who: str, body: dict[str, Any]) -> httpx.Response:
    if who not in live.tokens:
        live.tokens[who] = live.token(who)
    return httpx.post(f"{live.url}{path}", json=body, timeout=30,
                      headers={"Authorization": f"Bearer {live.tokens[who]}"})


def _binding(member: str = RESIDENT, relation: str = "spouse") -> dict[str, str]:
    return {"holder": WORKER, "member": member, "relation": relation}


def test_a_handler_binds_lists_and_unbinds(live_family: Live) -> None:
    live = live_family
    made = _post(live, "/api/v1/family/bindings", "county", _binding())
    assert made.status_code == 201, made.text
    doc = made.json()
    assert doc["relation_name"] == "配偶" and doc["region"] == "511623" and doc["in_force"]
    assert doc["start"] == beijing_today().isoformat() and doc["bound_by"] == "api:county"
    listed = live.get("/api/v1/family/bindings", "auditor", psn_no=WORKER)
    assert listed.status_code == 200, listed.text
    assert [(b["holder"], b["member"]) for b in listed.json()["items"]] == [(WORKER, RESIDENT)]
    twice = _post(live, "/api/v1/family/bindings", "county", _binding(relation="child"))
    assert twice.status_code == 422 and twice.json()["detail"]["reason"] == "already_bound"
    done = _post(live, "/api/v1/family/bindings/unbind", "county",
                 {"holder": WORKER, "member": RESIDENT})
    assert done.status_code == 200, done.text
    assert done.json()["end"] == beijing_today().isoformat() and not done.json()["in_force"]
    again = _post(live, "/api/v1/family/bindings/unbind", "county",
                  {"holder": WORKER, "member": RESIDENT})
    assert again.status_code == 422 and again.json()["detail"]["reason"] == "not_bound"
    assert "已解除" in again.json()["detail"]["message"]


def test_roles_scope_and_bad_input(live_family: Live) -> None:
    live = live_family
    before = bindings_of(CITY, store=live.store)
    auditor = _post(live, "/api/v1/family/bindings", "auditor", _binding(CITY))
    assert auditor.status_code == 403, auditor.text
    other = _post(live, "/api/v1/family/bindings", "other", _binding(CITY))
    assert other.status_code == 404, other.text  # the holder's account is not theirs
    assert live.get("/api/v1/family/bindings", "other", psn_no=WORKER).status_code == 404
    for body, field in (({**_binding(CITY), "relation": "uncle"}, "关系"),
                        ({**_binding(CITY), "member": WORKER}, "同一人")):
        bad = _post(live, "/api/v1/family/bindings", "county", body)
        assert bad.status_code == 422 and field in bad.json()["detail"]["message"], bad.text
    malformed = _post(live, "/api/v1/family/bindings", "county",
                      {**_binding(CITY), "member": "../x"})
    assert malformed.status_code == 422, malformed.text
    missing = live.get("/api/v1/family/bindings", "county", psn_no="110101199001011234")
    assert missing.status_code == 404
    assert bindings_of(CITY, store=live.store) == before  # nothing was written
    # A member enrolled in another region is bound where the holder's account is kept.
    made = _post(live, "/api/v1/family/bindings", "county", _binding(CITY, "child"))
    assert made.status_code == 201, made.text
    seen = live.get("/api/v1/family/bindings", "other", psn_no=CITY)
    assert seen.status_code == 200 and seen.json()["items"] == []  # not their account
    ended = _post(live, "/api/v1/family/bindings/unbind", "other",
                  {"holder": WORKER, "member": CITY})
    assert ended.status_code == 404, ended.text
    assert _post(live, "/api/v1/family/bindings/unbind", "county",
                 {"holder": WORKER, "member": CITY}).status_code == 200
