"""The two direct-settlement rates of the plans and the flow matrix (`indicators/offsite.py`)
on a hand-made set: direct and manual stays, cross-province and in-province, outpatient and
chronic visits left out of the rates, local care left out of both, zero denominators → None;
per insured region and for the whole deployment; the polars grouping agrees with the rows.

The set (insured region → care region, channel, med_type × how many):
  Linshui 511623:  → 511623 local  21 direct ×5          (local: no rate, no flow)
                   → 511602 in-prov 21 direct ×3, manual ×1; 11 manual ×1 (outpatient)
                   → 510107 in-prov 21 direct ×2
                   → 500112 cross   21 direct ×1, manual ×2; 11 direct ×4 (outpatient)
  Guang'an 511602: → 511623 in-prov 21 direct ×2; → 500112 cross 14 direct ×1 (chronic)
  Yuechi 511621:   → 511621 local  21 manual ×1 (a local manual claim)
"""

from __future__ import annotations

from decimal import Decimal

import polars as pl

from yibao.indicators.offsite import (
    FlowRow,
    RateParts,
    Reach,
    flow_matrix,
    frame_flows,
    offsite_indicators,
    rate,
    rate_parts,
    reach,
)
from yibao.indicators.render import dumps_exact
from yibao.indicators.sections import offsite_sections
from yibao.indicators.table import indicator_table

# (insured, care, channel, med_type, count); each settlement costs 1000.00 + 10.00 × its
# place in this list, the fund pays 60% of it and the account 50.00.
GROUPS = (
    ("511623", "511623", "direct", "21", 5),
    ("511623", "511602", "direct", "21", 3),
    ("511623", "511602", "manual", "21", 1),
    ("511623", "511602", "manual", "11", 1),
    ("511623", "510107", "direct", "21", 2),
    ("511623", "500112", "direct", "21", 1),
    ("511623", "500112", "manual", "21", 2),
    ("511623", "500112", "direct", "11", 4),
    ("511602", "511623", "direct", "21", 2),
    ("511602", "500112", "direct", "14", 1),
    ("511621", "511621", "manual", "21", 1),
)
REGIONS = ("511602", "511621", "511623")


