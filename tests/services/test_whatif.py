"""Policy what-if on a small generated year (`yibao.services.whatif`, `yibao policy whatif` and
`solve`).

Under the year's own policy both sides equal, fund by fund to the cent, what `fund analyze`
reports for the year's ledger as the year job loads it (with its fund flows, the DRG year-end
clearing included); under another policy the hospitals' DRG stays are paid from the same
regional budget, so the pooling funds spend that budget plus their other spending; a higher
resident inpatient ratio moves the resident pool's expenditure up and the serious-illness and
assistance funds' down; the solver reaches its target within one step of the key's precision and
writes the policy with that one value changed, and refuses a key that does not move the fund and
a target out of reach (naming the range), writing nothing.
"""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from yibao.cli import app
from yibao.fund.analysis import money, ratio_text
from yibao.fund.postings import TxnKind
from yibao.jobs.year import read_year
from yibao.jobs.year_fund import FundFlows, fund_flows
from yibao.jobs.year_payment import YearPayment, pay_year
from yibao.jobs.year_store import load_year
from yibao.policy.keys import key_value, parse_key, with_value
from yibao.policy.loader import SHIPPED_DIR, load_policy_file
from yibao.services.fund import fund_analysis
from yibao.services.sim import run_sim
from yibao.services.whatif import (
    WhatIfError,
    drg_payment,
    fund_totals,
    read_sim_year,
    settle_changed,
    settle_under,
    solve,
    whatif,
    year_funds,
    year_postings,
)
from yibao.settle.columns import RequestColumns
from yibao.sim.columns import to_columns
from yibao.sim.profile import load_profile
from yibao.sim.settle import settle_year
from yibao.store import Store

BASE = SHIPPED_DIR / "511623-2020.toml"
RATIO_2 = "resident.inpatient.ratio.2"
runner = CliRunner()


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sim")
    run_sim("linshui-2020", 0.005, 7, folder)
    return folder


def _policy(tmp: Path, value: str, name: str) -> Path:
    path = tmp / name
    path.write_text(with_value(BASE.read_text("utf-8"), parse_key(RATIO_2), Decimal(value)),
                    encoding="utf-8")
    return path


def _analysed(url: str, region: str, year: int) -> dict[str, dict[str, str | None]]:
    """What `yibao fund analyze` reports for the loaded year: each fund's income, expenditure and
    current ratio."""
    store = Store(url)
    try:
        document = fund_analysis(region, year, store=store).to_json()
    finally:
        store.dispose()
    return {fund: {key: figures["year"][key]
                   for key in ("income", "expenditure", "current_ratio")}
            for fund, figures in document["funds"].items()}


def _year_job_ledger(data: Path, tmp: Path, policy: Path, budget_fen: int | None = None
                     ) -> tuple[dict[str, dict[str, str | None]], FundFlows, YearPayment]:
    """The year job's steps on the simulated year under `policy` (its DRG budget `budget_fen`,
    default budget-neutral), loaded into SQLite, and what `fund analyze` reports for it."""
    name, _scale, tables = read_year(data)
    profile = load_profile(name)
    region, year = str(tables.enrollments["insuplc_admdvs"][0]), profile.year
    cols: RequestColumns = to_columns(tables.visits, tables.fee_lines, tables.persons,
                                      tables.contributions, load_policy_file(policy), year)
    settled = settle_year(cols, tables, workers=1)
    months = {k: Decimal(str(v)) for k, v in profile.funds.get("opening_months", {}).items()}
    payment = pay_year(tables, cols, settled, budget_fen)
    flows = fund_flows(tables, cols, settled, payment, months, region, year)
    url = f"sqlite:///{tmp / f'year-{policy.stem}.db'}"
    assert load_year(tables, cols, settled, url, flows=flows).ledger.ok
    return _analysed(url, region, year), flows, payment


def test_unchanged_policy_equals_the_ledger_to_the_cent(data: Path, tmp_path: Path) -> None:
    result = whatif(data, BASE)
    document = result.document()
    assert document["new"] == document["base"]
    assert document["schemes"]["390"]["new"] == document["schemes"]["390"]["base"]
    ledger, flows, payment = _year_job_ledger(data, tmp_path, BASE)
    assert document["base"] == ledger  # every fund, the DRG year-end clearing included
    assert all(ledger[fund]["income"] != "0.00" for fund in
               ("large_expense", "civil_servant", "assistance", "serious_illness"))
    clearing = next(frame for kind, _lines, frame in flows.events if kind is TxnKind.CLEARING)
    assert all(clearing[pool].abs().sum() > 0 for pool in ("resident_pool", "employee_pool"))
    assert document["parameters"]["drg_budget"] == money(payment.settlement.budget_fen)


