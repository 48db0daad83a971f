"""One year, one set of figures: after `yibao year`, every figure the bureau API's
`/api/v1/indicators` shows for the year equals the report's (`indicators.json`), the DRG share
above all (it answered 0.0000 while the report said ~0.8, as the year job stored no settlement
lists), and the DRG results API and console page list the year's stays with their group, trace
and payment method (SQLite and PostgreSQL)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.postgres import postgres_database
from tests.serving import serving
from tests.store.fixtures import BACKENDS
from yibao.jobs.year import run_year
from yibao.server.app import create_app
from yibao.services import accounts
from yibao.services.sim import run_sim
from yibao.store import Store

#: The report's `cost_by_level` rows by the API's med_type.
MED_TYPES = {"11": "普通门诊", "14": "门诊慢特病", "21": "住院"}


@dataclass
class Year:
    report: dict[str, Any]
    url: str
    password: str

    @contextlib.contextmanager
    def session(self) -> Iterator[httpx.Client]:
        """A client signed in to the API as the province's director."""
        with httpx.Client(base_url=self.url, timeout=60) as client:
            token = client.post("/api/v1/session", json={
                "username": "director", "password": self.password}).json()["token"]
            client.headers["Authorization"] = f"Bearer {token}"
            yield client


@pytest.fixture(scope="module", params=BACKENDS)
def year(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[Year]:
    folder = tmp_path_factory.mktemp("agrees")
    run_sim("linshui-2020", 0.005, 5, folder / "sim")
    with contextlib.ExitStack() as stack:
        db = (stack.enter_context(postgres_database()) if request.param == "postgres"
              else f"sqlite:///{folder / 'year.db'}")
        done = run_year(folder / "sim", folder / "report", db=db, replay=5)
        store = Store(db)
        stack.callback(store.dispose)
        issued = accounts.add_user("director", "director", "510000", actor="test", store=store)
        assert isinstance(issued, accounts.Issued)
        patch = stack.enter_context(pytest.MonkeyPatch.context())
        patch.setenv("YIBAO_REPORT_DIR", str(folder / "report"))
        base = stack.enter_context(serving(create_app(store)))
        yield Year(json.loads(done.json_path.read_text(encoding="utf-8"), parse_float=Decimal),
                   base, issued.secret)


def test_the_api_indicators_are_the_reports(year: Year) -> None:
    report = year.report
    with year.session() as client:
        answer = client.get("/api/v1/indicators", params={"year": report["year"]})
    assert answer.status_code == 200, answer.text
    shown = answer.json()
    share = Decimal(str(report["inpatient_cost_share_drg"]))
    assert share > Decimal("0.5")  # most stays are local and paid by DRG points
    for key in ("inpatient_cost_share_drg", "inpatient_inscp_ratio_employee",
                "inpatient_inscp_ratio_resident", "assistance_ratio_key_groups"):
        assert Decimal(shown[key]) == Decimal(str(report[key])), key
        assert Decimal(shown[key]) > 0, key
    by_type = {row["med_type"]: row for row in shown["by_med_type"]}
    assert sum(row["settlements"] for row in by_type.values()) == report["visits"]
    assert by_type["21"]["settlements"] == report["inpatient_stays"]
    for med_type, name in MED_TYPES.items():
        expected = sum(Decimal(str(v)) for v in report["cost_by_level"][name])
        assert Decimal(by_type[med_type]["medfee_sumamt"]) == expected, name


def test_the_drg_results_list_the_years_stays(year: Year) -> None:
    report = year.report
    stays = report["inpatient_stays"]
    with year.session() as client:
        page = client.get("/api/v1/drg/results", params={"year": report["year"], "limit": 500})
        assert page.status_code == 200, page.text
        listed = page.json()
        assert listed["total"] == stays == sum(report["drg"]["grouping"].values())
        assert report["store"]["lists"] == stays
        first = listed["items"][0]
        assert first["trace"] and first["drg"] and first["payment_method"] in {
            "drg", "per_diem", "fee_for_service"}
        assert sum(i["payment_method"] == "drg" for i in listed["items"]) > 0
        settled = client.get(f"/api/v1/settlements/{first['setl_id']}")
        assert settled.status_code == 200, settled.text
        assert settled.json()["mdtrt_id"] == first["mdtrt_id"]
    with httpx.Client(base_url=year.url, timeout=60) as console:
        login = console.post("/console/login",
                             data={"username": "director", "password": year.password})
        assert login.status_code == 303, login.text
        html = console.get("/console/drg").text
    assert first["setl_id"] in html or any(i["setl_id"] in html for i in listed["items"])
    assert "还没有结算清单的分组结果" not in html and "DRG 付费" in html


def test_the_calibrated_fund_ratios_are_the_ledgers(year: Year) -> None:
    """The calibration table's fund rows are the current ratios `yibao fund analyze` reports
    for the loaded ledger (DRG clearing included), not a second computation from the
    settlements (before: 0.885 against the analysis's 0.8878 at scale 0.1)."""
    report = year.report
    rows = {row["indicator"]: row for row in report["calibration"]}
    funds = report["fund"]["funds"]

    def ledger(*codes: str) -> Decimal:
        spent = sum(Decimal(funds[c]["year"]["expenditure"]) for c in codes)
        return spent / sum(Decimal(funds[c]["year"]["income"]) for c in codes)

    assert abs(Decimal(str(rows["resident_fund_ratio"]["simulated"])) - ledger(
        "resident_pool")) < Decimal("0.000001")
    assert abs(Decimal(str(rows["employee_fund_ratio"]["simulated"])) - ledger(
        "employee_pool", "personal_account")) < Decimal("0.000001")
    assert Decimal(funds["resident_pool"]["year"]["current_ratio"]) == ledger(
        "resident_pool").quantize(Decimal("0.0001"))
