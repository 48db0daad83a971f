"""The columnar postings equal the scalar ones: for any batch of contributions, and for any
sequence of settlements the batch engine settles, `contribution_posting_frame` and
`settlement_posting_frame` give the same postings, in the same order, as
`contribution_postings` and `settlement_postings` give event by event."""

from __future__ import annotations

from decimal import Decimal

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.settle.test_batch_equals_scalar import batches, scalar_results
from yibao.core.money import to_fen
from yibao.enroll.contributions import Contribution
from yibao.fund.events import (
    CONTRIBUTION_LINES,
    EVENT_LINES,
    PREMIUM_LINES,
    contribution_posting_frame,
    contribution_postings,
    event_posting_frame,
    event_postings,
    premium_postings,
    premium_txn_id,
    settlement_posting_frame,
    settlement_postings,
)
from yibao.fund.postings import PostingSet, TxnKind
from yibao.policy.model import Policy
from yibao.settle.batch import settle_columns
from yibao.settle.columns import build_columns
from yibao.settle.request import parse_request

REGION = "511623"
HOSPITAL = "H51162300001"
FIELDS = tuple(field for _debit, _credit, field in (*CONTRIBUTION_LINES, *PREMIUM_LINES))
yuan = st.integers(0, 10_000_000).map(lambda fen: Decimal(fen).scaleb(-2))


def _rows(entries: list[PostingSet]) -> list[tuple[str, str, str, int]]:
    return [(e.txn_id, p.account.text, p.side.value, p.amount_fen)
            for e in entries for p in e.postings]


@st.composite
def contributions(draw: st.DrawFn) -> Contribution:
    scheme, psn_type = draw(st.sampled_from([("390", "resident"), ("310", "in_service"),
                                             ("310", "retired")]))
    person = f"5116231980010{draw(st.integers(10_000, 99_999))}"
    amounts = {field: draw(st.one_of(st.just(Decimal(0)), yuan)) for field in FIELDS}
    return Contribution(person, scheme, REGION, 2024, psn_type, 12, **amounts)


@settings(max_examples=150, deadline=None)
@given(st.lists(contributions(), min_size=1, max_size=8))
def test_contribution_postings_columnar_equal_scalar(batch: list[Contribution]) -> None:
    frame = pl.DataFrame([{"txn_id": f"C{i}", "region": c.region, "id_number": c.id_number,
                           "scheme": c.scheme, **{f"{f}_fen": to_fen(getattr(c, f))
                                                  for f in FIELDS}}
                          for i, c in enumerate(batch)])
    scalar = _rows([contribution_postings(f"C{i}", c) for i, c in enumerate(batch)])
    assert contribution_posting_frame(frame).rows() == scalar
    premiums = frame.with_columns(txn_id=pl.Series([premium_txn_id(c.client_id) for c in batch]))
    scalar = _rows([p for c in batch if (p := premium_postings(c)) is not None])
    assert contribution_posting_frame(premiums, lines=PREMIUM_LINES).rows() == scalar


@st.composite
def events(draw: st.DrawFn) -> tuple[TxnKind, list[dict[str, object]]]:
    """A kind of region-level event and a few of them, with amounts of either sign."""
    kind = draw(st.sampled_from(sorted(EVENT_LINES)))
    fields = sorted({field for _debit, _credit, field in EVENT_LINES[kind]})
    amount = st.one_of(st.just(0), st.integers(-10**12, 10**12))
    return kind, [{"txn_id": f"E{i}", "region": REGION,
                   "holder": draw(st.sampled_from([HOSPITAL, "H51162300002"])),
                   **{f: draw(amount) for f in fields}}
                  for i in range(draw(st.integers(1, 6)))]


@settings(max_examples=150, deadline=None)
@given(events())
def test_event_postings_columnar_equal_scalar(case: tuple[TxnKind, list[dict[str, object]]]
                                              ) -> None:
    kind, rows = case
    lines = EVENT_LINES[kind]
    scalar = _rows([event_postings(kind, str(r["txn_id"]), REGION,
                                   {k: v for k, v in r.items() if isinstance(v, int)},
                                   lines, str(r["holder"])) for r in rows])
    assert event_posting_frame(pl.DataFrame(rows), lines).rows() == scalar


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batches())
def test_settlement_postings_columnar_equal_scalar(
        case: tuple[Policy, list[dict[str, object]]]) -> None:
    policy, docs = case
    requests = [parse_request(doc) for doc in docs]
    result = settle_columns(build_columns(requests, [policy] * len(requests)))
    frame = pl.DataFrame({
        "txn_id": [f"S{i}" for i in range(len(requests))],
        "region": REGION, "fixmedins_code": HOSPITAL,
        "id_number": [r.person.psn_no for r in requests],
        "scheme": [r.person.insutype for r in requests],
        **{name: result.values[name] for name in (
            "hifp_pay", "hifob_pay", "hifmi_pay", "cvlserv_pay", "maf_pay", "acct_pay")}})
    scalar = _rows([settlement_postings(f"S{i}", REGION, out, HOSPITAL, req.person.psn_no)
                    for i, (req, out) in enumerate(zip(
                        requests, scalar_results(requests, policy), strict=True))])
    assert settlement_posting_frame(frame).rows() == scalar
