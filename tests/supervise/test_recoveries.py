"""Recoveries come out in one order whatever the grouping's order: the largest amount first and
equal amounts by institution code. (At scale 1.0 two runs of the year job listed institutions
with equal amounts in different orders; this pins the order.)"""

from __future__ import annotations

import polars as pl

from yibao.services.audit import Claims, recoveries
from yibao.supervise.load import load_rules


def test_equal_amounts_are_ordered_by_institution_code() -> None:
    base = load_rules()
    rule = next(r for r in base.rules if r.result == "违规")
    codes = [f"H{n:03d}" for n in (7, 3, 9, 1, 5)]
    fees = [500, 300, 500, 300, 900]
    visits = pl.DataFrame({"mdtrt_id": [f"M{i}" for i in range(5)], "fixmedins_code": codes,
                           "chfpdr_code": "D1", "total_fen": 1_000})
    lines = pl.DataFrame({"mdtrt_id": [f"M{i}" for i in range(5)], "feedetl_sn": 1,
                          "fee_fen": fees})
    hits = pl.DataFrame({"rule_id": rule.id, "mdtrt_id": [f"M{i}" for i in range(5)],
                         "feedetl_sn": 1})
    for shuffle in range(5):
        order = [(i + shuffle) % 5 for i in range(5)]
        found = recoveries(base, Claims(visits[order], lines[order], pl.DataFrame()), hits[order])
        assert found.rows() == [("H005", 1, 900), ("H007", 1, 500), ("H009", 1, 500),
                                ("H001", 1, 300), ("H003", 1, 300)]
