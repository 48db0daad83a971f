"""`yibao opsp certify | refuse | revoke | list | expiring | import-health` on both backends:
what is printed, exit status 2 with one zh-CN sentence for bad input, nothing written then."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.services.population import CITY, HOSPITAL, RESIDENT
from yibao.cli import app
from yibao.opsp.model import CertState
from yibao.services.offsite import beijing_today
from yibao.services.opsp import HEALTH_HEADER, certifications_of
from yibao.store import Store

runner = CliRunner()


@pytest.fixture
def cli_store(now_populated: Store, monkeypatch: pytest.MonkeyPatch) -> Store:
    monkeypatch.setenv("YIBAO_DATABASE_URL", now_populated.url)
    return now_populated


def _args(command: str, *extra: str, disease: str = "M03900", icd10: str = "I10") -> list[str]:
    return ["opsp", command, "--psn-no", RESIDENT, "--disease", disease, "--icd10", icd10,
            "--institution", HOSPITAL, "--doctor", "李医生", *extra]


def _written(store: Store) -> list[str]:
    found = certifications_of(RESIDENT, store=store)
    assert isinstance(found, list)
    return [c.cert.cert_id for c in found]


def test_certify_list_expiring_and_revoke(cli_store: Store) -> None:
    today = beijing_today()
    done = runner.invoke(app, _args("certify"))
    assert done.exit_code == 0, done.output
    assert "已认定" in done.output and "opsp_certifications" in done.output
    (cert_id,) = _written(cli_store)
    assert cert_id in done.output and today.isoformat() in done.output
    listing = runner.invoke(app, ["opsp", "list", "--psn-no", RESIDENT])
    assert listing.exit_code == 0 and cert_id in listing.output and "有效" in listing.output
    # 24 months less a day from today: listed within 731 days, not within 30
    none = runner.invoke(app, ["opsp", "expiring", "--days", "30"])
    assert none.exit_code == 0 and "没有到期" in none.output
    found = certifications_of(RESIDENT, store=cli_store)
    assert isinstance(found, list) and found[0].cert.valid_until is not None
    days = (found[0].cert.valid_until - today).days
    soon = runner.invoke(app, ["opsp", "expiring", "--days", str(days)])
    assert soon.exit_code == 0 and cert_id in soon.output
    revoked = runner.invoke(app, ["opsp", "revoke", cert_id])
    assert revoked.exit_code == 0 and "已撤销认定" in revoked.output, revoked.output
    again = runner.invoke(app, ["opsp", "revoke", cert_id])
    assert again.exit_code == 2 and "不能撤销" in again.output


def test_refuse_records_an_application(cli_store: Store) -> None:
    done = runner.invoke(app, _args("refuse", "--reason", "未达认定标准"))
    assert done.exit_code == 0, done.output
    found = certifications_of(RESIDENT, store=cli_store)
    assert isinstance(found, list) and [c.state for c in found] == [CertState.REFUSED]
    assert "未达认定标准" in done.output


@pytest.mark.parametrize(("args", "words"), [
    (_args("certify", disease="M99999"), "病种 'M99999'"),
    (_args("certify", icd10="E11.9"), "诊断 E11.9"),
    (_args("certify", icd10="blood"), "诊断编码"),
    (_args("certify", "--date", "2024-13-01"), "认定生效日期"),
    (_args("refuse", "--reason", " "), "原因不能为空"),
    (["opsp", "list", "--psn-no", "110101199001011234"], "没有参保人"),
    (["opsp", "expiring", "--days", "-3"], "天数"),
    (["opsp", "revoke", "C000"], "没有认定"),
])
def test_bad_input_is_one_sentence_exit_2_and_nothing_written(cli_store: Store,
                                                              args: list[str],
                                                              words: str) -> None:
    done = runner.invoke(app, args)
    assert done.exit_code == 2, done.output
    assert words in done.output and "Traceback" not in done.output
    assert _written(cli_store) == []


def _health(folder: Path, rows: list[str], header: str = ",".join(HEALTH_HEADER)) -> Path:
    path = folder / "health.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_import_health_certifies_and_reports_refused_rows(cli_store: Store,
                                                          tmp_path: Path) -> None:
    day = (beijing_today() - timedelta(days=3)).isoformat()
    path = _health(tmp_path, [
        f"{RESIDENT},M03900,I10.x00,{day},{HOSPITAL}",
        f"{RESIDENT},M01600,E11.900,{day},{HOSPITAL}",
        f"{RESIDENT},M03900,I11.0,{day},{HOSPITAL}",    # already certified (row 2)
        f"{RESIDENT},M00500,C50.9,{day},{HOSPITAL}",    # not a 两病 disease
        f"{RESIDENT},M01600,I10,{day},{HOSPITAL}",      # diagnosis not 糖尿病
        f"{CITY},M03900,I10,{day},{HOSPITAL}",          # 511602 ships no list
        f"110101199001011234,M03900,I10,{day},{HOSPITAL}",
    ])
    done = runner.invoke(app, ["opsp", "import-health", str(path)])
    assert done.exit_code == 0, done.output
    found = certifications_of(RESIDENT, store=cli_store)
    assert isinstance(found, list)
    assert sorted(c.cert.disease for c in found) == ["M01600", "M03900"]
    assert all(c.cert.valid_from is not None and c.cert.valid_from.isoformat() == day
               for c in found)
    for line, reason in ((4, "already_certified"), (5, "disease_not_listed"),
                         (6, "diagnosis_not_listed"), (7, "disease_not_listed"),
                         (8, "not_found")):
        assert f"第 {line} 行" in done.output and reason in done.output, (line, done.output)
    assert "认定 2 人次，未认定 5 行" in done.output
    again = runner.invoke(app, ["opsp", "import-health", str(path)])
    assert again.exit_code == 0 and "认定 0 人次" in again.output  # a rerun adds nothing


@pytest.mark.parametrize(("header", "row", "words"), [
    ("id_number,disease,icd10,diagnosed_on", "{p},M03900,I10,{d}", "表头"),
    (None, "{p},M03900,I10,{d}", "应有 5 列"),
    (None, "{p},M03900,I10,2024/01/01,{h}", "确诊日期"),
    (None, "{p},M03900,高血压,{d},{h}", "诊断编码"),
])
def test_a_malformed_file_writes_nothing(cli_store: Store, tmp_path: Path, header: str | None,
                                         row: str, words: str) -> None:
    day = beijing_today().isoformat()
    good = f"{RESIDENT},M01600,E11.900,{day},{HOSPITAL}"
    bad = row.format(p=RESIDENT, d=day, h=HOSPITAL)
    path = _health(tmp_path, [good, bad], header or ",".join(HEALTH_HEADER))
    done = runner.invoke(app, ["opsp", "import-health", str(path)])
    assert done.exit_code == 2, done.output
    assert words in done.output and "Traceback" not in done.output
    assert _written(cli_store) == []


def test_a_file_not_utf8_or_missing_is_refused(cli_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    path.write_bytes((",".join(HEALTH_HEADER) + "\n" + "张三").encode("gbk"))
    done = runner.invoke(app, ["opsp", "import-health", str(path)])
    assert done.exit_code == 2 and "UTF-8" in done.output
    missing = runner.invoke(app, ["opsp", "import-health", str(tmp_path / "none.csv")])
    assert missing.exit_code == 2 and "无法读取" in missing.output
