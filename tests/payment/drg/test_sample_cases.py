"""All 24 labelled OpenDRG sample cases group to their expected CHS-DRG 1.1 DRG, by the scalar
grouper and by the column grouper, and the 6 unlabelled ones are grouped too."""

from __future__ import annotations

import polars as pl
import pytest

from tests.payment.drg.conftest import SAMPLE_CSV
from yibao.payment.drg import RulePack, Status, cases_from_frame, group_batch, group_case
from yibao.payment.drg.layout import to_settlement

LABELLED = [
    row for row in pl.read_csv(SAMPLE_CSV, infer_schema=False).iter_rows(named=True) if row["drg"]
]


def test_the_sample_has_24_labelled_cases() -> None:
    assert len(LABELLED) == 24


@pytest.mark.parametrize("row", LABELLED, ids=[row["Index"] for row in LABELLED])
def test_labelled_case_groups_to_its_drg(rules: RulePack, row: dict[str, str]) -> None:
    frame = to_settlement(pl.DataFrame([row]).cast(pl.Utf8))
    (case,) = cases_from_frame(frame)
    result = group_case(rules.pack, case)
    assert result.drg == row["drg"], "\n".join(result.trace)
    assert result.status is Status.OK
    assert result.adrg == row["drg"][:3]
    assert result.mdc == f"MDC{row['drg'][0]}"
    assert group_batch(rules, frame)["drg"].to_list() == [row["drg"]]


def test_whole_sample_in_columns(rules: RulePack, sample: pl.DataFrame) -> None:
    out = group_batch(rules, to_settlement(sample), trace=True)
    assert out["Index"].to_list() == sample["Index"].to_list()
    expected = sample["drg"].to_list()
    got = out["drg"].to_list()
    assert sum(e == g for e, g in zip(expected, got, strict=True) if e) == 24
    assert set(out["status"]) == {"ok"}  # the 6 unlabelled ones are grouped as well
    assert all(trace.startswith("校验通过") for trace in out["trace"])
