"""Logins over real HTTP on SQLite and PostgreSQL: wrong passwords lock the user (concurrent
guesses too) and an address, until an administrator unlocks; failed logins are recorded; an
unknown user's password is checked like a known user's; scrypt hashes become Argon2id on the
next login; a user changes their password; an administrator disables a user (API, console and
`yibao user`); the write log shows an administrator only the writes in their scope.

Reproductions of issue #12 items 9 and 8: before the fix 40 wrong passwords were followed by a
successful login, no failed login was recorded, an unknown user's login did no password work
(3 ms against 52 ms), no one could change a password or disable a user, and a county
administrator read every region's write log.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from tests.api.conftest import USERS, Live, live_server
from tests.services.population import RESIDENT
from yibao.cli import app as cli
from yibao.services import accounts, passwords
from yibao.store import Store
from yibao.web.session import csrf_of

MORE_USERS = {"victim": ("handler", "511623"), "crowd": ("handler", "511623"),
              "legacy": ("auditor", "511623"), "changer": ("handler", "511623"),
              "leaver": ("handler", "511623"), "admin_county": ("admin", "511623"),
              "admin_city": ("admin", "511600"), "admin_other": ("admin", "511602")}
GUESSES = 40


@dataclass
class Site:
    url: str
    store: Store
    database_url: str
    passwords: dict[str, str]
    live: Live

    def login(self, who: str, password: str | None = None) -> httpx.Response:
        return httpx.post(f"{self.url}/api/v1/session", timeout=60, json={
            "username": who, "password": self.passwords[who] if password is None else password})

    def auth(self, who: str) -> dict[str, str]:
        answer = self.login(who)
        assert answer.status_code == 200, answer.text
        return {"Authorization": f"Bearer {answer.json()['token']}"}

    def failures(self, **by: str) -> int:
        with self.store.unit_of_work() as work:
            return work.accounts.failures(datetime(2000, 1, 1, tzinfo=UTC), **by)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[Site]:
    with live_server(request.param, tmp_path_factory.mktemp("logins"),
                     USERS | MORE_USERS) as (live, url):
        yield Site(live.url, live.store, url, live.passwords, live)


def test_concurrent_guesses_lock_the_user_until_an_administrator_unlocks(site: Site) -> None:
    admin, handler = site.auth("admin_county"), site.auth("county")  # signed in beforehand:
    # the guesses lock this address as well (every test request comes from 127.0.0.1)
    verified: list[str] = []
    real = accounts.verify_password

    def spy(password: str, stored: str) -> bool:
        verified.append(stored)
        return real(password, stored)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts, "verify_password", spy)
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda i: site.login("victim", f"wrong-{i}"),
                                    range(GUESSES)))
    assert {a.status_code for a in answers} <= {401, 429}
    assert len(verified) <= accounts.USER_FAILURES_MAX  # no more guesses were checked
    assert sum(a.status_code == 429 for a in answers) >= GUESSES - accounts.USER_FAILURES_MAX
    assert site.failures(username="victim") >= GUESSES  # every failed login is recorded
    locked = site.login("victim")  # the right password, after 40 wrong ones
    assert locked.status_code == 429, locked.text
    assert locked.json()["detail"]["reason"] == "locked"
    listed = httpx.get(f"{site.url}/api/v1/users", headers=admin).json()
    assert next(u for u in listed if u["username"] == "victim")["locked"] is True
    refused = httpx.post(f"{site.url}/api/v1/users/victim/unlock", headers=handler)
    assert refused.status_code == 403
    unlocked = httpx.post(f"{site.url}/api/v1/users/victim/unlock", headers=admin)
    assert unlocked.status_code == 204, unlocked.text
    assert site.login("victim").status_code == 200
    assert site.failures(username="victim") == 0  # cleared, still on record as failed rows


def test_the_unknown_user_path_checks_a_password_too(site: Site,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, str]] = []
    monkeypatch.setattr(accounts, "verify_password",
                        lambda password, stored: calls.append((password, stored)) is not None)
    assert site.login("nobody-here", "whatever-123").status_code == 401
    assert calls == [("whatever-123", accounts.dummy_hash())]
    assert calls[0][1].startswith("$argon2id$")  # the same kind of work as a known user's
    assert site.login("county", "not-the-password").status_code == 401
    assert len(calls) == 2 and calls[1][1].startswith("$argon2id$")


def test_a_scrypt_hash_becomes_argon2id_on_the_next_login(site: Site) -> None:
    password = site.passwords["legacy"]
    with site.store.unit_of_work() as work:
        work.accounts.set_password_hash("legacy", passwords.scrypt_hash(password))
        work.commit()
    assert site.login("legacy").status_code == 200
    with site.store.unit_of_work() as work:
        user = work.accounts.user("legacy")
    assert user is not None and user.password_hash.startswith("$argon2id$")
    assert not passwords.needs_rehash(user.password_hash)
    assert site.login("legacy").status_code == 200


def test_a_user_changes_their_password(site: Site) -> None:
    old, new = site.passwords["changer"], "新的口令-correct-horse-battery"
    headers = site.auth("changer")
    url = f"{site.url}/api/v1/session/password"
    wrong = httpx.post(url, json={"current": "nope", "new": new}, headers=headers, timeout=60)
    assert wrong.status_code == 401, wrong.text
    short = httpx.post(url, json={"current": old, "new": "short"}, headers=headers)
    assert short.status_code == 422 and short.json()["detail"]["reason"] == "invalid"
    done = httpx.post(url, json={"current": old, "new": new}, headers=headers, timeout=60)
    assert done.status_code == 204, done.text
    assert httpx.get(f"{site.url}/api/v1/persons", headers=headers).status_code == 401
    assert site.login("changer", old).status_code == 401
    assert site.login("changer", new).status_code == 200


def test_an_administrator_disables_a_user_in_scope(site: Site) -> None:
    headers = site.auth("leaver")
    other = httpx.post(f"{site.url}/api/v1/users/leaver/disable",
                       headers=site.auth("admin_other"))
    assert other.status_code == 404  # another county's administrator does not see the user
    assert httpx.post(f"{site.url}/api/v1/users/leaver/disable",
                      headers=site.auth("county")).status_code == 403
    done = httpx.post(f"{site.url}/api/v1/users/leaver/disable",
                      headers=site.auth("admin_city"))
    assert done.status_code == 204, done.text
    assert httpx.get(f"{site.url}/api/v1/persons", headers=headers).status_code == 401
    assert site.login("leaver").status_code == 401
    assert httpx.post(f"{site.url}/api/v1/users/leaver/enable",
                      headers=site.auth("admin_city")).status_code == 204
    assert site.login("leaver").status_code == 200


def test_the_command_line_disables_enables_and_unlocks(site: Site,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YIBAO_DATABASE_URL", site.database_url)
    runner = CliRunner()
    disabled = runner.invoke(cli, ["user", "disable", "crowd"])
    assert disabled.exit_code == 0, disabled.output
    assert site.login("crowd").status_code == 401
    assert runner.invoke(cli, ["user", "enable", "crowd"]).exit_code == 0
    assert runner.invoke(cli, ["user", "disable", "nobody-here"]).exit_code == 1
    for i in range(accounts.USER_FAILURES_MAX):
        site.login("crowd", f"wrong-{i}")
    assert site.login("crowd").status_code == 429
    unlocked = runner.invoke(cli, ["user", "unlock", "crowd"])
    assert unlocked.exit_code == 0, unlocked.output
    assert site.login("crowd").status_code == 200


def _console(site: Site, who: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=site.url, timeout=60)
    answer = client.post("/console/login", data={"username": who,
                                                 "password": site.passwords[who]})
    assert answer.status_code == 303, answer.text
    token = client.cookies.get("yibao_console")
    assert token is not None
    return client, csrf_of(token)


def test_the_console_changes_a_password_and_manages_users(site: Site) -> None:
    client, csrf = _console(site, "admin_county")
    try:
        page = client.get("/console/users")
        assert page.status_code == 200 and "leaver" in page.text and "crowd" in page.text
        assert "admin_other" not in page.text  # another county's user is out of scope
        done = client.post("/console/users/crowd/disable", data={"csrf": csrf})
        assert done.status_code == 200 and "已停用" in done.text
        assert site.login("crowd").status_code == 401
        client.post("/console/users/crowd/enable", data={"csrf": csrf})
    finally:
        client.close()
    assert site.login("crowd").status_code == 200
    client, csrf = _console(site, "crowd")
    try:
        assert client.get("/console/users").status_code == 403
        new = "another-long-password-2026"
        changed = client.post("/console/account", data={
            "csrf": csrf, "current": site.passwords["crowd"], "new": new, "again": new})
        assert changed.status_code == 303, changed.text
    finally:
        client.close()
    assert site.login("crowd", new).status_code == 200
    site.passwords["crowd"] = new


def test_the_write_log_is_scoped(site: Site) -> None:
    def log(who: str) -> list[dict[str, Any]]:
        answer = httpx.get(f"{site.url}/api/v1/write-log", params={"limit": 500},
                           headers=site.auth(who))
        assert answer.status_code == 200, answer.text
        return list(answer.json()["items"])

    registered = site.live.call("2201", {"data": {  # a national write by a 511623 hospital
        "psn_no": RESIDENT, "insutype": "390", "begntime": "2024-03-09 08:00:00",
        "ipt_otp_no": "LOG-SCOPE-1"}})
    assert registered.json()["infcode"] == 0, registered.text
    county, other, city = log("admin_county"), log("admin_other"), log("admin_city")
    assert any(e["action"] == "if.2201" and e["region"] == "511623" for e in county)
    assert not any(e["action"].startswith("if.") for e in other)
    assert county and all((e["region"] or "").startswith("511623") for e in county)
    assert {"victim", "leaver"} <= {e["target"] for e in county if e["action"] == "user.add"}
    assert all((e["region"] or "").startswith("511602") for e in other)
    assert not {e["target"] for e in other} & {"victim", "leaver", "county"}
    assert {e["region"] for e in city} >= {"511623", "511602"}
    assert len(log("admin")) >= len(city) >= len(county)  # the province sees all of them


def test_one_address_is_throttled_across_users(site: Site) -> None:
    for i in range(accounts.ADDRESS_FAILURES_MAX + 1):
        site.login("county" if i % 2 else "city", f"wrong-{i}")
    assert site.login("province").status_code == 429  # the right password, from that address
    runner = CliRunner()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("YIBAO_DATABASE_URL", site.database_url)
        done = runner.invoke(cli, ["user", "unlock", "--address", "127.0.0.1"])
    assert done.exit_code == 0, done.output
    assert site.login("province").status_code == 200
