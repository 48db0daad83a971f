"""The batch engine equals the scalar engine to the cent over long per-person sequences.

Policies are generated with small caps, thresholds and tiers so that a person's sequence of
visits crosses every deductible, annual cap, serious-illness tier and assistance threshold; the
scalar engine is run request by request, carrying each key's accumulators forward in input order.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yibao.policy.loader import parse_policy
from yibao.policy.model import ASSISTANCE_ORDER, Policy
from yibao.settle import batch as batch_module
from yibao.settle.batch import settle_columns
from yibao.settle.batch_output import documents
from yibao.settle.columns import build_columns
from yibao.settle.engine import settle
from yibao.settle.model import SettleResult
from yibao.settle.request import parse_request

LEVELS = ("1", "2", "3")


def amount(low: int, high: int) -> st.SearchStrategy[str]:
    """A money string in yuan with up to two places, between low and high yuan."""
    return st.integers(low * 100, high * 100).map(lambda f: str(Decimal(f).scaleb(-2)))


def ratio() -> st.SearchStrategy[str]:
    return st.integers(0, 10_000).map(lambda r: str(Decimal(r).scaleb(-4)))


def by_level(values: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    def table(v: tuple[str, str, str]) -> str:
        return "{ " + ", ".join(f'"{lv}" = "{x}"' for lv, x in zip(LEVELS, v, strict=True)) + " }"

    return st.tuples(values, values, values).map(table)


@st.composite
def benefit(draw: st.DrawFn, section: str, employee: bool) -> str:
    lines = [f"[{section}]", f"deductible = {draw(by_level(amount(0, 800)))}",
             f"ratio = {draw(by_level(ratio()))}", f'annual_cap = "{draw(amount(0, 6000))}"']
    if section.endswith("inpatient"):
        lines.append(f'repeat_admission_factor = "{draw(ratio())}"')
    if employee:
        lines.append(f'retired_ratio_add = "{draw(ratio())}"')
    return "\n".join(lines)


@st.composite
def policies(draw: st.DrawFn) -> Policy:
    parts = ['[policy]\nid = "511623-2024"\nregion = "511623"\nyear = 2024',
             f'class_b_selfpay = "{draw(ratio())}"',
             "[offsite]\n" + "\n".join(
                 f'{k} = "-{draw(st.integers(0, 10_000)) / 10_000:.4f}"'
                 for k in ("filed", "referral", "temporary", "unfiled"))]
    for scheme, employee in (("resident", False), ("employee", True)):
        for kind in ("inpatient", "chronic", "outpatient"):
            if draw(st.integers(0, 5)) > 0:
                parts.append(draw(benefit(f"{scheme}.{kind}", employee)))
    if draw(st.booleans()):
        uppers = sorted(draw(st.sets(st.integers(1, 4000), max_size=3)))
        tiers = ", ".join(f'{{ above = "{a}", ratio = "{draw(ratio())}" }}' for a in [0, *uppers])
        tilt = ""
        if draw(st.booleans()):
            groups = draw(st.sets(st.sampled_from(ASSISTANCE_ORDER), min_size=1))
            names = ", ".join(f'"{g}"' for g in sorted(groups))
            no_cap = str(draw(st.booleans())).lower()
            tilt = (f'\ntilt = {{ groups = [{names}], threshold_factor = "{draw(ratio())}", '
                    f'ratio_add = "{draw(ratio())}", no_cap = {no_cap} }}')
        parts.append(f'[resident.serious_illness]\nthreshold = "{draw(amount(0, 2000))}"\n'
                     f'tiers = [ {tiers} ]\nannual_cap = "{draw(amount(0, 5000))}"{tilt}')
    for fund in ("large_expense", "civil_servant"):
        if draw(st.booleans()):
            parts.append(f'[employee.{fund}]\nratio = "{draw(ratio())}"\n'
                         f'annual_cap = "{draw(amount(0, 3000))}"')
    parts.append(f"[employee.account]\npays_selfpay_items = {str(draw(st.booleans())).lower()}")
    for group in draw(st.sets(st.sampled_from(ASSISTANCE_ORDER))):
        parts.append(f'[assistance.groups.{group}]\nthreshold = "{draw(amount(0, 1500))}"\n'
                     f'ratio = "{draw(ratio())}"\nannual_cap = "{draw(amount(0, 2500))}"')
    return parse_policy("\n\n".join(parts), "<generated>")


def fee_line(index: int) -> st.SearchStrategy[dict[str, object]]:
    cnt = st.integers(1, 200_000).map(lambda c: str(Decimal(c).scaleb(-4)))
    price = st.integers(0, 3_000_000_000).map(lambda p: str(Decimal(p).scaleb(-6)))
    return st.fixed_dictionaries(
        {"feedetl_sn": st.just(str(index)), "hilist_code": st.just("X"),
         "chrg_itm_lv": st.sampled_from(("01", "02", "03")), "cnt": cnt, "pric": price},
        optional={"selfpay_prop": ratio(), "pric_uplmt_amt": price})


@st.composite
def person(draw: st.DrawFn, number: int) -> dict[str, object]:
    employee = draw(st.booleans())
    return {"psn_no": f"P{number}", "insutype": "310" if employee else "390",
            "psn_type": draw(st.sampled_from(("in_service", "retired"))) if employee
            else "resident",
            "groups": sorted(draw(st.sets(st.sampled_from(ASSISTANCE_ORDER), max_size=2))),
            "civil_servant": employee and draw(st.booleans())}


@st.composite
def visit_doc(draw: st.DrawFn, who: dict[str, object], index: int) -> dict[str, object]:
    n = draw(st.integers(1, 5))
    doc: dict[str, object] = {
        "policy": "generated", "person": who,
        "visit": {"mdtrt_id": f"{who['psn_no']}-{index}",
                  "med_type": draw(st.sampled_from(("11", "14", "21"))),
                  "hosp_lv": draw(st.sampled_from(LEVELS)),
                  "offsite": draw(st.sampled_from(
                      ("local", "filed", "referral", "temporary", "unfiled"))),
                  "enddate": draw(st.sampled_from(("2024-03-01", "2025-01-02")))},
        "fees": [draw(fee_line(i)) for i in range(n)],
        "acct_balc": draw(amount(0, 3000)), "use_acct": draw(st.booleans())}
    return doc


@st.composite
def batches(draw: st.DrawFn) -> tuple[Policy, list[dict[str, object]]]:
    policy = draw(policies())
    people = [draw(person(i)) for i in range(draw(st.integers(1, 4)))]
    docs = []
    for index in range(draw(st.integers(1, 40))):
        docs.append(draw(visit_doc(draw(st.sampled_from(people)), index)))
    return policy, docs


def scalar_results(requests: list, policy: Policy) -> list[SettleResult]:
    """The scalar engine request by request, each key's accumulators carried forward."""
    state: dict[tuple[object, ...], object] = {}
    results = []
    for req in requests:
        key = (req.person.psn_no, req.person.insutype, req.visit.year)
        if key in state:
            req = dataclasses.replace(req, ytd=state[key])
        out = settle(req, policy)
        state[key] = out.ytd_after
        results.append(out)
    return results


