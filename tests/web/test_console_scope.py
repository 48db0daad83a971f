"""The console enforces the API's scope and roles: a user of another region is refused (403
page) for persons, settlements and cases of a county not theirs; pages need a session; forms
need the session's CSRF token; logout ends the session."""

from __future__ import annotations

import httpx

from tests.web.conftest import Console


def test_pages_need_a_session(console: Console) -> None:
    answer = httpx.get(f"{console.url}/console/", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/console/login"
    wrong = httpx.post(f"{console.url}/console/login",
                       data={"username": "county", "password": "guess"})
    assert wrong.status_code == 401 and "登录" in wrong.text


def test_other_region_is_refused(console: Console) -> None:
    other = console.login("other")
    for page in (f"/console/persons/{console.resident}",
                 f"/console/settlements/{console.setl_id}"):
        answer = other.get(page)
        assert answer.status_code == 403, page
        assert "管辖范围" in answer.text and "张三" not in answer.text
    county = console.login("auditor")
    case_id = county.get("/console/cases").text.split("/console/cases/")[1].split("'")[0]
    assert other.get(f"/console/cases/{case_id}").status_code == 403
    assert "没有稽核案件" in other.get("/console/cases").text
    assert other.get(f"/console/persons/{console.city}").status_code == 200


def test_roles_as_in_the_api(console: Console) -> None:
    handler = console.login("county")
    assert handler.get("/console/cases").status_code == 200
    assert console.login("finance").get("/console/cases").status_code == 403
    assert handler.get(f"/console/persons/{console.city}").status_code == 403
    assert handler.get("/console/persons", params={"q": "吴十"}).text.count(console.city) == 0
    director = console.login("director")
    assert director.get(f"/console/persons/{console.city}").status_code == 200
    assert "基金账本" in director.get("/console/").text


def test_forms_need_the_csrf_token_and_logout_ends_the_session(console: Console) -> None:
    client = console.login("county")
    assert client.post("/console/logout", data={"csrf": "forged"}).status_code == 400
    page = client.get("/console/").text
    token = page.split("name='csrf' value='")[1].split("'")[0]
    assert client.post("/console/logout", data={"csrf": token}).status_code == 303
    client.cookies.clear()
    assert client.get("/console/").status_code == 303


def test_dashboard_and_drg_render_the_report(console: Console) -> None:
    client = console.login("county")
    page = client.get("/console/").text
    assert "主要指标" in page and "累计结余" in page and "<svg" in page
    drg = client.get("/console/drg").text
    assert "邻水县人民医院" in drg and "广安市人民医院" not in drg  # scope of the hospitals
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "")
