"""Every rule kind hits its positive case and spares its negative one, and the per-visit
Python check and the batch SQL give the same hits on each case (one definition, two engines)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.supervise.conftest import D, line, run_both, visit
from yibao.supervise.kinds import KINDS
from yibao.supervise.load import parse_rules

DAY = dt.timedelta(days=1)


def rule(kind: str, extra: str = "", window: str = "visit") -> object:
    text = f"""
[base]
version = "t"
[[rule]]
id = "T1"
name = "t"
category = "政策类"
scenes = ["事中"]
window = "{window}"
kind = "{kind}"
result = "违规"
severity = "low"
message = "m"
source = "test"
{extra}
"""
    return parse_rules(text, "t.toml")


STAY = {"kind": "inpatient", "los_days": 5, "enddate": D + 5 * DAY}
IDLE = 'codes = ["BED"]\nlogic = { max_idle_days = 2, basic_prefixes = ["E"] }'
CASES = [
    # kind, rule extra, window, cases [(visit kwargs, lines)], expected hits
    ("restrict_sex", "", "visit", [({"sex": "M"}, [("F1", 1)])], {("V1", 1)}),
    ("restrict_sex", "", "visit", [({"sex": "F"}, [("F1", 1)])], set()),
    ("restrict_sex", 'codes = ["D1"]\nlogic = { sex = "F" }', "visit",
     [({"sex": "M"}, [("D1", 1), ("E1", 1)])], {("V1", 1)}),
    ("restrict_age", "", "visit", [({"age": 30}, [("K1", 1)])], {("V1", 1)}),
    ("restrict_age", "", "visit", [({"age": 14}, [("K1", 1)])], set()),
    ("restrict_age", 'codes = ["D1"]\nlogic = { age_min = 18 }', "visit",
     [({"age": 10}, [("D1", 1)])], {("V1", 1)}),
    ("restrict_child", "", "visit", [({"age": 15}, [("K1", 1), ("D1", 1)])], {("V1", 1)}),
    ("restrict_child", "", "visit", [({"age": 3}, [("K1", 1)])], set()),
    ("restrict_level", "", "visit", [({"hosp_lv": "1"}, [("L2", 1)])], {("V1", 1)}),
    ("restrict_level", "", "visit", [({"hosp_lv": "3"}, [("L2", 1)])], set()),
    ("restrict_indication", 'codes = ["D1"]\nlogic = { dx_prefixes = ["E11"] }', "visit",
     [({"pdx": "J18.900"}, [("D1", 1)])], {("V1", 1)}),
    ("restrict_indication", 'codes = ["D1"]\nlogic = { dx_prefixes = ["E11"] }', "visit",
     [({"pdx": "J18.900", "sdx": ("E11.900",)}, [("D1", 1)])], set()),
    ("restrict_scheme", 'codes = ["D1"]\nlogic = { allowed_insutypes = ["410"] }', "visit",
     [({}, [("D1", 1)])], {("V1", 1)}),
    ("restrict_scheme", 'codes = ["D1"]\nlogic = { allowed_insutypes = ["390"] }', "visit",
     [({}, [("D1", 1)])], set()),
    ("restrict_setting", 'codes = ["D1"]\nlogic = { allowed_kinds = ["inpatient"] }', "visit",
     [({}, [("D1", 1)])], {("V1", 1)}),
    ("restrict_setting", 'codes = ["D1"]\nlogic = { allowed_kinds = ["inpatient"] }', "visit",
     [(STAY, [("D1", 1)])], set()),
    ("price_over_cap", "", "visit", [({}, [("CAP", 1), ("D1", 1)])], {("V1", 1)}),
    ("price_over_cap", "", "visit", [({}, [("CAP", 1, 85_000_000)])], set()),
    ("price_mismatch", "", "visit", [({}, [("E1", 1, 1_000_000), ("D1", 1)])], {("V1", 1)}),
    ("price_mismatch", "", "visit", [({}, [("ZZ9", 1, 5)])], {("V1", 1)}),
    ("price_mismatch", "", "visit", [({}, [("E1", 1)])], set()),
    ("duplicate_line", "", "visit", [({}, [("E1", 2), ("E1", 2), ("E1", 1)])], {("V1", 2)}),
    ("duplicate_line", "", "visit", [({}, [("E1", 2), ("D1", 2)])], set()),
    ("exclusive_pair", 'logic = { pairs = [["E1", "D1"]] }', "visit",
     [({}, [("D1", 1), ("E1", 1)])], {("V1", 1)}),
    ("exclusive_pair", 'logic = { pairs = [["E1", "D1"]] }', "visit",
     [({}, [("D1", 1)])], set()),
    ("quantity_per_line", 'logic = { max_units = 10 }', "visit",
     [({}, [("D1", 11), ("D1", 10)])], {("V1", 1)}),
    ("quantity_per_line", 'logic = { max_units = 10 }', "visit", [({}, [("D1", 10)])], set()),
    ("duplicate_line", "", "visit", [({}, [("E1", 2), ("E1", 2, None, D + DAY)])], set()),
    ("duplicate_line", "logic = { same_day = false }", "visit",
     [({}, [("E1", 2), ("E1", 2, None, D + DAY)])], {("V1", 2)}),
    ("bed_idle_days", IDLE, "stay",
     [(STAY, [("BED", 5), *(("D1", 1, None, D + k * DAY) for k in range(5))])], set()),
    ("bed_idle_days", IDLE, "stay",
     [(STAY, [("BED", 5), ("D1", 1), ("D1", 1, None, D + DAY)])], {("V1", 1)}),
    ("bed_idle_days", IDLE, "stay",  # the basic fee E1 is no clinical activity
     [(STAY, [("BED", 5), ("D1", 1), ("D1", 1, None, D + DAY),
              *(("E1", 1, None, D + k * DAY) for k in (2, 3, 4))])], {("V1", 1)}),
    ("bed_idle_days", IDLE, "stay",  # two idle days are within max_idle_days
     [(STAY, [("BED", 5), ("D1", 1), ("D1", 1, None, D + 2 * DAY)])], set()),
    ("quantity_over_daily_max", "", "visit", [({}, [("DR", 22), ("DR", 21)])], {("V1", 1)}),
    ("quantity_over_daily_max", "", "visit", [({"kind": "chronic"}, [("DR", 90)])], set()),
    ("quantity_over_daily_max", "", "visit", [({"kind": "chronic"}, [("DR", 91)])],
     {("V1", 1)}),
    ("quantity_over_daily_max", "", "visit", [(STAY, [("DR", 16), ("D1", 999)])], {("V1", 1)}),
    ("bed_days_over_stay", 'codes = ["BED"]', "stay", [(STAY, [("BED", 7)])], {("V1", 1)}),
    ("bed_days_over_stay", 'codes = ["BED"]', "stay", [(STAY, [("BED", 6)])], set()),
    ("after_death", "", "visit", [({"death_date": D - DAY}, [])], {("V1", 0)}),
    ("after_death", "", "visit", [({"death_date": D}, [])], set()),
    ("low_threshold_admission", 'logic = { dx_prefixes = ["J06"], max_los_days = 2 }', "stay",
     [({**STAY, "pdx": "J06.900", "los_days": 2}, [])], {("V1", 0)}),
    ("low_threshold_admission", 'logic = { dx_prefixes = ["J06"], max_los_days = 2 }', "stay",
     [({**STAY, "pdx": "J06.900", "los_days": 3}, [])], set()),
    ("low_threshold_admission",  # examinations only: no treatment line
     'logic = { dx_prefixes = ["J06"], max_los_days = 2, treatment_prefixes = ["T"] }', "stay",
     [({**STAY, "pdx": "J06.900", "los_days": 2}, [("E1", 1), ("D1", 2)])], {("V1", 0)}),
    ("low_threshold_admission",  # a treatment line makes it a treated stay
     'logic = { dx_prefixes = ["J06"], max_los_days = 2, treatment_prefixes = ["T"] }', "stay",
     [({**STAY, "pdx": "J06.900", "los_days": 2}, [("E1", 1), ("T01", 1)])], set()),
    ("unsupported_diagnosis", 'logic = { dx_prefixes = ["R57"], icu_hours_min = 1 }', "stay",
     [({**STAY, "sdx": ("R57.000",)}, [])], {("V1", 0)}),
    ("unsupported_diagnosis", 'logic = { dx_prefixes = ["R57"], icu_hours_min = 1 }', "stay",
     [({**STAY, "sdx": ("R57.000",), "icu_hours": 24}, [])], set()),
    ("drg_unsupported_mcc", "", "stay", [({**STAY, "drg": "ES21", "drg_regrouped": "ES23"}, [])],
     {("V1", 0)}),
    ("drg_unsupported_mcc", "", "stay",  # the MCC is supported: regrouping changes nothing
     [({**STAY, "drg": "ES21", "drg_regrouped": "ES21"}, [])], set()),
    ("drg_unsupported_mcc", "", "stay",  # a CC split is not the MCC form
     [({**STAY, "drg": "ES23", "drg_regrouped": "ES25"}, [])], set()),
    ("drg_unsupported_mcc", "", "stay", [({**STAY, "drg": "ES21"}, [])], set()),
]
TWO = [
    ("readmission", "window_days = 15", "days",
     [({**STAY, "pdx": "J18.900"}, []),
      ({"mdtrt_id": "V2", "kind": "inpatient", "pdx": "J18.000", "begndate": D + 20 * DAY,
        "enddate": D + 25 * DAY}, [])], {("V2", 0)}),
    ("readmission", "window_days = 15", "days",
     [({**STAY, "pdx": "J18.900"}, []),
      ({"mdtrt_id": "V2", "kind": "inpatient", "pdx": "K29.700", "begndate": D + 6 * DAY,
        "enddate": D + 9 * DAY}, [])], set()),
    ("readmission", "window_days = 15\nlogic = { other_institution = true }", "days",
     [({**STAY, "pdx": "J18.900"}, []),
      ({"mdtrt_id": "V2", "kind": "inpatient", "pdx": "J18.000", "fixmedins_code": "H2",
        "begndate": D + 8 * DAY, "enddate": D + 12 * DAY}, [])], {("V2", 0)}),
    ("readmission", "window_days = 15\nlogic = { other_institution = true }", "days",
     [({**STAY, "pdx": "J18.900"}, []),  # the same institution is the other rule's form
      ({"mdtrt_id": "V2", "kind": "inpatient", "pdx": "J18.000", "begndate": D + 8 * DAY,
        "enddate": D + 12 * DAY}, [])], set()),
    ("readmission", "window_days = 15\nlogic = { same_institution = true }", "days",
     [({**STAY, "pdx": "J18.900"}, []),
      ({"mdtrt_id": "V2", "kind": "inpatient", "pdx": "J18.000", "fixmedins_code": "H2",
        "begndate": D + 8 * DAY, "enddate": D + 12 * DAY}, [])], set()),
    ("stay_overlap", "", "stay",
     [(STAY, []), ({"mdtrt_id": "V2", "fixmedins_code": "H2", "begndate": D + 2 * DAY,
                    "enddate": D + 2 * DAY}, [])], {("V2", 0)}),
    ("stay_overlap", "", "stay",
     [(STAY, []), ({"mdtrt_id": "V2", "begndate": D + 2 * DAY, "enddate": D + 2 * DAY}, [])],
     set()),
    ("duplicate_settlement", "", "visit", [({}, []), ({"mdtrt_id": "V2"}, [])], {("V2", 0)}),
    ("duplicate_settlement", "", "visit", [({}, []), ({"mdtrt_id": "V2", "total_fen": 1}, [])],
     set()),
    ("quantity_window", "window_days = 30\nlogic = { max_units = 10 }", "days",
     [({}, [("D1", 6)]), ({"mdtrt_id": "V2", "begndate": D + 10 * DAY,
                          "enddate": D + 10 * DAY}, [("D1", 5)])], {("V2", 1)}),
    ("quantity_window", "window_days = 30\nlogic = { max_units = 10 }", "days",
     [({}, [("D1", 6)]), ({"mdtrt_id": "V2", "begndate": D + 30 * DAY,
                          "enddate": D + 30 * DAY}, [("D1", 5)])], set()),
    ("quantity_window", "window_days = 30\nlogic = { max_units = 10 }", "days",  # alone
     [({}, [("D1", 11), ("E1", 11)]), ({"mdtrt_id": "V2", "psn_no": "P2"}, [("D1", 10)])],
     {("V1", 1), ("V1", 2)}),
    ("quantity_window", "window_days = 30\nlogic = { max_units = 10 }", "days",  # two lines
     [({}, [("D1", 6), ("D1", 5)])], {("V1", 1), ("V1", 2)}),
    ("quantity_window", 'window_days = 30\nvisit_kinds = ["outpatient"]\n'
     'logic = { max_units = 10 }', "days",  # the stay's units do not count
     [({**STAY, "mdtrt_id": "V0", "begndate": D - 3 * DAY, "enddate": D}, [("D1", 9)]),
      ({}, [("D1", 6)])], set()),
    ("duplicate_line", "", "visit",  # the same code at another visit repeats nothing
     [({}, [("E1", 2)]), ({"mdtrt_id": "V2"}, [("E1", 2)])], set()),
    ("exclusive_pair", 'logic = { pairs = [["E1", "D1"], ["K1", "D1"], ["K1", "F1"]] }',
     "visit", [({}, [("D1", 1), ("E1", 1), ("K1", 1), ("F1", 1)])], {("V1", 1), ("V1", 4)}),
    ("frequency_window", "window_days = 7\nlogic = { max_times = 1 }", "days",
     [({}, [("E1", 1)]), ({"mdtrt_id": "V2", "begndate": D + 6 * DAY,
                          "enddate": D + 6 * DAY}, [("E1", 1)])], {("V2", 1)}),
    ("frequency_window", "window_days = 7\nlogic = { max_times = 1 }", "days",
     [({}, [("E1", 1)]), ({"mdtrt_id": "V2", "begndate": D + 7 * DAY,
                          "enddate": D + 7 * DAY}, [("E1", 1)])], set()),
]


@pytest.mark.parametrize(("kind", "extra", "window", "cases", "expected"), CASES + TWO)
def test_kind_case(kind, extra, window, cases, expected) -> None:
    base = rule(kind, extra, window)
    built = [(visit(**kw), [line(i + 1, *spec) for i, spec in enumerate(ls)])
             for kw, ls in cases]
    py, sql = run_both(base, built)
    assert py == sql
    assert {(m, sn) for _, m, sn in py} == expected


def test_every_kind_has_a_positive_and_a_negative_case() -> None:
    seen: dict[str, set[bool]] = {}
    for kind, *_, expected in CASES + TWO:
        seen.setdefault(kind, set()).add(bool(expected))
    assert set(seen) == set(KINDS)
    assert all(v == {True, False} for v in seen.values())