def scalar_sequence(requests: list, policy: Policy) -> list[dict[str, object]]:
    return [out.to_json() for out in scalar_results(requests, policy)]


def without_text(doc: dict[str, object]) -> dict[str, object]:
    rows = [{k: v for k, v in row.items() if k != "setl_proc_info"} for row in doc["setldetail"]]
    return {**doc, "setldetail": rows}


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batches())
def test_batch_equals_scalar(case: tuple[Policy, list[dict[str, object]]]) -> None:
    policy, docs = case
    requests = [parse_request(doc) for doc in docs]
    expected = scalar_sequence(requests, policy)
    result = settle_columns(build_columns(requests, [policy] * len(requests)))
    got = list(documents(requests, [policy] * len(requests), result))
    assert [without_text(d) for d in got] == [without_text(d) for d in expected]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batches(), st.integers(2, 3))
def test_partitioned_batch_equals_one_partition(
    case: tuple[Policy, list[dict[str, object]]], workers: int
) -> None:
    """Splitting a batch by person across threads changes no result."""
    policy, docs = case
    requests = [parse_request(doc) for doc in docs]
    cols = build_columns(requests, [policy] * len(requests))
    single = settle_columns(cols)
    original = batch_module.PARALLEL_MIN_REQUESTS
    batch_module.PARALLEL_MIN_REQUESTS = 1
    try:
        split = settle_columns(cols, workers=workers)
    finally:
        batch_module.PARALLEL_MIN_REQUESTS = original
    assert split.values.keys() == single.values.keys()
    for name, column in single.values.items():
        assert split.values[name].tolist() == column.tolist(), name
    assert split.ytd_after.tolist() == single.ytd_after.tolist()


def test_generated_sequences_reach_every_limit() -> None:
    """The generator is strong enough: over many draws, every cap and tier is reached."""
    reached: set[str] = set()

    @settings(max_examples=200, deadline=None, database=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow])
    @given(batches())
    def collect(case: tuple[Policy, list[dict[str, object]]]) -> None:
        policy, docs = case
        for out in scalar_sequence([parse_request(d) for d in docs], policy):
            for row in out["setldetail"]:
                if row["crt_payb_lmt_amt"] is not None and \
                        Decimal(row["fund_payamt"]) == Decimal(row["crt_payb_lmt_amt"]):
                    reached.add(f"cap:{row['fund_pay_type']}")
                if "；" in row["setl_proc_info"]:
                    reached.add("two_tiers")
            if Decimal(out["act_pay_dedc"]) > 0:
                reached.add("deductible")
            if Decimal(out["ytd_after"]["maf_dedc_used"]) > 0:
                reached.add("assistance_threshold")

    collect()
    assert {"cap:390100", "cap:310100", "cap:390200", "cap:610100", "two_tiers", "deductible",
            "assistance_threshold"} <= reached
