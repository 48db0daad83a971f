"""The year job groups every stay and pays hospitals under the regional budget: the DRG pool is
paid out to the fen, every payment method is reported, and the indicators carry the DRG share."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from yibao.jobs.year import run_year
from yibao.services.sim import run_sim


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    folder = tmp_path_factory.mktemp("year")
    run_sim("linshui-2020", 0.005, 5, folder / "sim")
    outcome = run_year(folder / "sim", folder / "report")
    return json.loads(outcome.json_path.read_text(encoding="utf-8"), parse_float=Decimal)


def test_drg_pool_is_paid_out_exactly(year: dict[str, object]) -> None:
    drg = year["drg"]
    assert isinstance(drg, dict)
    paid = sum(Decimal(str(h["amount"])) for h in drg["hospitals"])
    assert paid == Decimal(str(drg["budget"]))
    assert Decimal(str(drg["point_value"])) > 0
    assert all(h["cmi"] is not None for h in drg["hospitals"])


def test_every_method_is_reported(year: dict[str, object]) -> None:
    methods = {m["method"]: m for m in year["drg"]["methods"]}  # type: ignore[index]
    assert set(methods) == {"drg", "per_diem", "capitation", "fee_for_service"}
    for method in methods.values():
        assert Decimal(str(method["paid"])) <= Decimal(str(method["budget"]))


def test_indicators_carry_the_drg_share(year: dict[str, object]) -> None:
    share = Decimal(str(year["inpatient_cost_share_drg"]))
    assert Decimal("0.5") < share <= 1
    for key in ("insured", "insured_employee", "insured_resident", "fund_income",
                "fund_expenditure", "inpatient_inscp_ratio_employee",
                "inpatient_inscp_ratio_resident", "assistance_ratio_key_groups",
                "offsite_direct_settlements", "offsite_direct_amount"):
        assert key in year


def test_a_folder_without_a_simulated_year_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"profile\.txt"):
        run_year(tmp_path, tmp_path / "report")


def test_calibration_rows_compare_every_target(year: dict[str, object]) -> None:
    rows = {row["indicator"]: row for row in year["calibration"]}  # type: ignore[attr-defined]
    assert {"insured", "fund_income_yuan", "fund_expenditure_yuan", "employee_inpatient_ratio",
            "resident_inpatient_ratio", "offsite_settlements", "offsite_medfee_yuan"} <= set(rows)
    assert rows["insured"]["within"] is True  # counts are drawn by quota: exact at any scale
    for row in rows.values():
        assert row["within"] == (abs(Decimal(str(row["error"])))
                                 <= Decimal(str(row["tolerance"])))