def test_a_changed_policy_equals_the_year_job_under_the_same_budget(data: Path,
                                                                   tmp_path: Path) -> None:
    """The new side is what the year job would post under the new policy, its hospitals paid
    from the base policy's regional DRG budget."""
    changed = _policy(tmp_path, "0.90", "changed.toml")
    result = whatif(data, changed, BASE)
    ledger, _flows, _payment = _year_job_ledger(data, tmp_path, changed, result.drg_budget_fen)
    assert result.document()["new"] == ledger
    assert result.document()["new"] != result.document()["base"]


def test_the_pools_spend_the_drg_budget_and_their_other_spending(data: Path,
                                                                 tmp_path: Path) -> None:
    """Under any policy the two pooling funds together spend, after the year-end clearing, the
    regional DRG budget (what the point settlement pays the hospitals for the local DRG stays)
    plus what they paid for every other visit, the serious-illness premiums and the retirees'
    personal-account credit."""
    changed = _policy(tmp_path, "0.95", "changed.toml")
    result = whatif(data, changed, BASE)
    year = result.year
    drg_visits = year.stays.filter(pl.col("payment_method") == "drg")["visit"].to_numpy()
    other = np.ones(year.cols.med.size, dtype=np.bool_)
    other[drg_visits] = False
    transfers = int(year.tables.contributions.select(
        pl.sum_horizontal("serious_illness_fen", "retiree_credit_fen").sum()).item())
    budget = result.drg_budget_fen
    pools = ("resident_pool", "employee_pool")
    for side, policy in ((result.base, BASE), (result.new, changed)):
        settled = settle_under(year, load_policy_file(policy))
        spent = sum(side.funds[pool].expenditure_fen for pool in pools)
        assert spent == budget + int(settled.values["hifp_pay"][other].sum()) + transfers
        drg = drg_payment(year, settled, budget)
        assert drg.settlement.budget_fen == budget
    # The new policy pays the DRG stays more itemised; the clearing takes the difference back.
    base_drg, new_drg = (drg_payment(year, settle_under(year, load_policy_file(p)), budget)
                         for p in (BASE, changed))
    assert int(new_drg.points["fund_pay_fen"].sum()) > int(base_drg.points["fund_pay_fen"].sum())
    assert (drg_payment(year, settle_under(year, load_policy_file(changed))).settlement.budget_fen
            > budget)  # a budget-neutral year under the new policy would have paid more


def test_a_higher_ratio_moves_expenditure_the_right_way(data: Path, tmp_path: Path) -> None:
    higher = whatif(data, _policy(tmp_path, "0.90", "higher.toml"), BASE)
    lower = whatif(data, _policy(tmp_path, "0.60", "lower.toml"), BASE)

    def spent(side: str, result: object, fund: str) -> Decimal:
        return Decimal(result.document()[side][fund]["expenditure"])  # type: ignore[attr-defined]

    for fund, up in (("resident_pool", True), ("serious_illness", False), ("assistance", False)):
        base = spent("base", higher, fund)
        assert (spent("new", higher, fund) > base) == up, fund
        assert (spent("new", lower, fund) < base) == up, fund
    # The employees' settlements do not move; their pool's share of the DRG budget may.
    employee = higher.document()["schemes"]["310"]
    assert employee["new"] == employee["base"]
    resident = higher.document()["schemes"]["390"]
    assert Decimal(resident["new"]["self_pay"]) < Decimal(resident["base"]["self_pay"])
    assert resident["new"]["inpatient_inscp_ratio"] > resident["base"]["inpatient_inscp_ratio"]
    assert resident["new"]["catastrophic_persons"] <= resident["base"]["catastrophic_persons"]


def _ratio_at(data: Path, tmp: Path, value: Decimal) -> Fraction:
    year = read_sim_year(data)
    policy = _policy(tmp, str(value), f"at-{value}.toml")
    chosen = load_policy_file(policy)
    settled = settle_under(year, chosen)
    base = drg_payment(year, settle_under(year, year.base_policy)).settlement.budget_fen
    ratio = year_funds(year, settled, chosen, drg_payment(year, settled, base))["resident_pool"]
    assert ratio.current_ratio is not None
    return ratio.current_ratio


def test_solve_reaches_the_target_within_one_step(data: Path, tmp_path: Path) -> None:
    base_ratio = Decimal(whatif(data, BASE).document()["base"]["resident_pool"]["current_ratio"])
    highest = Decimal(ratio_text(_ratio_at(data, tmp_path, Decimal(1))) or "")
    target = ((base_ratio + highest) / 2).quantize(Decimal("0.0001"))  # within reach, above base
    assert target > base_ratio
    out = tmp_path / "solved.toml"
    solved = solve(data, BASE, RATIO_2, "resident_pool", target, out)
    base_value = key_value(BASE.read_text("utf-8"), parse_key(RATIO_2))
    assert base_value < solved.value < 1 and solved.settlements >= 3
    step = Decimal("0.0001")
    below, above = (_ratio_at(data, tmp_path, solved.value + d) for d in (-step, step))
    assert below <= Fraction(target) <= above  # the exact solution lies within one step
    assert _ratio_at(data, tmp_path, solved.value) == solved.ratio
    before, after = BASE.read_text("utf-8").splitlines(), out.read_text("utf-8").splitlines()
    assert sum(a != b for a, b in zip(before, after, strict=True)) == 1


