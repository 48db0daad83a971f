"""Hypothesis strategies that generate valid settlement policies and request documents.

`policy_texts()` draws a valid policy file (docs/settlement.md §5) as TOML text, with or without
each optional section: benefits per scheme, offsite deltas, serious-illness tiers and tilt, large
expense, civil servant, account and assistance groups. `policies()` parses it into a `Policy`.
`request_docs(policy)` draws a valid request document (§1) with decimal strings: either scheme,
every med type, level, offsite kind (or none), groups, civil servants, accounts, 1–8 fee lines of
all three item levels with optional price caps, selfpay_prop and det_item_fee_sumamt, and year-to-
date accumulators drawn around the policy's caps and thresholds (so often just below, at or
already above them). `settlement_cases()` draws a `(Policy, document)` pair.

Import them as `from tests.settle.strategies import settlement_cases`.
"""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from hypothesis import strategies as st

from yibao.policy.loader import parse_policy
from yibao.policy.model import Policy

LEVELS = ("1", "2", "3")
MED_TYPES = ("11", "14", "21")
OFFSITE_KINDS = ("local", "filed", "referral", "temporary", "unfiled")
#: The assistance order of docs/settlement.md §3 step 7 (also every group name of §1).
GROUPS = ("tekun", "dibao", "fanpin", "jianche", "dibao_edge", "yinbing", "tuopin")
YTD_MONEY = ("hifp_paid", "op_hifp_paid", "op_dedc_used", "si_base", "hifmi_paid",
             "hifob_paid", "cvlserv_paid", "maf_dedc_used", "maf_paid")
POLICY_ID = "999999-2024"


def scaled(units: int, places: int) -> str:
    """The exact decimal string of `units × 10^-places` (`scaled(1234, 2)` is "12.34")."""
    return str(Decimal(units).scaleb(-places))


def cents_half_up(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# ------------------------------------------------------------------------------------------
# Numbers. Strategies are built once, at import: building them inside a composite on every
# draw costs more than the draw itself.
# ------------------------------------------------------------------------------------------


def _pick(common: tuple[str, ...], units: int, places: int) -> st.SearchStrategy[str]:
    """One draw: a common value (the first few integers) or any value of `places` places."""
    return st.integers(-len(common), units).map(
        lambda n: common[n + len(common)] if n < 0 else scaled(n, places))


def amounts(max_yuan: int = 500_000) -> st.SearchStrategy[str]:
    """Money with two places, sometimes a round or very small value."""
    return _pick(("0", "0.01", "100", "250.50", "1000"), 100 * max_yuan, 2)


def ratios() -> st.SearchStrategy[str]:
    """A ratio in [0, 1] with at most four places."""
    return _pick(("0", "0.5", "0.77", "1", "1.00"), 10_000, 4)


def deltas() -> st.SearchStrategy[str]:
    """An offsite ratio delta in [−1, 0]."""
    return _pick(("0", "-0.10", "-0.20", "-1"), 10_000, 4).map(
        lambda text: text if text.startswith("-") or Decimal(text) == 0 else "-" + text)


def counts() -> st.SearchStrategy[str]:
    """A fee line's `cnt`: > 0, ≤ 10,000, at most four places."""
    return st.one_of(st.integers(1, 10).map(str),
                     st.integers(1, 100_000_000).map(lambda units: scaled(units, 4)))


def prices() -> st.SearchStrategy[str]:
    """A price or price cap: ≥ 0, ≤ 10,000,000, at most six places."""
    return st.one_of(
        st.integers(0, 5_000_000).map(lambda fen: scaled(fen, 2)),
        st.integers(0, 10_000_000_000_000).map(lambda units: scaled(units, 6)),
    )


RATIOS, DELTAS, COUNTS, PRICES = ratios(), deltas(), counts(), prices()
DEDUCTIBLES, CAPS, SMALL = amounts(3_000), amounts(400_000), amounts(20_000)
THRESHOLDS, AID_THRESHOLDS, AID_CAPS = amounts(30_000), amounts(5_000), amounts(100_000)
BOOLS = st.booleans()
FACTORS = _pick(("0", "0.5", "1", "1.5"), 20_000, 4)
ITEM_LEVELS = st.sampled_from(("01", "02", "03"))
SERIALS = st.text("0123456789ABCDEF", min_size=1, max_size=12)
GROUP_LISTS = st.lists(st.sampled_from(GROUPS), unique=True, max_size=4)


def around(draw: st.DrawFn, anchor: Decimal) -> str:
    """An accumulator near `anchor` (a cap or threshold): below, at, just past or far past it."""
    fen = int(anchor * 100)
    low, high = draw(st.sampled_from((
        (0, 0), (0, max(fen, 1)), (max(fen - 500, 0), fen + 500), (fen, 3 * fen + 100))))
    return scaled(draw(st.integers(low, high)), 2)


# ------------------------------------------------------------------------------------------
# Policies
# ------------------------------------------------------------------------------------------


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(item) for item in value) + "]"
    assert isinstance(value, dict), value
    return "{ " + ", ".join(f"{json.dumps(k)} = {_value(v)}" for k, v in value.items()) + " }"


