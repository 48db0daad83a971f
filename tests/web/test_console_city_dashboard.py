"""The dashboard serves each scope its own figures (issue 12, item 8): a city user (511600)
sees the sum of its two counties' year reports — counts, money and the monthly flow added,
the ratios recomputed from the inpatient settlements the store holds, never averaged; a
county user sees only their county; a user of a county with no data is told so. On SQLite and
PostgreSQL. Before the fix the city user saw one county's report as if it were the city's."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from sqlalchemy import insert, select

from tests.postgres import postgres_store
from tests.services.population import CITY, DIBAO, RESIDENT, RETIREE, WORKER, populate, visit
from tests.serving import serving
from tests.store.fixtures import BACKENDS
from yibao.indicators.render import dumps_exact, show
from yibao.server.app import create_app
from yibao.services import accounts
from yibao.services.settle_service import Settled, settle_committed
from yibao.store import Store
from yibao.store.migrate import upgrade
from yibao.store.schema import persons, settlements

USERS = {"city": ("director", "511600"), "linshui": ("handler", "511623"),
         "guangan": ("auditor", "511602"), "yuechi": ("auditor", "511621")}
MONTHS = 12


def report(region: str, stays: int, insured: int, income: str, spent: str, ratio: str
           ) -> dict[str, Any]:
    """A year report of `region` as the year job writes it (the fields the dashboard reads)."""
    monthly_in = [Decimal(income)] + [Decimal("0.00")] * (MONTHS - 1)
    monthly_out = [Decimal(spent) / MONTHS] * MONTHS
    return {
        "year": 2024, "profile": "linshui-2024-test", "region": region, "scale": 0.01,
        "insured": insured, "insured_employee": insured // 4,
        "insured_resident": insured - insured // 4, "fund_income": Decimal(income),
        "fund_expenditure": Decimal(spent), "inpatient_inscp_ratio_employee": Decimal(ratio),
        "inpatient_inscp_ratio_resident": Decimal(ratio),
        "assistance_ratio_key_groups": Decimal(ratio), "offsite_direct_settlements": stays,
        "offsite_direct_amount": Decimal("100.01"), "visits": 10 * stays,
        "inpatient_stays": stays, "inpatient_cost_share_drg": Decimal("0.74"),
        "monthly": {"income": monthly_in, "expenditure": monthly_out,
                    "balance": [Decimal(income) - Decimal(spent) / MONTHS * (m + 1)
                                for m in range(MONTHS)]},
    }


@dataclass
class City:
    url: str
    passwords: dict[str, str]
    reports: dict[str, dict[str, Any]]
    stored: list[dict[str, Any]]  # the inpatient settlements with the person's groups

    def get(self, who: str, path: str = "/console/") -> httpx.Response:
        with httpx.Client(base_url=self.url, timeout=30) as client:
            signed = client.post("/console/login", data={
                "username": who, "password": self.passwords[who]})
            assert signed.status_code == 303, signed.text
            answer = client.get(path)
            assert answer.status_code == 200
            return answer

    def page(self, who: str) -> str:
        return self.get(who).text


def _seed(store: Store, folder: Path) -> list[dict[str, Any]]:
    """Four stays in 511623 settled through the service; two of them copied as stays of the
    511602 person (that county ships no policy), so each county holds inpatient settlements."""
    populate(store, folder)
    for number, (who, day) in enumerate(((RESIDENT, "2024-03-09"), (DIBAO, "2024-04-10"),
                                         (WORKER, "2024-05-11"), (RETIREE, "2024-06-12"))):
        done = settle_committed(visit(who, f"CITY-{number}", day=day), store=store)
        assert isinstance(done, Settled), done
    with store.engine.begin() as connection:
        rows = [dict(r._mapping) for r in connection.execute(
            select(settlements).order_by(settlements.c.commit_seq))]
        for row in rows[1:3]:  # DIBAO's (390) and WORKER's (310)
            copy = {**row, "setl_id": "X" + row["setl_id"][1:], "mdtrt_id": "GA-" + row["mdtrt_id"],
                    "id_number": CITY, "region": "511602", "txn_id": None}
            copy.pop("commit_seq")
            connection.execute(insert(settlements).values(**copy))
        stored = [dict(r._mapping) for r in connection.execute(
            select(settlements, persons.c.groups)
            .join(persons, persons.c.id_number == settlements.c.id_number)
            .where(settlements.c.med_type == "21"))]
    return stored


@pytest.fixture(scope="module", params=BACKENDS)
def city(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[City]:
    folder = tmp_path_factory.mktemp("city")
    with contextlib.ExitStack() as stack:
        if request.param == "postgres":
            store = stack.enter_context(postgres_store())
        else:
            store = Store(f"sqlite:///{folder / 'city.db'}")
            upgrade(store)
            stack.callback(store.dispose)
        stored = _seed(store, folder / "files")
        reports = {"511623": report("511623", 4, 800, "900000.00", "780000.48", "0.40"),
                   "511602": report("511602", 2, 300, "250123.45", "120000.12", "0.60")}
        for region, doc in reports.items():
            (folder / "report" / region).mkdir(parents=True)
            (folder / "report" / region / "indicators.json").write_text(
                dumps_exact(doc), encoding="utf-8")
        passwords = {}
        for name, (role, region) in USERS.items():
            issued = accounts.add_user(name, role, region, actor="test", store=store)
            assert isinstance(issued, accounts.Issued)
            passwords[name] = issued.secret
        patch = pytest.MonkeyPatch()
        stack.callback(patch.undo)
        patch.setenv("YIBAO_REPORT_DIR", str(folder / "report"))
        url = stack.enter_context(serving(create_app(store)))
        yield City(url, passwords, reports, stored)


def _ratio(rows: list[dict[str, Any]], paid: tuple[str, ...], base: tuple[str, ...]) -> Decimal:
    top = sum(r[f"{n}_fen"] for r in rows for n in paid)
    bottom = sum(r[f"{n}_fen"] for r in rows for n in base)
    return (Decimal(top) / Decimal(bottom)).quantize(Decimal("0.000001"))


def test_a_city_user_sees_the_sum_of_its_counties(city: City) -> None:
    page = city.page("city")
    both = city.reports.values()
    assert "2 个：511602、511623" in page
    assert f"<td class='num'>{sum(r['insured'] for r in both):,}</td>" in page
    assert show(sum((r["fund_income"] for r in both), Decimal(0)), "yuan") in page
    assert show(sum((r["fund_expenditure"] for r in both), Decimal(0)), "yuan") in page
    january = sum((Decimal(r["monthly"]["income"][0]) for r in both), Decimal(0))
    assert f"{january / 10_000:,.2f} 万元" in page  # the monthly table: the sum of January
    employee = [r for r in city.stored if r["scheme"] == "310"]
    resident = [r for r in city.stored if r["scheme"] == "390"]
    recomputed = {
        "employee": _ratio(employee, ("hifp_pay", "hifob_pay"), ("inscp_scp_amt",)),
        "resident": _ratio(resident, ("hifp_pay", "hifmi_pay"), ("inscp_scp_amt",)),
    }
    for value in recomputed.values():
        assert show(value, "ratio") in page
    assert show(Decimal("0.50"), "ratio") not in page  # not the average of 40 % and 60 %
    # the stays here have no paid settlement list: the DRG share of the sum is unknown, said so
    assert "未存全各统筹区的住院结算（或其结算清单）" in page
    sheet = load_workbook(io.BytesIO(city.get("city", "/console/export/dashboard.xlsx").content),
                          read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert Decimal(str(rows[1][1])) == january  # the export follows the same sums


def test_a_county_user_sees_only_their_county(city: City) -> None:
    page = city.page("linshui")
    own = city.reports["511623"]
    assert f"<td class='num'>{own['insured']:,}</td>" in page
    assert show(Decimal("0.40"), "ratio") in page
    assert show(own["fund_income"], "yuan") in page
    assert show(city.reports["511602"]["fund_income"], "yuan") not in page
    assert "个：" not in page


def test_a_county_with_no_data_is_told_so(city: City) -> None:
    page = city.page("yuechi")
    assert "您的管辖范围（511621）内没有年度报告数据" in page
    assert "主要指标" not in page