def test_solve_refuses_a_key_that_does_not_move_the_fund(data: Path, tmp_path: Path) -> None:
    # Not an employee inpatient key: the employees' DRG stays share the regional DRG budget with
    # the residents', so through the year-end clearing they move the resident pool too.
    out = tmp_path / "never.toml"
    with pytest.raises(WhatIfError, match="不改变结果"):
        solve(data, BASE, "employee.outpatient.ratio.2", "resident_pool", Decimal("1"), out)
    assert not out.exists()


def test_solve_refuses_a_target_out_of_reach_naming_the_range(data: Path,
                                                              tmp_path: Path) -> None:
    out = tmp_path / "never.toml"
    low, high = (ratio_text(_ratio_at(data, tmp_path, Decimal(v))) for v in ("0", "1"))
    args = ["policy", "solve", "--data", str(data), "--base", str(BASE), "--key", RATIO_2,
            "--fund", "resident_pool", "--target-ratio", "5", "--out", str(out)]
    result = runner.invoke(app, args, terminal_width=400)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert f"[{low}, {high}]" in result.output and "超出" in result.output
    assert not out.exists()


def test_whatif_cli_writes_the_json(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "whatif.json"
    args = ["policy", "whatif", "--data", str(data), "--policy",
            str(_policy(tmp_path, "0.80", "new.toml")), "--json", str(out)]
    result = runner.invoke(app, args, terminal_width=400)
    assert result.exit_code == 0, result.output
    assert "居民医保统筹基金" in result.output and "灾难性支出人数" in result.output
    document = json.loads(out.read_text("utf-8"))
    assert set(document) >= {"base", "new", "schemes"}
    pool = document["new"]["resident_pool"]
    assert pool["income"].count(".") == 1 and len(pool["income"].split(".")[1]) == 2
    assert len(pool["current_ratio"].split(".")[1]) == 4


def test_whatif_refuses_a_folder_that_is_not_a_simulated_year(tmp_path: Path) -> None:
    result = runner.invoke(app, ["policy", "whatif", "--data", str(tmp_path),
                                 "--policy", str(BASE)], terminal_width=400)
    assert result.exit_code == 2 and "不是模拟数据目录" in result.output


def test_summed_postings_give_each_fund_what_one_row_per_settlement_gives(data: Path) -> None:
    year = read_sim_year(data)
    result = settle_under(year, year.base_policy)
    drg = drg_payment(year, result)
    summed = year_postings(year, result, year.base_policy, drg)
    each = year_postings(year, result, year.base_policy, drg, summed=False)
    assert summed.height < each.height
    assert fund_totals(summed, year.year) == fund_totals(each, year.year)


@pytest.mark.parametrize(("name", "value"), [
    (RATIO_2, "0.88"), ("employee.inpatient.deductible.2", "300"),
    ("assistance.groups.dibao.ratio", "0.8")])
def test_settling_one_scheme_again_equals_settling_the_year(data: Path, tmp_path: Path,
                                                            name: str, value: str) -> None:
    year = read_sim_year(data)
    base = settle_under(year, year.base_policy)
    key = parse_key(name)
    path = tmp_path / "changed.toml"
    path.write_text(with_value(BASE.read_text("utf-8"), key, Decimal(value)), encoding="utf-8")
    policy = load_policy_file(path)
    again = settle_changed(year, year.base_policy, base, policy)
    whole = settle_under(year, policy)
    assert again.values.keys() == whole.values.keys()
    for field, column in whole.values.items():
        assert (again.values[field] == column).all(), field
    assert (again.ytd_after == whole.ytd_after).all()
    assert any((base.values[f] != whole.values[f]).any() for f in whole.values)  # it moved


@pytest.mark.parametrize(("key", "fund", "words"), [
    ("contributions.resident.individual", "resident_pool", "不是待遇参数"),
    (RATIO_2, "pension_fund", "未知的基金"),
    ("resident.serious_illness.tiers.1.ratio", "serious_illness", "无法在政策文件中定位"),
])
def test_solve_refuses_bad_input_in_one_sentence(data: Path, tmp_path: Path, key: str,
                                                 fund: str, words: str) -> None:
    out = tmp_path / "never.toml"
    args = ["policy", "solve", "--data", str(data), "--base", str(BASE), "--key", key,
            "--fund", fund, "--target-ratio", "1", "--out", str(out)]
    result = runner.invoke(app, args, terminal_width=400)
    assert result.exit_code == 2 and words in result.output, result.output
    assert "Traceback" not in result.output and not out.exists()
