"""With injected abuse, the year job runs the rule base and the detectors over the year and its
report shows hits by rule, recoveries by institution, suspicious providers and the evaluation."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from yibao.jobs.year import run_year
from yibao.services.sim import run_sim
from yibao.sim.abuse import default_rates


@pytest.fixture(scope="module")
def outcome(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, object], str]:
    folder = tmp_path_factory.mktemp("audited")
    run_sim("linshui-2020", 0.005, 11, folder / "sim", default_rates())
    done = run_year(folder / "sim", folder / "report")
    document = json.loads(done.json_path.read_text(encoding="utf-8"), parse_float=Decimal)
    return document, done.html_path.read_text(encoding="utf-8")


def test_audit_block(outcome: tuple[dict[str, object], str]) -> None:
    audit = outcome[0]["audit"]
    assert isinstance(audit, dict)
    assert audit["hits_total"] == sum(r["hits"] for r in audit["hits_by_rule"])
    assert Decimal(str(audit["recovered_total"])) == sum(
        (Decimal(str(r["amount"])) for r in audit["recoveries"]), Decimal(0))
    assert audit["rules"] and {"recall", "precision"} <= set(next(iter(audit["rules"].values())))
    assert 0 <= audit["detectors"]["provider_auc"] <= 1
    assert audit["top_providers"] and all(p["why"] for p in audit["top_providers"])


def test_report_sections(outcome: tuple[dict[str, object], str]) -> None:
    page = outcome[1]
    for title in ("基金监管：规则命中", "基金监管：按机构追回金额", "基金监管：可疑机构",
                  "基金监管：评估"):
        assert title in page