def to_toml(sections: dict[str, dict[str, Any]]) -> str:
    """Write `{"resident.inpatient": {"annual_cap": "220000", …}, …}` as TOML text."""
    lines: list[str] = []
    for name, table in sections.items():
        lines.append(f"[{name}]")
        lines.extend(f"{key} = {_value(value)}" for key, value in table.items())
        lines.append("")
    return "\n".join(lines)


def _by_level(draw: st.DrawFn, values: st.SearchStrategy[str]) -> dict[str, str]:
    return {lv: draw(values) for lv in LEVELS}


def _benefit(draw: st.DrawFn, *, employee: bool, inpatient: bool) -> dict[str, Any]:
    table: dict[str, Any] = {
        "deductible": _by_level(draw, DEDUCTIBLES),
        "ratio": _by_level(draw, RATIOS),
        "annual_cap": draw(CAPS),
    }
    if inpatient and draw(BOOLS):
        table["repeat_admission_factor"] = draw(FACTORS)
    if employee and draw(BOOLS):
        table["retired_ratio_add"] = draw(RATIOS)
    return table


def _serious_illness(draw: st.DrawFn) -> dict[str, Any]:
    aboves = draw(st.lists(st.integers(1, 20_000_000), max_size=3, unique=True))
    tiers = [{"above": scaled(fen, 2), "ratio": draw(RATIOS)} for fen in [0, *sorted(aboves)]]
    table: dict[str, Any] = {"threshold": draw(THRESHOLDS), "tiers": tiers,
                             "annual_cap": draw(CAPS)}
    if draw(BOOLS):
        tilt: dict[str, Any] = {"groups": draw(GROUP_LISTS)}
        for key, values in (("threshold_factor", RATIOS), ("ratio_add", RATIOS),
                            ("no_cap", BOOLS)):
            if draw(BOOLS):
                tilt[key] = draw(values)
        table["tilt"] = tilt
    return table


BENEFIT_OF = {"11": "outpatient", "14": "chronic", "21": "inpatient"}
SCHEME_OF = {"310": "employee", "390": "resident"}


def _policy_text(draw: st.DrawFn, only: str | None) -> str:
    sections: dict[str, dict[str, Any]] = {"policy": {
        "id": POLICY_ID, "region": POLICY_ID[:6], "year": int(POLICY_ID[7:]),
        "class_b_selfpay": draw(RATIOS)}}
    if draw(BOOLS):
        sections["offsite"] = {kind: draw(DELTAS) for kind in OFFSITE_KINDS if draw(BOOLS)}
    for scheme in ("resident", "employee"):
        for kind in ("inpatient", "chronic", "outpatient"):
            if only not in (None, f"{scheme}.{kind}"):
                continue
            if draw(st.integers(0, 5)):  # present five times in six
                sections[f"{scheme}.{kind}"] = _benefit(
                    draw, employee=scheme == "employee", inpatient=kind == "inpatient")
    if draw(st.integers(0, 3)):
        sections["resident.serious_illness"] = _serious_illness(draw)
    for fund in ("large_expense", "civil_servant"):
        if draw(st.integers(0, 3)):
            sections[f"employee.{fund}"] = {"ratio": draw(RATIOS), "annual_cap": draw(CAPS)}
    if draw(BOOLS):
        sections["employee.account"] = {"pays_selfpay_items": draw(BOOLS)} if draw(BOOLS) else {}
    for group in draw(GROUP_LISTS):
        sections[f"assistance.groups.{group}"] = {
            "threshold": draw(AID_THRESHOLDS), "ratio": draw(RATIOS),
            "annual_cap": draw(AID_CAPS)}
    return to_toml(sections)


@st.composite
def policy_texts(draw: st.DrawFn, only: str | None = None) -> str:
    """A valid policy file as TOML text; every optional section is sometimes absent.

    With `only` (e.g. "resident.inpatient") the other five benefit sections are left out: a
    settlement reads just one benefit section, and drawing the others costs time for nothing.
    """
    return _policy_text(draw, only)


def policies() -> st.SearchStrategy[Policy]:
    """A random valid `Policy`, built from `policy_texts()` by the real loader."""
    return policy_texts().map(lambda text: parse_policy(text, "<generated>"))


# ------------------------------------------------------------------------------------------
# Requests
# ------------------------------------------------------------------------------------------


def _fee_lines(draw: st.DrawFn, min_size: int, max_size: int) -> list[dict[str, Any]]:
    sns = draw(st.lists(SERIALS, min_size=min_size, max_size=max_size, unique=True))
    lines = []
    for sn in sns:
        cnt, pric = draw(COUNTS), draw(PRICES)
        line: dict[str, Any] = {"feedetl_sn": sn, "hilist_code": f"H{sn}",
                                "chrg_itm_lv": draw(ITEM_LEVELS), "cnt": cnt, "pric": pric}
        if draw(BOOLS):
            line["pric_uplmt_amt"] = pric if draw(BOOLS) else draw(PRICES)
        if draw(BOOLS):
            line["selfpay_prop"] = draw(RATIOS)
        if draw(st.integers(0, 3)) == 0:
            line["det_item_fee_sumamt"] = str(cents_half_up(Decimal(cnt) * Decimal(pric)))
        lines.append(line)
    return lines


