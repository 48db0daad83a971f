"""Problems a person can fix end a command with one zh-CN sentence and exit status 2, never a
traceback: a missing policy file, an unreachable or unsupported database for `serve`, a SQLite
folder that cannot be created (a missing one is created), `year` into a database that already
holds the year's institutions (SQLite and PostgreSQL), a missing DRG rule pack; and a GBK CSV
(as Excel saves it on a Chinese Windows) imports like a UTF-8 one on both backends, while bytes
that are neither are refused with what to do."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from typer.testing import CliRunner, Result

from tests.store.fixtures import backend, make_store, store, templates
from yibao.cli import app
from yibao.cli.progress import console
from yibao.server import logs
from yibao.services.sim import run_sim
from yibao.store import Store

__all__ = ["backend", "make_store", "store", "templates"]

runner = CliRunner()
EXAMPLE = Path(__file__).parents[2] / "src/yibao/examples/01-resident-inpatient-dibao.json"
INSTITUTIONS = "code,name,level,region\nH51162300001,邻水县人民医院,2,511623\n"
PEOPLE = ("id_number,name,household_id,scheme,psn_type,region,year,groups\n"
          "511623196103010136,李四,HH1,390,resident,511623,2024,dibao\n")


@pytest.fixture(autouse=True)
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(console, "width", 400)
    for name in ("YIBAO_DATABASE_URL", "YIBAO_DRG_RULES", "YIBAO_DRG_PAYMENT"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def no_server(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, object]]:
    """`uvicorn.run` replaced by a recorder, so `serve` returns once the database is ready (and
    the JSON log handlers left alone: they would hold the runner's closed stderr)."""
    calls: list[dict[str, object]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append(kwargs))
    monkeypatch.setattr(logs, "configure", lambda level: {})
    return calls


def _fails_cleanly(result: Result, *words: str) -> str:
    """Exit status 2, no exception but the exit, and one line that says all of `words`."""
    assert result.exit_code == 2, (result.output, result.exception)
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert any(all(w in line for w in words) for line in lines), result.output
    return result.output


def test_settle_with_a_missing_policy_file() -> None:
    args = ["settle", "--input", str(EXAMPLE), "--policy-file", "/nope.toml"]
    result = runner.invoke(app, args)
    _fails_cleanly(result, "/nope.toml", "政策文件不存在")
    error = json.loads(result.stdout)["error"]
    assert error["field"] == "--policy-file" and "/nope.toml" in error["message"]


def test_batch_settle_with_a_missing_policy_file(tmp_path: Path) -> None:
    batch = tmp_path / "in.jsonl"
    batch.write_text(EXAMPLE.read_text(encoding="utf-8").replace("\n", "") + "\n")
    args = ["settle", "--batch", str(batch), "--out", str(tmp_path / "out.jsonl"),
            "--policy-file", "/nope.toml"]
    _fails_cleanly(runner.invoke(app, args), "/nope.toml", "政策文件不存在")
    assert not (tmp_path / "out.jsonl").exists()


@pytest.mark.parametrize(("url", "words"), [
    ("postgresql://127.0.0.1:1/yibao", ("无法使用数据库", "127.0.0.1:1", "已启动")),
    ("mysql://user@127.0.0.1/yibao", ("不支持的数据库 URL", "mysql", "PostgreSQL")),
    ("postgresql+psycopg2://user@127.0.0.1/yibao", ("不支持的数据库 URL", "psycopg2")),
    ("not a url", ("数据库 URL 无效", "sqlite:///")),
])
def test_serve_refuses_a_database_it_cannot_use(
        url: str, words: tuple[str, ...], monkeypatch: pytest.MonkeyPatch,
        no_server: list[dict[str, object]]) -> None:
    monkeypatch.setenv("YIBAO_DATABASE_URL", url)
    _fails_cleanly(runner.invoke(app, ["serve", "--port", "8799"]), *words)
    assert no_server == []


@pytest.mark.parametrize(("url", "words"), [
    ("mysql://user@127.0.0.1/yibao", ("不支持的数据库 URL", "mysql")),
    ("not a url", ("数据库 URL 无效",)),
])
def test_any_database_command_refuses_an_unsupported_url(
        url: str, words: tuple[str, ...], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YIBAO_DATABASE_URL", url)
    (tmp_path / "i.csv").write_text(INSTITUTIONS, encoding="utf-8")
    _fails_cleanly(runner.invoke(app, ["enroll", "institutions", str(tmp_path / "i.csv")]), *words)
    _fails_cleanly(runner.invoke(app, ["fund", "check"]), *words)


def test_serve_creates_the_folder_of_its_sqlite_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        no_server: list[dict[str, object]]) -> None:
    path = tmp_path / "new" / "deeper" / "yibao.db"
    monkeypatch.setenv("YIBAO_DATABASE_URL", f"sqlite:///{path}")
    result = runner.invoke(app, ["serve", "--port", "8799"])
    assert result.exit_code == 0, result.output
    assert path.is_file() and len(no_server) == 1


def test_serve_says_when_the_sqlite_folder_cannot_be_made(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        no_server: list[dict[str, object]]) -> None:
    (tmp_path / "plain-file").write_text("not a folder")
    monkeypatch.setenv("YIBAO_DATABASE_URL", f"sqlite:///{tmp_path / 'plain-file/sub/y.db'}")
    _fails_cleanly(runner.invoke(app, ["serve"]), "无法创建或打开 SQLite 数据库文件", "plain-file")
    assert no_server == []


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("sim")
    run_sim("linshui-2020", 0.005, 5, folder)
    yield folder


def test_year_into_a_database_that_holds_its_institutions(
        sim: Path, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YIBAO_DATABASE_URL", store.url)
    (tmp_path / "i.csv").write_text(INSTITUTIONS, encoding="utf-8")
    assert runner.invoke(app, ["enroll", "institutions", str(tmp_path / "i.csv")]).exit_code == 0
    result = runner.invoke(app, ["year", "--data", str(sim), "--report", str(tmp_path / "r")])
    _fails_cleanly(result, "已登记定点医药机构 H51162300001", "--db")


def test_year_without_a_usable_rule_pack(
        sim: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YIBAO_DRG_RULES", str(tmp_path / "no-pack"))
    result = runner.invoke(app, ["year", "--data", str(sim), "--report", str(tmp_path / "r"),
                                 "--db", f"sqlite:///{tmp_path / 'y.db'}"])
    _fails_cleanly(result, "DRG 规则包不可用", "YIBAO_DRG_RULES", "no-pack")


@pytest.mark.parametrize("command", ["institutions", "import"])
def test_a_gbk_csv_is_read_as_gbk(
        command: str, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YIBAO_DATABASE_URL", store.url)
    text = INSTITUTIONS if command == "institutions" else PEOPLE
    (tmp_path / "f.csv").write_bytes(text.encode("gbk"))
    result = runner.invoke(app, ["enroll", command, str(tmp_path / "f.csv")])
    assert result.exit_code == 0, result.output
    assert "按 GBK 编码读取" in result.output and "读入 1 行" in result.output
    with store.unit_of_work() as uow:
        if command == "institutions":
            held = uow.registry.institution("H51162300001")
            assert held is not None and held.name == "邻水县人民医院"
        else:
            person = uow.registry.person("511623196103010136")
            assert person is not None and person.name == "李四"


def test_bytes_neither_utf8_nor_gbk_are_refused(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YIBAO_DATABASE_URL", f"sqlite:///{tmp_path / 'y.db'}")
    (tmp_path / "f.csv").write_bytes(b"code,name\n\xff\xfe\x80\n")
    result = runner.invoke(app, ["enroll", "institutions", str(tmp_path / "f.csv")])
    _fails_cleanly(result, "既不是 UTF-8 也不是 GBK", "另存为")


def test_a_write_that_loses_every_race_is_one_sentence(store: Store,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """`Conflict` (every attempt of `Store.transaction` lost to concurrent writes) ends a
    command with the zh-CN 'try again' sentence and status 2, not a traceback."""
    from sqlalchemy.exc import IntegrityError

    from yibao.cli import fund

    def lose(_uow: object) -> None:
        raise IntegrityError("INSERT …", {}, Exception("duplicate key (concurrent)"))

    monkeypatch.setattr(fund, "repair_overdrafts",
                        lambda *_a, **_k: store.transaction(lose))
    result = runner.invoke(app, ["fund", "repair", "--region", "511623", "--commit"])
    assert result.exit_code == 2, result.output
    assert "冲突" in result.output and "重试" in result.output
    assert "Traceback" not in result.output
