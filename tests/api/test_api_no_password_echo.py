"""A 422 answer never echoes a password: FastAPI's validation errors carry the offending
`input`, which for a login or a password change was the password itself or the whole body
holding it. Every such field is masked, whichever field was at fault; on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.conftest import Live

SECRET = "hunter2-ZX9-secret"


@pytest.mark.parametrize("path,body", [
    ("/api/v1/session", {"username": "a" * 65, "password": SECRET}),
    ("/api/v1/session", {"username": "county", "password": SECRET * 20}),
    ("/api/v1/session", {"password": SECRET}),
    ("/api/v1/session", {"username": ["county"], "password": [SECRET]}),
    ("/api/v1/session/password", {"current": SECRET}),
    ("/api/v1/session/password", {"current": SECRET, "new": SECRET * 20}),
    ("/api/v1/session/password", [{"current": SECRET, "new": SECRET}]),
], ids=["long_username", "long_password", "no_username", "lists", "no_new", "long_new",
        "body_in_a_list"])
def test_a_422_echoes_no_password(live: Live, path: str, body: Any) -> None:
    headers = {"Authorization": f"Bearer {live.token('county')}"} if "password" in path else {}
    answer = httpx.post(f"{live.url}{path}", json=body, headers=headers, timeout=30)
    assert answer.status_code == 422, answer.text
    assert SECRET not in answer.text, answer.text
    assert answer.json()["detail"], answer.text  # the errors themselves are still shown