@st.composite
def fee_lines(draw: st.DrawFn, min_size: int = 1, max_size: int = 8) -> list[dict[str, Any]]:
    """1–8 fee lines of all three item levels, unique feedetl_sn, optional cap and prop."""
    return _fee_lines(draw, min_size, max_size)


def _anchors(policy: Policy | None) -> dict[str, Decimal]:
    """Per accumulator, the largest cap or threshold the policy sets for it."""
    found: dict[str, list[Decimal]] = {key: [Decimal(5000)] for key in YTD_MONEY}
    if policy is not None:
        for scheme in (policy.resident, policy.employee):
            for benefit in (scheme.inpatient, scheme.chronic):
                if benefit is not None:
                    found["hifp_paid"].append(benefit.annual_cap)
            if scheme.outpatient is not None:
                found["op_hifp_paid"].append(scheme.outpatient.annual_cap)
            for benefit in (scheme.chronic, scheme.outpatient):
                if benefit is not None:
                    found["op_dedc_used"].append(max(benefit.deductible.lv1,
                                                     benefit.deductible.lv2,
                                                     benefit.deductible.lv3))
        si = policy.serious_illness
        if si is not None:
            found["si_base"].append(si.threshold + si.tiers[-1].above)
            found["hifmi_paid"].append(si.annual_cap)
        for fund, key in ((policy.large_expense, "hifob_paid"),
                          (policy.civil_servant, "cvlserv_paid")):
            if fund is not None:
                found[key].append(fund.annual_cap)
        for _, aid in policy.assistance:
            found["maf_dedc_used"].append(aid.threshold)
            found["maf_paid"].append(aid.annual_cap)
    return {key: max(values) for key, values in found.items()}


def _ytd(draw: st.DrawFn, policy: Policy | None) -> dict[str, Any]:
    anchors = _anchors(policy)
    doc: dict[str, Any] = {}
    if draw(st.integers(0, 4)):
        doc["admissions"] = draw(st.integers(0, 6))
    for key in YTD_MONEY:
        if draw(st.integers(0, 4)):
            doc[key] = around(draw, anchors[key])
    return doc


@st.composite
def ytd_docs(draw: st.DrawFn, policy: Policy | None = None) -> dict[str, Any]:
    """Year-to-date accumulators around the policy's caps; any of them may be left out."""
    return _ytd(draw, policy)


def _request(draw: st.DrawFn, policy: Policy | None, insutype: str | None = None,
             med_type: str | None = None) -> dict[str, Any]:
    insutype = insutype or draw(st.sampled_from(("310", "390")))
    psn_type = "resident" if insutype == "390" else draw(st.sampled_from(("in_service",
                                                                           "retired")))
    person: dict[str, Any] = {"psn_no": draw(SERIALS), "insutype": insutype,
                              "psn_type": psn_type, "civil_servant": draw(BOOLS)}
    if draw(st.integers(0, 3)):
        person["groups"] = draw(GROUP_LISTS)
    visit: dict[str, Any] = {
        "mdtrt_id": draw(SERIALS),
        "med_type": med_type or draw(st.sampled_from(MED_TYPES)),
        "hosp_lv": draw(st.sampled_from(LEVELS)),
        "begndate": "2024-03-01", "enddate": "2024-03-09",
    }
    if draw(st.integers(0, 4)):
        visit["offsite"] = draw(st.sampled_from(OFFSITE_KINDS))
    doc: dict[str, Any] = {
        "policy": policy.id if policy is not None else POLICY_ID,
        "person": person, "visit": visit, "fees": _fee_lines(draw, 1, 8),
        "use_acct": draw(BOOLS),
    }
    if draw(st.integers(0, 5)):
        doc["ytd"] = _ytd(draw, policy)
    if draw(st.integers(0, 3)):
        doc["acct_balc"] = draw(SMALL)
    return doc


@st.composite
def request_docs(draw: st.DrawFn, policy: Policy | None = None) -> dict[str, Any]:
    """A valid request document (docs/settlement.md §1), money as decimal strings."""
    return _request(draw, policy)


@st.composite
def settlement_cases(draw: st.DrawFn) -> tuple[Policy, dict[str, Any]]:
    """A random valid policy and a request document drawn around its caps.

    The request's scheme and med type are drawn first, so that only the benefit section the
    visit reads is generated (the others cannot change the result).
    """
    insutype = draw(st.sampled_from(("310", "390")))
    med_type = draw(st.sampled_from(MED_TYPES))
    text = _policy_text(draw, f"{SCHEME_OF[insutype]}.{BENEFIT_OF[med_type]}")
    policy = parse_policy(text, "<generated>")
    return policy, _request(draw, policy, insutype, med_type)
