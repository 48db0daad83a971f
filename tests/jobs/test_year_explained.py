"""Every settlement the year job loads explains itself as a stateful one does: the console's
settlement page answers 200 with the fee segments and the `setldetail` trace, and
`/api/v1/settlements/{id}` carries the engine's whole document (`setldetail` with each fund's
base, remaining room and explanation), in the same shape as a settlement made through
`settle_committed`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from tests.serving import serving
from yibao.jobs.year import run_year
from yibao.server.app import create_app
from yibao.services import accounts
from yibao.services.sim import run_sim
from yibao.settle.model import MONEY_FIELDS
from yibao.store import Store

DIRECTOR = "director"


@dataclass
class Served:
    url: str
    password: str
    setl_ids: list[str]
    report: Path

    def api(self, path: str, **params: object) -> httpx.Response:
        token = httpx.post(f"{self.url}/api/v1/session",
                           json={"username": DIRECTOR, "password": self.password}).json()["token"]
        return httpx.get(f"{self.url}{path}", params=params,  # type: ignore[arg-type]
                         headers={"Authorization": f"Bearer {token}"}, timeout=30)

    def console(self) -> httpx.Client:
        client = httpx.Client(base_url=self.url, follow_redirects=False, timeout=30)
        answer = client.post("/console/login",
                             data={"username": DIRECTOR, "password": self.password})
        assert answer.status_code == 303, answer.text
        return client


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("explained")
    run_sim("linshui-2020", 0.005, 5, folder / "sim")
    url = f"sqlite:///{folder / 'year.db'}"
    run_year(folder / "sim", folder / "report", db=url, replay=10)
    store = Store(url)
    issued = accounts.add_user(DIRECTOR, "director", "510000", actor="test", store=store)
    assert isinstance(issued, accounts.Issued)
    with store.engine.connect() as connection:
        ids = [row[0] for row in connection.exec_driver_sql(
            "SELECT setl_id FROM settlements ORDER BY fund_pay_sumamt_fen DESC")]
    patch = pytest.MonkeyPatch()
    patch.setenv("YIBAO_REPORT_DIR", str(folder / "report"))
    with serving(create_app(store)) as base:
        yield Served(base, issued.secret, ids, folder / "report")
    patch.undo()
    store.dispose()


def test_the_console_explains_a_bulk_loaded_settlement(served: Served) -> None:
    client = served.console()
    for setl_id in (served.setl_ids[0], served.setl_ids[len(served.setl_ids) // 2],
                    served.setl_ids[-1]):
        page = client.get(f"/console/settlements/{setl_id}")
        assert page.status_code == 200, page.text[-500:]
        assert "费用分段" in page.text and "基金支付明细（setldetail）" in page.text
    top = client.get(f"/console/settlements/{served.setl_ids[0]}").text
    assert "起付线" in top and "年度限额" in top  # the pooling fund's trace, not a stub


def test_the_api_answers_the_stateful_shape_with_setldetail(served: Served) -> None:
    answer = served.api(f"/api/v1/settlements/{served.setl_ids[0]}")
    assert answer.status_code == 200, answer.text
    result = answer.json()["result"]
    assert {"setl_id", "mdtrt_id", "psn_no", "insutype", "med_type", "pool_prop_selfpay",
            "setldetail", "ytd_after", "long_rx", "acct_mulaid_balc", "matn_alwn_days",
            *MONEY_FIELDS} == set(result)
    assert result["setldetail"], "the settlement that paid most has fund rows"
    for row in result["setldetail"]:
        assert set(row) == {"fund_pay_type", "inscp_scp_amt", "crt_payb_lmt_amt",
                            "fund_payamt", "setl_proc_info"}
        assert row["setl_proc_info"] and "yibao year" not in row["setl_proc_info"]
    paid = sum(float(r["fund_payamt"]) for r in result["setldetail"])
    assert f"{paid:.2f}" == result["fund_pay_sumamt"]
    assert json.dumps(result).count("source") == 0


def test_the_report_tells_the_funds_year_as_the_api_does(served: Served) -> None:
    doc = json.loads((served.report / "indicators.json").read_text(encoding="utf-8"))
    answer = served.api("/api/v1/fund/analysis", region="511623", year=2020)
    assert answer.status_code == 200, answer.text
    assert doc["fund"] == answer.json()
    html = (served.report / "index.html").read_text(encoding="utf-8")
    assert "基金运行分析：年度" in html and "基金运行风险预警" in html
    assert doc["fund"]["warnings"], "the funds without income are warned about"
    for warning in doc["fund"]["warnings"]:
        assert warning["message"] in html


def test_the_analysis_opens_and_closes_with_the_ledgers_balances(served: Served) -> None:
    # The year job posts opening balances, funding, receipts, payments and the DRG clearing:
    # every one booked in 2020, so the analysis opens with the opening balances and closes
    # with the ledger's balances (which the job reads apart, from the running totals).
    doc = json.loads((served.report / "indicators.json").read_text(encoding="utf-8"))
    rows = {r["account"]: r for r in doc["store"]["fund_balances"]}
    for code, fund in doc["fund"]["funds"].items():
        if code not in rows:
            continue
        year, row = fund["year"], rows[code]
        if row["opening"] is not None:
            assert year["balance_open"] == f"{Decimal(str(row['opening'])):.2f}", code
        assert year["balance_close"] == f"{Decimal(str(row['closing'])):.2f}", code
    assert doc["fund"]["funds"]["resident_pool"]["year"]["balance_open"] != "0.00"
