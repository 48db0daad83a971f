"""The filing rules (`yibao.offsite.rules`): each type's validity, the long-term minimum before
a revocation, the 补办备案 window (emergency only), materials when not by promise, overlaps,
revoking twice; and how a visit's `offsite` value is derived from the filings."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from yibao.offsite.model import Filing, FilingType
from yibao.offsite.rules import (
    Derived,
    FilingRefusal,
    NewFiling,
    Refusal,
    check_filing,
    check_revocation,
    derive_offsite,
)
from yibao.policy.filing import FilingRules

LINSHUI, GUANGAN_DISTRICT, CHENGDU_JINJIANG = "511623", "511602", "510104"
RULES = FilingRules(temporary_days=90, long_term_min_days=180, retro_days=30)
TODAY = date(2024, 5, 10)
LONG = (FilingType.RESETTLED_RETIREE, FilingType.LONG_TERM_RESIDENT, FilingType.RESIDENT_WORKER)
TEMPORARY = (FilingType.REFERRAL, FilingType.EMERGENCY, FilingType.OTHER_TEMPORARY)


def _filing(kind: FilingType, area: str, start: date, end: date | None, *,
            revoked_on: date | None = None, insured: str = LINSHUI, n: int = 1) -> Filing:
    return Filing(f"F{n:020d}", "ID", insured, kind, area, start, end, start,
                  revoked_on=revoked_on)


@pytest.mark.parametrize("kind", LONG)
def test_a_long_term_filing_holds_until_revoked(kind: FilingType) -> None:
    assert check_filing(NewFiling(kind, "510100", TODAY), LINSHUI, [], TODAY, RULES) is None


@pytest.mark.parametrize("kind", TEMPORARY)
def test_a_temporary_filing_holds_the_policy_days_from_its_start(kind: FilingType) -> None:
    # 90 days counting the start day: 10 May + 89 days = 7 August.
    end = check_filing(NewFiling(kind, "510100", TODAY), LINSHUI, [], TODAY, RULES)
    assert end == date(2024, 8, 7)
    later = check_filing(NewFiling(kind, "500000", date(2024, 6, 1)), LINSHUI, [], TODAY, RULES)
    assert later == date(2024, 6, 1) + timedelta(days=89)  # 29 August


def test_the_insured_region_or_a_part_of_it_is_no_care_area() -> None:
    refused = check_filing(NewFiling(FilingType.REFERRAL, LINSHUI, TODAY), LINSHUI, [], TODAY,
                           RULES)
    assert isinstance(refused, Refusal) and refused.reason is FilingRefusal.LOCAL_AREA
    # A city-level insured region: its counties are local.
    inside = check_filing(NewFiling(FilingType.REFERRAL, GUANGAN_DISTRICT, TODAY), "511600", [],
                          TODAY, RULES)
    assert isinstance(inside, Refusal) and inside.reason is FilingRefusal.LOCAL_AREA


def test_a_wider_area_than_the_insured_region_is_accepted() -> None:
    # Each county of Guang'an is its own coordinating region: a Linshui person may file for the
    # whole city (511600) or province (510000); care in Linshui itself stays local.
    for area in ("511600", "510000"):
        end = check_filing(NewFiling(FilingType.LONG_TERM_RESIDENT, area, TODAY), LINSHUI, [],
                           TODAY, RULES)
        assert end is None, area
        filing = _filing(FilingType.LONG_TERM_RESIDENT, area, TODAY, None)
        assert derive_offsite([filing], LINSHUI, GUANGAN_DISTRICT, TODAY).offsite == "filed"
        assert derive_offsite([filing], LINSHUI, LINSHUI, TODAY).offsite == "local"


@pytest.mark.parametrize("kind", [*LONG, FilingType.REFERRAL, FilingType.OTHER_TEMPORARY])
def test_only_an_emergency_may_start_before_today(kind: FilingType) -> None:
    refused = check_filing(NewFiling(kind, "510100", TODAY - timedelta(days=1)), LINSHUI, [],
                           TODAY, RULES)
    assert isinstance(refused, Refusal) and refused.reason is FilingRefusal.RETRO_NOT_ALLOWED


def test_an_emergency_is_filed_afterwards_within_the_window() -> None:
    # 30 days after care: 10 April → 10 May is the last day; 9 April is one day late.
    on_time = NewFiling(FilingType.EMERGENCY, "510100", date(2024, 4, 10))
    assert check_filing(on_time, LINSHUI, [], TODAY, RULES) == date(2024, 7, 8)
    late = NewFiling(FilingType.EMERGENCY, "510100", date(2024, 4, 9))
    refused = check_filing(late, LINSHUI, [], TODAY, RULES)
    assert isinstance(refused, Refusal) and refused.reason is FilingRefusal.RETRO_TOO_LATE
    assert "30 天" in refused.message


def test_materials_are_needed_only_without_the_promise() -> None:
    paper = NewFiling(FilingType.RESIDENT_WORKER, "510100", TODAY, promise=False)
    refused = check_filing(paper, LINSHUI, [], TODAY, RULES)
    assert isinstance(refused, Refusal) and refused.reason is FilingRefusal.MATERIALS_REQUIRED
    with_papers = NewFiling(FilingType.RESIDENT_WORKER, "510100", TODAY, promise=False,
                            materials="劳动合同复印件")
    assert check_filing(with_papers, LINSHUI, [], TODAY, RULES) is None


def test_filings_of_one_category_do_not_overlap() -> None:
    held = _filing(FilingType.LONG_TERM_RESIDENT, "510100", date(2024, 1, 1), None)
    again = NewFiling(FilingType.RESETTLED_RETIREE, "500000", TODAY)
    refused = check_filing(again, LINSHUI, [held], TODAY, RULES)
    assert isinstance(refused, Refusal) and refused.reason is FilingRefusal.OVERLAP
    assert held.filing_id in refused.message
    # Another category may overlap: a referral while living elsewhere.
    trip = NewFiling(FilingType.REFERRAL, "500000", TODAY)
    assert check_filing(trip, LINSHUI, [held], TODAY, RULES) == date(2024, 8, 7)
    # A temporary filing that ended, or was revoked, leaves room for the next one.
    ended = _filing(FilingType.REFERRAL, "500000", date(2024, 1, 1), date(2024, 3, 30))
    revoked = _filing(FilingType.OTHER_TEMPORARY, "500000", date(2024, 4, 1), date(2024, 6, 29),
                      revoked_on=TODAY, n=2)
    assert check_filing(trip, LINSHUI, [ended, revoked], TODAY, RULES) == date(2024, 8, 7)
    still = _filing(FilingType.OTHER_TEMPORARY, "500000", date(2024, 4, 1), date(2024, 6, 29),
                    n=3)
    refused = check_filing(trip, LINSHUI, [still], TODAY, RULES)
    assert isinstance(refused, Refusal) and refused.reason is FilingRefusal.OVERLAP


def test_refusals_come_in_precedence_order() -> None:
    # Local area before the retro rule before the materials.
    everything = NewFiling(FilingType.REFERRAL, LINSHUI, TODAY - timedelta(days=3),
                           promise=False)
    refused = check_filing(everything, LINSHUI, [], TODAY, RULES)
    assert isinstance(refused, Refusal) and refused.reason is FilingRefusal.LOCAL_AREA
    retro_paper = NewFiling(FilingType.REFERRAL, "510100", TODAY - timedelta(days=3),
                            promise=False)
    refused = check_filing(retro_paper, LINSHUI, [], TODAY, RULES)
    assert isinstance(refused, Refusal) and refused.reason is FilingRefusal.RETRO_NOT_ALLOWED
    assert list(FilingRefusal).index(FilingRefusal.LOCAL_AREA) < \
        list(FilingRefusal).index(FilingRefusal.OVERLAP)


def test_a_long_term_filing_is_not_revoked_before_the_minimum() -> None:
    # Began 1 January; 180 days later is 29 June (2024 is a leap year: Jan 31 + Feb 29 + Mar 31
    # + Apr 30 + May 31 = 152, + 28 = 180 → 29 June).
    held = _filing(FilingType.LONG_TERM_RESIDENT, "510100", date(2024, 1, 1), None)
    refused = check_revocation(held, date(2024, 6, 28), RULES)
    assert isinstance(refused, Refusal) and refused.reason is FilingRefusal.TOO_SOON
    assert "2024-06-29" in refused.message
    assert check_revocation(held, date(2024, 6, 29), RULES) is None
    # Not begun yet: may be withdrawn at once; a temporary filing any time.
    assert check_revocation(_filing(FilingType.RESIDENT_WORKER, "510100", date(2024, 9, 1),
                                    None), TODAY, RULES) is None
    assert check_revocation(_filing(FilingType.REFERRAL, "510100", TODAY, date(2024, 8, 7)),
                            TODAY, RULES) is None


def test_a_filing_is_revoked_once() -> None:
    gone = _filing(FilingType.REFERRAL, "510100", TODAY, date(2024, 8, 7), revoked_on=TODAY)
    refused = check_revocation(gone, TODAY + timedelta(days=1), RULES)
    assert isinstance(refused, Refusal) and refused.reason is FilingRefusal.ALREADY_REVOKED


# ---------- derive_offsite ----------

def test_care_in_the_insured_region_is_local() -> None:
    held = _filing(FilingType.REFERRAL, "510100", TODAY, date(2024, 8, 7))
    assert derive_offsite([held], LINSHUI, LINSHUI, TODAY) == Derived("local")


@pytest.mark.parametrize(("kind", "offsite"), [
    (FilingType.RESETTLED_RETIREE, "filed"), (FilingType.LONG_TERM_RESIDENT, "filed"),
    (FilingType.RESIDENT_WORKER, "filed"), (FilingType.REFERRAL, "referral"),
    (FilingType.EMERGENCY, "referral"), (FilingType.OTHER_TEMPORARY, "temporary")])
def test_each_type_settles_with_its_offsite_value(kind: FilingType, offsite: str) -> None:
    held = _filing(kind, "510100", date(2024, 5, 1), date(2024, 12, 31))
    assert derive_offsite([held], LINSHUI, CHENGDU_JINJIANG, TODAY) == \
        Derived(offsite, held.filing_id)


@pytest.mark.parametrize(("area", "care", "held"), [
    ("510000", CHENGDU_JINJIANG, True), ("510000", "500101", False),
    ("510100", CHENGDU_JINJIANG, True), ("510100", "510700", False),
    ("510104", CHENGDU_JINJIANG, True), ("510105", CHENGDU_JINJIANG, False)],
    ids=["province", "other-province", "city", "other-city", "county", "other-county"])
def test_the_care_area_contains_the_care_region_at_its_level(area: str, care: str,
                                                             held: bool) -> None:
    filing = _filing(FilingType.OTHER_TEMPORARY, area, TODAY, date(2024, 8, 7))
    found = derive_offsite([filing], LINSHUI, care, TODAY)
    assert found == (Derived("temporary", filing.filing_id) if held else Derived("unfiled"))


def test_revoked_expired_and_future_filings_do_not_hold() -> None:
    revoked = _filing(FilingType.LONG_TERM_RESIDENT, "510100", date(2024, 1, 1), None,
                      revoked_on=TODAY)
    expired = _filing(FilingType.REFERRAL, "510100", date(2024, 1, 1), date(2024, 5, 9), n=2)
    future = _filing(FilingType.OTHER_TEMPORARY, "510100", date(2024, 5, 11),
                     date(2024, 8, 8), n=3)
    assert derive_offsite([revoked, expired, future], LINSHUI, CHENGDU_JINJIANG, TODAY) == \
        Derived("unfiled")
    # The day before the revocation it still held; the last day of a temporary one too.
    assert derive_offsite([revoked], LINSHUI, CHENGDU_JINJIANG, TODAY - timedelta(days=1)) == \
        Derived("filed", revoked.filing_id)
    assert derive_offsite([expired], LINSHUI, CHENGDU_JINJIANG, date(2024, 5, 9)) == \
        Derived("referral", expired.filing_id)


def test_a_filing_of_another_insured_region_does_not_hold() -> None:
    other = _filing(FilingType.LONG_TERM_RESIDENT, "510100", TODAY, None, insured="511602")
    assert derive_offsite([other], LINSHUI, CHENGDU_JINJIANG, TODAY) == Derived("unfiled")


def test_an_emergency_without_a_filing_is_settled_as_referral_with_the_filing_due() -> None:
    assert derive_offsite([], LINSHUI, CHENGDU_JINJIANG, TODAY, emergency=True) == \
        Derived("referral", None, retro_due=True)
    assert derive_offsite([], LINSHUI, CHENGDU_JINJIANG, TODAY) == Derived("unfiled")


def test_the_long_term_filing_and_the_narrower_area_win() -> None:
    trip = _filing(FilingType.REFERRAL, "510104", TODAY, date(2024, 8, 7), n=1)
    home = _filing(FilingType.RESETTLED_RETIREE, "510000", TODAY, None, n=2)
    assert derive_offsite([trip, home], LINSHUI, CHENGDU_JINJIANG, TODAY) == \
        Derived("filed", home.filing_id)
    wide = _filing(FilingType.OTHER_TEMPORARY, "510000", TODAY, date(2024, 8, 7), n=3)
    narrow = _filing(FilingType.OTHER_TEMPORARY, "510104", TODAY, date(2024, 8, 7), n=4)
    assert derive_offsite([wide, narrow], LINSHUI, CHENGDU_JINJIANG, TODAY) == \
        Derived("temporary", narrow.filing_id)
