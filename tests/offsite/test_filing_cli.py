"""`yibao offsite file | revoke | list` on both backends: what is printed, exit status 2 with one
zh-CN sentence for bad input, and nothing written then."""

from __future__ import annotations

from datetime import timedelta

import pytest
from typer.testing import CliRunner

from tests.services.population import CITY, RESIDENT
from yibao.cli import app
from yibao.services.offsite import beijing_today, filings_of
from yibao.store import Store

runner = CliRunner()


@pytest.fixture
def cli_store(now_populated: Store, monkeypatch: pytest.MonkeyPatch) -> Store:
    monkeypatch.setenv("YIBAO_DATABASE_URL", now_populated.url)
    return now_populated


def _file(*args: str) -> list[str]:
    return ["offsite", "file", "--psn-no", RESIDENT, *args]


def test_file_list_and_revoke(cli_store: Store) -> None:
    today = beijing_today().isoformat()
    done = runner.invoke(app, _file("--type", "referral", "--area", "510100", "--start", today))
    assert done.exit_code == 0, done.output
    assert "异地转诊人员" in done.output and "510100" in done.output and today in done.output
    assert "offsite_filings" in done.output
    long_term = runner.invoke(app, _file("--type", "异地长期居住人员", "--area", "500000",
                                         "--start", today))
    assert long_term.exit_code == 0, long_term.output
    assert "长期有效" in long_term.output
    found = filings_of(RESIDENT, store=cli_store)
    assert isinstance(found, list) and len(found) == 2
    listing = runner.invoke(app, ["offsite", "list", "--psn-no", RESIDENT])
    assert listing.exit_code == 0, listing.output
    assert all(f.filing.filing_id in listing.output for f in found)
    referral = next(f.filing.filing_id for f in found if f.filing.end is not None)
    revoked = runner.invoke(app, ["offsite", "revoke", referral])
    assert revoked.exit_code == 0, revoked.output
    assert f"已撤销备案 {referral}" in revoked.output
    again = runner.invoke(app, ["offsite", "revoke", referral])
    assert again.exit_code == 2 and "已于" in again.output and "Traceback" not in again.output
    # A long-term filing that has begun is not revoked before the policy's minimum.
    kept = next(f.filing.filing_id for f in found if f.filing.end is None)
    too_soon = runner.invoke(app, ["offsite", "revoke", kept])
    assert too_soon.exit_code == 2 and "须满" in too_soon.output


@pytest.mark.parametrize(("args", "word"), [
    (("--type", "abroad", "--area", "510100"), "备案类型"),
    (("--type", "referral", "--area", "5101"), "就医地"),
    (("--type", "referral", "--area", "511623"), "本地就医无需备案"),
    (("--type", "referral", "--area", "510100", "--no-promise"), "材料"),
])
def test_bad_input_is_one_sentence_and_writes_nothing(cli_store: Store, args: tuple[str, ...],
                                                      word: str) -> None:
    result = runner.invoke(app, _file(*args, "--start", beijing_today().isoformat()))
    assert result.exit_code == 2, result.output
    assert word in result.output and "Traceback" not in result.output
    assert filings_of(RESIDENT, store=cli_store) == []


def test_bad_dates_and_people_exit_2(cli_store: Store) -> None:
    yesterday = (beijing_today() - timedelta(days=1)).isoformat()
    cases = [(_file("--type", "referral", "--area", "510100", "--start", "2024/01/01"), "开始日期"),
             (_file("--type", "referral", "--area", "510100", "--start", yesterday), "补办"),
             (["offsite", "file", "--psn-no", "110101199001011234", "--type", "referral",
               "--area", "510100", "--start", beijing_today().isoformat()], "没有参保人"),
             (["offsite", "list", "--psn-no", "110101199001011234"], "没有参保人"),
             (["offsite", "revoke", "FNOPE"], "没有备案")]
    for args, word in cases:
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert word in result.output, (args, result.output)
    assert filings_of(RESIDENT, store=cli_store) == []
    assert filings_of(CITY, store=cli_store) == []
