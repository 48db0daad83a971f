"""The payee of a settlement is one choice (`fund.events.settlement_payee`) in both forms: the
columnar postings of settlements carrying a `care_region` column equal the scalar postings owed
to `settlement_payee`, for local visits (the institution), care in another region
(`offsite_payable:<care region>` in the insured region's ledger) and a missing care region."""

from __future__ import annotations

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fund.test_columnar_events import _rows
from tests.settle.test_batch_equals_scalar import batches, scalar_results
from yibao.fund.accounts import AccountCode, AccountKey
from yibao.fund.events import settlement_payee, settlement_posting_frame, settlement_postings
from yibao.policy.model import Policy
from yibao.settle.batch import settle_columns
from yibao.settle.columns import build_columns
from yibao.settle.request import parse_request

REGION, HOSPITAL = "511623", "H51162300001"
CARE = st.sampled_from([None, REGION, "511602", "500103"])


def test_the_payee() -> None:
    assert settlement_payee(REGION, HOSPITAL) == AccountKey(
        REGION, AccountCode.PAYABLE_INSTITUTION, HOSPITAL)
    assert settlement_payee(REGION, HOSPITAL, REGION) == settlement_payee(REGION, HOSPITAL)
    assert settlement_payee(REGION, HOSPITAL, "511602") == AccountKey(
        REGION, AccountCode.OFFSITE_PAYABLE, "511602")
    assert settlement_payee(REGION, HOSPITAL, "511602", "X") == AccountKey(
        REGION, AccountCode.MANUAL_CLAIM_PAYABLE, "X")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batches(), st.data())
def test_columnar_payee_equals_scalar(case: tuple[Policy, list[dict[str, object]]],
                                      data: st.DataObject) -> None:
    policy, docs = case
    requests = [parse_request(doc) for doc in docs]
    cares = [data.draw(CARE) for _ in requests]
    result = settle_columns(build_columns(requests, [policy] * len(requests)))
    frame = pl.DataFrame({
        "txn_id": [f"S{i}" for i in range(len(requests))],
        "region": REGION, "fixmedins_code": HOSPITAL,
        "id_number": [r.person.psn_no for r in requests],
        "scheme": [r.person.insutype for r in requests],
        "care_region": pl.Series(cares, dtype=pl.String),
        **{name: result.values[name] for name in (
            "hifp_pay", "hifob_pay", "hifmi_pay", "cvlserv_pay", "maf_pay", "acct_pay")}})
    outs = scalar_results(requests, policy)
    scalar = _rows([settlement_postings(f"S{i}", REGION, out, HOSPITAL, req.person.psn_no,
                                        settlement_payee(REGION, HOSPITAL, care))
                    for i, (req, out, care) in enumerate(zip(requests, outs, cares,
                                                             strict=True))])
    assert settlement_posting_frame(frame).rows() == scalar