def settlements() -> list[dict[str, object]]:
    """One dict per settlement: the regions, channel, med_type and money in fen."""
    out: list[dict[str, object]] = []
    for insured, care, channel, med_type, count in GROUPS:
        for _ in range(count):
            medfee = 100_000 + 1_000 * len(out)
            out.append({"insured_region": insured, "care_region": care, "channel": channel,
                        "med_type": med_type, "medfee_fen": medfee,
                        "fund_fen": medfee * 6 // 10, "acct_fen": 5_000})
    return out


def rows() -> list[FlowRow]:
    """The set grouped by hand (sums from `settlements`)."""
    grouped: dict[tuple[str, str, str, str], list[int]] = {}
    for s in settlements():
        key = (str(s["insured_region"]), str(s["care_region"]), str(s["channel"]),
               str(s["med_type"]))
        sums = grouped.setdefault(key, [0, 0, 0, 0])
        for i, v in enumerate((1, s["medfee_fen"], s["fund_fen"], s["acct_fen"])):
            sums[i] += int(str(v))
    return [FlowRow(*k, *v) for k, v in grouped.items()]


def test_reach_by_province() -> None:
    assert reach("511623", "511623") is Reach.LOCAL
    assert reach("511623", "510107") is Reach.IN_PROVINCE  # Chengdu: Sichuan too
    assert reach("511623", "500112") is Reach.CROSS_PROVINCE  # Chongqing


def test_rates_per_region() -> None:
    parts = rate_parts(rows(), REGIONS)
    linshui = parts["511623"]
    # cross-province stays: 500112 direct 1 + manual 2 = 3 (the 4 outpatient visits out)
    assert (linshui.cross_province_direct, linshui.cross_province) == (1, 3)
    assert linshui.cross_province_direct_rate == Decimal("0.333333")  # 1/3, half-up
    # in-province stays: 511602 direct 3 + manual 1, 510107 direct 2 = 5 of 6 (the
    # outpatient manual claim and the 5 local stays out)
    assert (linshui.in_province_direct, linshui.in_province) == (5, 6)
    assert linshui.in_province_direct_rate == Decimal("0.833333")  # 5/6 = 0.8333…
    guangan = parts["511602"]
    assert guangan.in_province_direct_rate == Decimal("1.000000")  # 2/2
    assert guangan.cross_province_direct_rate is None  # only a chronic visit to Chongqing
    assert parts["511621"] == RateParts()  # a local manual claim counts in neither
    assert parts["511621"].cross_province_direct_rate is None
    assert parts["511621"].in_province_direct_rate is None


def test_rates_of_the_deployment_and_document() -> None:
    doc = offsite_indicators(rows(), REGIONS)
    assert doc["cross_province_direct_rate"] == Decimal("0.333333")  # 1/3
    assert doc["in_province_direct_rate"] == Decimal("0.875000")  # (5 + 2) / (6 + 2)
    assert (doc["in_province_direct_stays"], doc["in_province_stays"]) == (7, 8)
    assert list(doc["regions"]) == list(REGIONS)
    assert doc["regions"]["511623"]["in_province_direct_rate"] == Decimal("0.833333")
    assert doc["regions"]["511621"]["cross_province_direct_rate"] is None
    text = dumps_exact(doc)  # exact decimals and nulls in indicators.json
    assert '"in_province_direct_rate": 0.875000' in text
    assert '"cross_province_direct_rate": null' in text


def test_rate_rounds_half_up_and_zero_is_unknown() -> None:
    assert rate(0, 0) is None
    assert rate(0, 4) == Decimal("0.000000")
    assert rate(1, 8) == Decimal("0.125000")
    assert rate(2, 3) == Decimal("0.666667")  # 0.6666666… → half-up
    assert rate(1, 16_000_000) == Decimal("0.000000")  # 0.0000000625 → down
    assert rate(1, 1_600_000) == Decimal("0.000001")  # 0.000000625 → up


def test_flow_matrix() -> None:
    flows = {(f.insured_region, f.care_region): f for f in flow_matrix(rows())}
    assert list(flows) == [("511602", "500112"), ("511602", "511623"), ("511623", "500112"),
                           ("511623", "510107"), ("511623", "511602")]  # no local pair
    chongqing = flows[("511623", "500112")]
    # 1 + 2 stays and 4 outpatient visits; direct 1 + 4, manual 2
    assert (chongqing.settlements, chongqing.direct, chongqing.manual,
            chongqing.inpatient) == (7, 5, 2, 3)
    assert chongqing.reach is Reach.CROSS_PROVINCE
    # places 12–18 of the list (after 5 local, 5 to 511602, 2 to 510107), each costing
    # 1000.00 + 10.00 × place: 7 × 1000.00 + 10.00 × (12 + … + 18) = 7000.00 + 1050.00
    assert chongqing.medfee_fen == 805_000
    assert chongqing.fund_fen == 483_000  # 60% of each, all whole fen
    assert chongqing.acct_fen == 7 * 5_000
    guangan = flows[("511623", "511602")]
    assert (guangan.settlements, guangan.direct, guangan.manual, guangan.inpatient) == (
        5, 3, 2, 4)
    assert guangan.reach is Reach.IN_PROVINCE


def test_matrix_of_a_region_holds_flows_in_and_out() -> None:
    doc = offsite_indicators(rows(), ["511602"])
    pairs = [(f["insured_region"], f["care_region"]) for f in doc["offsite_flows"]]
    # Guang'an's insured going out, and Linshui's insured treated in Guang'an
    assert pairs == [("511602", "500112"), ("511602", "511623"), ("511623", "511602")]
    assert doc["in_province_direct_rate"] == Decimal("1.000000")  # its own insured only
    # Linshui → Guang'an: places 5–9 of the list, 5 × 1000.00 + 10.00 × (5 + … + 9)
    assert doc["offsite_flows"][2]["medfee"] == Decimal("5350.00")


def test_the_polars_grouping_gives_the_same_figures() -> None:
    frame = pl.DataFrame(settlements()).with_columns(  # a local one without a care region
        pl.when(pl.int_range(pl.len()) == 0).then(None).otherwise(pl.col("care_region"))
        .alias("care_region"))
    assert frame["care_region"].null_count() == 1
    grouped = frame_flows(frame)
    assert sorted(grouped, key=repr) == sorted(rows(), key=repr)
    assert offsite_indicators(grouped, REGIONS) == offsite_indicators(rows(), REGIONS)


def test_indicator_table_rows_against_70_percent() -> None:
    values: dict[str, Decimal | int | None] = {
        k: 0 for k in ("insured", "insured_employee", "insured_resident", "fund_income",
                       "fund_expenditure", "inpatient_inscp_ratio_employee",
                       "inpatient_inscp_ratio_resident", "assistance_ratio_key_groups",
                       "offsite_direct_settlements", "offsite_direct_amount")}
    before = {r.key for r in indicator_table(values)}
    assert "cross_province_direct_rate" not in before  # a report without the rates
    doc = offsite_indicators(rows(), REGIONS)
    table = {r.key: r for r in indicator_table({**values, **{
        k: doc[k] for k in ("cross_province_direct_rate", "in_province_direct_rate")}})}
    cross, within = table["cross_province_direct_rate"], table["in_province_direct_rate"]
    assert cross.label == "住院医疗费用跨省直接结算率" and cross.target == Decimal("0.70")
    assert cross.met is False and within.met is True  # 0.333333 < 0.70 ≤ 0.875
    assert within.target_text == "70% 以上"
    yuechi = {r.key: r for r in indicator_table({**values, **{
        k: doc["regions"]["511621"][k]
        for k in ("cross_province_direct_rate", "in_province_direct_rate")}})}
    assert yuechi["in_province_direct_rate"].value is None
    assert yuechi["in_province_direct_rate"].met is None


def test_report_section() -> None:
    doc = offsite_indicators(rows(), REGIONS)
    [(title, body)] = offsite_sections(doc, {"511623": "邻水县"})
    assert title == "异地就医流向与直接结算率"
    assert "邻水县（511623）" in body and "<svg" in body and "合计" in body
    assert body.count("class=\"cell\"") == 5  # one shaded cell per flow
    assert "33.33%" in body and "87.50%" in body and "unmet" in body
    assert "5,350.00" in body  # Linshui → Guang'an medical cost
    [(_, empty)] = offsite_sections(offsite_indicators([], ["511621"]))
    assert "本年没有异地就医结算" in empty and "<svg" not in empty
