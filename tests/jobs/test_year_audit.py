"""With injected abuse, the year job runs the rule base and the detectors over the year and its
report shows hits by rule, recoveries by institution, suspicious providers and the evaluation;
it opens the audit cases of its hits in the store (SQLite and PostgreSQL), once per hit."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from tests.postgres import postgres_database
from tests.store.fixtures import BACKENDS
from yibao.jobs.year import run_year
from yibao.services import cases
from yibao.services.sim import run_sim
from yibao.sim.abuse import default_rates
from yibao.store import Store

Outcome = tuple[dict[str, Any], str, str]


@pytest.fixture(scope="module", params=BACKENDS)
def outcome(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[Outcome]:
    """The report, its page and the store's URL (the job's own SQLite file, or PostgreSQL)."""
    folder = tmp_path_factory.mktemp("audited")
    run_sim("linshui-2020", 0.005, 11, folder / "sim", default_rates())
    with contextlib.ExitStack() as stack:
        db = stack.enter_context(postgres_database()) if request.param == "postgres" else None
        done = run_year(folder / "sim", folder / "report", db=db)
        document = json.loads(done.json_path.read_text(encoding="utf-8"), parse_float=Decimal)
        yield (document, done.html_path.read_text(encoding="utf-8"),
               db or f"sqlite:///{folder / 'var' / 'year.db'}")


def test_audit_block(outcome: Outcome) -> None:
    audit = outcome[0]["audit"]
    assert isinstance(audit, dict)
    assert audit["hits_total"] == sum(r["hits"] for r in audit["hits_by_rule"])
    assert Decimal(str(audit["recovered_total"])) == sum(
        (Decimal(str(r["amount"])) for r in audit["recoveries"]), Decimal(0))
    assert audit["rules"] and {"recall", "precision"} <= set(next(iter(audit["rules"].values())))
    assert 0 <= audit["detectors"]["provider_auc"] <= 1
    assert audit["top_providers"] and all(p["why"] for p in audit["top_providers"])


def test_report_sections(outcome: Outcome) -> None:
    page = outcome[1]
    for title in ("基金监管：规则命中", "基金监管：按机构追回金额", "基金监管：可疑机构",
                  "基金监管：评估"):
        assert title in page


def test_the_year_job_opens_the_cases_of_its_hits_once(outcome: Outcome) -> None:
    """The queue holds the year's cases (it stayed empty, and `open_cases` raised KeyError
    'visit' on the bulk-loaded year); opening them again opens nothing new."""
    document, _page, url = outcome
    block = document["store"]
    assert block["cases_hits"] == document["audit"]["hits_total"] > 0
    assert block["cases_opened"] > 0 and block["cases_existing"] == 0
    store = Store(url)
    try:
        again = cases.open_cases("511623", 2020, actor="test", store=store)
        assert isinstance(again, cases.Opened), again
        assert again.opened == 0
        with store.engine.connect() as connection:
            held = connection.exec_driver_sql("SELECT count(*) FROM audit_cases").scalar_one()
        assert held == block["cases_opened"]
    finally:
        store.dispose()
