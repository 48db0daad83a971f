"""`yibao user add` and `yibao institution add` work on a fresh database, as a new user first
meets them: the schema is created, a password or secret is printed once, none is a default."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from yibao.cli import app

runner = CliRunner()


def test_user_add_without_a_name_on_a_fresh_database(fresh_db: Path) -> None:
    first = runner.invoke(app, ["user", "add", "--role", "director", "--region", "511623"])
    assert first.exit_code == 0, first.output
    assert fresh_db.is_file()
    password = first.stdout.strip().splitlines()[-1]
    assert len(password) >= 12
    second = runner.invoke(app, ["user", "add", "--role", "director", "--region", "511623"])
    assert second.exit_code == 0, second.output
    assert second.stdout.strip().splitlines()[-1] != password  # generated, never a default


def test_named_user_twice_is_refused(fresh_db: Path) -> None:
    args = ["user", "add", "handler1", "--role", "handler", "--region", "511623"]
    assert runner.invoke(app, args).exit_code == 0
    again = runner.invoke(app, args)
    assert again.exit_code == 1
    assert "handler1" in again.output


def test_institution_add_on_a_fresh_database(fresh_db: Path) -> None:
    result = runner.invoke(app, ["institution", "add", "H51162300001"])
    assert result.exit_code == 0, result.output
    assert len(result.stdout.strip().splitlines()[-1]) >= 20
