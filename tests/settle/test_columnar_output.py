"""The columnar output forms equal the scalar definitions: for any sequence the batch engine
settles, `detail_frame` gives each request the `setldetail` rows of the scalar engine (fund,
base, remaining room, amount and explanation, in order), `result_json` the stored result
document of the stateful path (`canonical_json` of `SettleResult.to_json`), and `ytd_json`
writes any accumulators as `Ytd.to_json` does."""

from __future__ import annotations

import json
from decimal import Decimal

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.settle.test_batch_equals_scalar import batches, scalar_sequence
from yibao.core.money import to_fen
from yibao.policy.model import Policy
from yibao.services.settle_service import canonical_json
from yibao.settle.batch import BatchResult, settle_columns
from yibao.settle.batch_output import detail_frame, result_json, ytd_json
from yibao.settle.columns import build_columns
from yibao.settle.model import YTD_KEYS, SettleRequest, Ytd
from yibao.settle.request import parse_request


def _fen(text: object) -> int | None:
    return None if text is None else to_fen(Decimal(str(text)))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batches())
def test_detail_rows_columnar_equal_scalar(case: tuple[Policy, list[dict[str, object]]]) -> None:
    policy, docs = case
    requests = [parse_request(doc) for doc in docs]
    result = settle_columns(build_columns(requests, [policy] * len(requests)))
    scalar = scalar_sequence(requests, policy)
    frame = _settled_frame(requests, result, scalar)
    rows: list[tuple[object, int, dict[str, object]]] = [
        (doc["setl_id"], n, row) for doc in scalar
        for n, row in enumerate(doc["setldetail"], start=1)]  # type: ignore[arg-type,var-annotated]
    expected = [(setl_id, n, row["fund_pay_type"], _fen(row["inscp_scp_amt"]),
                 _fen(row["crt_payb_lmt_amt"]), _fen(row["fund_payamt"]), row["setl_proc_info"])
                for setl_id, n, row in rows]
    details = detail_frame(frame, [policy])
    assert details.rows() == expected
    assert result_json(frame, details).to_list() == [canonical_json(doc) for doc in scalar]


def _settled_frame(requests: list[SettleRequest], result: BatchResult,
                   scalar: list[dict[str, object]]) -> pl.DataFrame:
    """The columns the year job's bulk load has for each settled request."""
    return pl.DataFrame({
        "setl_id": [doc["setl_id"] for doc in scalar],
        "mdtrt_id": [r.visit.mdtrt_id for r in requests],
        "id_number": [r.person.psn_no for r in requests],
        "scheme": [r.person.insutype for r in requests],
        "med_type": [r.visit.med_type for r in requests], **result.values,
        **{f"a_{k}": result.ytd_after[:, i] for i, k in enumerate(YTD_KEYS)}})


fen = st.integers(0, 10**12)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 400), *([fen] * (len(YTD_KEYS) - 1))),
                min_size=1, max_size=6))
def test_ytd_json_columnar_equals_scalar(rows: list[tuple[int, ...]]) -> None:
    frame = pl.DataFrame([dict(zip((f"a_{k}" for k in YTD_KEYS), row, strict=True))
                          for row in rows])
    scalar = [json.dumps(Ytd(row[0], *(Decimal(x).scaleb(-2) for x in row[1:])).to_json(),
                         separators=(",", ":"), ensure_ascii=False) for row in rows]
    assert frame.select(ytd_json("a_"))[:, 0].to_list() == scalar
