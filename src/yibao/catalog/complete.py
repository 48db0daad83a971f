"""Fill fee lines of a settlement request from the catalogue (目录补全).

A line that lacks `chrg_itm_lv`, `selfpay_prop` or `pric_uplmt_amt` (key absent or null) takes the
value from the catalogue entry of its `hilist_code`; a value on the line always wins. A line whose
code is not in the catalogue is left as it is, so the settlement validator still reports a missing
`chrg_itm_lv`, and a `selfpay_prop` the catalogue does not give stays missing (the engine then uses
the policy's `class_b_selfpay`). The input request is never changed: a deep copy is returned.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from yibao.catalog.items import Catalog, FeeItem, restriction_violations

__all__ = ["complete_fees", "restriction_violations"]


def _decimal_text(value: Decimal) -> str:
    """A decimal string without exponent, keeping the catalogue's places (`0.10`, `1000.00`)."""
    return format(value, "f")


def _catalogue_values(item: FeeItem) -> dict[str, str]:
    values: dict[str, str] = {"chrg_itm_lv": item.chrg_itm_lv}
    if item.selfpay_prop is not None:
        values["selfpay_prop"] = _decimal_text(item.selfpay_prop)
    if item.pric_uplmt_amt is not None:
        values["pric_uplmt_amt"] = _decimal_text(item.pric_uplmt_amt)
    return values


def _complete_line(line: dict[str, Any], catalog: Catalog) -> None:
    code = line.get("hilist_code")
    item = catalog.get(code) if isinstance(code, str) else None
    if item is None:
        return
    for key, value in _catalogue_values(item).items():
        if line.get(key) is None:
            line[key] = value


def complete_fees(request: Mapping[str, Any], catalog: Catalog) -> dict[str, Any]:
    """A new request whose fee lines carry the catalogue's class, 先行自付 share and price cap.

    Anything that is not a list of line objects is copied through untouched, for the settlement
    validator to report.
    """
    completed: dict[str, Any] = copy.deepcopy(dict(request))
    fees = completed.get("fees")
    if isinstance(fees, list):
        for line in fees:
            if isinstance(line, dict):
                _complete_line(line, catalog)
    return completed
