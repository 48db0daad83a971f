"""`yibao account bind | unbind | list` on both backends: what is printed, exit status 2 with
one zh-CN sentence for bad input, and nothing written then."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from tests.services.population import CITY, LAPSED, RESIDENT, WORKER
from yibao.cli import app
from yibao.services.family import bindings_of
from yibao.services.offsite import beijing_today
from yibao.store import Store

runner = CliRunner()


@pytest.fixture
def cli_store(now_populated: Store, monkeypatch: pytest.MonkeyPatch) -> Store:
    monkeypatch.setenv("YIBAO_DATABASE_URL", now_populated.url)
    return now_populated


def _bind(member: str, relation: str) -> list[str]:
    return ["account", "bind", "--holder", WORKER, "--member", member, "--relation", relation]


def test_bind_list_and_unbind(cli_store: Store) -> None:
    today = beijing_today().isoformat()
    done = runner.invoke(app, _bind(RESIDENT, "spouse"))
    assert done.exit_code == 0, done.output
    assert "已绑定" in done.output and "配偶" in done.output and today in done.output
    assert "family_bindings" in done.output
    listing = runner.invoke(app, ["account", "list", "--psn-no", WORKER])
    assert listing.exit_code == 0, listing.output
    assert RESIDENT in listing.output and "配偶" in listing.output
    ended = runner.invoke(app, ["account", "unbind", "--holder", WORKER, "--member", RESIDENT])
    assert ended.exit_code == 0, ended.output
    assert f"至 {today} 解除" in ended.output
    found = bindings_of(RESIDENT, store=cli_store)
    assert isinstance(found, list) and len(found) == 1 and found[0].binding.end is not None
    nothing = runner.invoke(app, ["account", "list", "--psn-no", CITY])
    assert nothing.exit_code == 0 and "没有家庭共济绑定" in nothing.output


@pytest.mark.parametrize(("args", "words"), [
    (_bind(RESIDENT, "uncle"), "关系"),
    (_bind(WORKER, "spouse"), "同一人"),
    (_bind(LAPSED, "child"), "没有有效参保"),
    (["account", "bind", "--holder", RESIDENT, "--member", CITY, "--relation", "child"],
     "职工医保"),
    (_bind("12345678901234567890123456789012345", "child"), "共济人员"),
    (["account", "unbind", "--holder", WORKER, "--member", CITY], "没有有效的家庭共济绑定"),
    (["account", "list", "--psn-no", "110101199001011234"], "没有参保人"),
])
def test_bad_input_exits_2_and_writes_nothing(cli_store: Store, args: list[str],
                                              words: str) -> None:
    done = runner.invoke(app, args)
    assert done.exit_code == 2, done.output
    assert words in done.output and "Traceback" not in done.output
    assert len(done.output.strip().splitlines()) == 1, done.output
    for person in (WORKER, RESIDENT, CITY):
        assert bindings_of(person, store=cli_store) == []
