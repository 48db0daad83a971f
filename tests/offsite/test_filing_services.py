"""The filing services (`yibao.services.offsite`) on SQLite and PostgreSQL: who may file,
the covering enrollment, the policy's rules, the write log, revocation, scope — and concurrent
filings of one person from separate processes, of which exactly one is written."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from tests.forked import TIMEOUT_S, at_once
from tests.services.population import CITY, LAPSED, LATE, RESIDENT, WORKER, populate
from tests.store.fixtures import StoreFactory
from yibao.offsite.model import FilingType
from yibao.offsite.rules import FilingRefusal, NewFiling
from yibao.services.accounts import Principal, write_log
from yibao.services.offsite import (
    Filed,
    FilingProblem,
    FilingRefused,
    file_offsite,
    filing_rules,
    filings_of,
    parse_new_filing,
    revoke_offsite,
)
from yibao.store import Store

TODAY = date(2024, 5, 10)
HANDLER = Principal("h1", "handler", "511623")
CITY_HANDLER = Principal("h2", "handler", "511600")
OTHER_HANDLER = Principal("h3", "handler", "511602")
AUDITOR = Principal("a1", "auditor", "511623")


def _file(store: Store, psn_no: str, kind: FilingType = FilingType.LONG_TERM_RESIDENT,
          area: str = "510100", start: date = TODAY, **kw: Any) -> Filed | FilingRefused:
    new = NewFiling(kind, area, start, kw.pop("promise", True), kw.pop("materials", ""))
    return file_offsite(psn_no, new, actor=kw.pop("actor", "test"), channel="cli",
                        today=kw.pop("today", TODAY), store=store, **kw)


def test_filing_is_written_with_its_end_and_logged(populated: Store) -> None:
    filed = _file(populated, RESIDENT, FilingType.REFERRAL, "500000")
    assert isinstance(filed, Filed), filed
    # 511623's policy has no [filing] section: the default 180 days, 10 May + 179 = 5 November.
    assert filing_rules("511623", 2024).temporary_days == 180
    assert filed.filing.end == date(2024, 11, 5)
    assert filed.filing.insured_region == "511623" and filed.status == "active"
    assert filed.filing.filing_id.startswith("F") and len(filed.filing.filing_id) == 21
    listed = filings_of(RESIDENT, today=TODAY, store=populated)
    assert isinstance(listed, list) and [f.filing for f in listed] == [filed.filing]
    assert listed[0].channel == "cli"
    _, entries = write_log(10, prefix="511623", store=populated)
    entry = next(e for e in entries if e.action == "offsite.file")
    assert entry.target == filed.filing.filing_id and entry.actor == "test"
    assert json.loads(entry.detail)["care_area"] == "500000"


def test_the_person_must_be_insured_on_the_start_date(populated: Store) -> None:
    unknown = _file(populated, "110101199001011234")
    assert isinstance(unknown, FilingRefused) and unknown.reason == FilingProblem.NOT_FOUND
    lapsed = _file(populated, LAPSED)
    assert isinstance(lapsed, FilingRefused) and lapsed.reason == FilingProblem.NOT_INSURED
    assert "2024 年度无有效参保" in lapsed.message
    waiting = _file(populated, LATE, start=date(2025, 4, 1), today=date(2025, 3, 20))
    assert isinstance(waiting, FilingRefused) and waiting.reason == FilingProblem.NOT_INSURED
    assert "待遇等待期" in waiting.message
    assert filings_of(LAPSED, store=populated) == []


def test_the_care_area_is_a_known_region_code(populated: Store) -> None:
    for area in ("990000", "51010", "５１０１００", "510100\n"):
        refused = _file(populated, RESIDENT, area=area)
        assert isinstance(refused, FilingRefused) and refused.reason == FilingProblem.INVALID, \
            area
        assert "就医地" in refused.message
    local = _file(populated, RESIDENT, area="511623")
    assert isinstance(local, FilingRefused) and local.reason == FilingRefusal.LOCAL_AREA


def test_parse_new_filing_names_the_field(populated: Store) -> None:
    assert isinstance(parse_new_filing("异地转诊人员", "510100", "2024-05-10"), NewFiling)
    for args, word in ((("x", "510100", "2024-05-10"), "备案类型"),
                       (("referral", "51", "2024-05-10"), "就医地"),
                       (("referral", "510100", "2024-5-10"), "开始日期"),
                       (("referral", "510100", "2024-02-30"), "开始日期"),
                       (("referral", "510100", "20240510xx"), "开始日期")):
        refused = parse_new_filing(*args)
        assert isinstance(refused, FilingRefused) and word in refused.message, args


def test_overlapping_filings_and_revocation(populated: Store) -> None:
    first = _file(populated, WORKER, FilingType.RESIDENT_WORKER, "510100",
                  promise=False, materials="劳动合同")
    assert isinstance(first, Filed), first
    again = _file(populated, WORKER, FilingType.LONG_TERM_RESIDENT, "500000")
    assert isinstance(again, FilingRefused) and again.reason == FilingRefusal.OVERLAP
    soon = revoke_offsite(first.filing.filing_id, actor="test", today=date(2024, 6, 1),
                          store=populated)
    assert isinstance(soon, FilingRefused) and soon.reason == FilingRefusal.TOO_SOON
    # 180 days after 10 May 2024 is 6 November 2024.
    done = revoke_offsite(first.filing.filing_id, actor="test", today=date(2024, 11, 6),
                          store=populated)
    assert isinstance(done, Filed) and done.filing.revoked_on == date(2024, 11, 6)
    assert done.status == "revoked"
    twice = revoke_offsite(first.filing.filing_id, actor="test", today=date(2024, 11, 7),
                           store=populated)
    assert isinstance(twice, FilingRefused) and twice.reason == FilingRefusal.ALREADY_REVOKED
    after = _file(populated, WORKER, FilingType.LONG_TERM_RESIDENT, "500000",
                  start=date(2024, 11, 6), today=date(2024, 11, 6))
    assert isinstance(after, Filed), after
    missing = revoke_offsite("F0000", actor="test", store=populated)
    assert isinstance(missing, FilingRefused) and missing.reason == FilingProblem.NOT_FOUND


def test_emergency_filed_afterwards(populated: Store) -> None:
    late = _file(populated, RESIDENT, FilingType.EMERGENCY, start=date(2024, 4, 1))
    assert isinstance(late, FilingRefused) and late.reason == FilingRefusal.RETRO_TOO_LATE
    retro = _file(populated, RESIDENT, FilingType.EMERGENCY, start=date(2024, 4, 20))
    assert isinstance(retro, Filed) and retro.filing.retro
    assert retro.filing.filed_on == TODAY


def test_users_act_in_their_scope_with_their_role(populated: Store) -> None:
    assert isinstance(_file(populated, RESIDENT, who=AUDITOR), FilingRefused)
    hidden = _file(populated, RESIDENT, who=OTHER_HANDLER)
    assert isinstance(hidden, FilingRefused) and hidden.reason == FilingProblem.NOT_FOUND
    filed = _file(populated, RESIDENT, FilingType.REFERRAL, who=CITY_HANDLER)
    assert isinstance(filed, Filed), filed
    assert isinstance(filings_of(RESIDENT, who=AUDITOR, store=populated), list)
    other = filings_of(RESIDENT, who=OTHER_HANDLER, store=populated)
    assert isinstance(other, FilingRefused) and other.reason == FilingProblem.NOT_FOUND
    revoked = revoke_offsite(filed.filing.filing_id, actor="x", who=OTHER_HANDLER,
                             today=TODAY, store=populated)
    assert isinstance(revoked, FilingRefused) and revoked.reason == FilingProblem.NOT_FOUND
    mine = _file(populated, CITY, FilingType.REFERRAL, who=OTHER_HANDLER)
    assert isinstance(mine, Filed) and mine.filing.insured_region == "511602"
    listed = filings_of(CITY, who=HANDLER, store=populated)
    assert isinstance(listed, FilingRefused)


# ---------- concurrency ----------

N = 8


def _worker(url: str, area: str, barrier: Any, results: Any) -> None:
    store = Store(url)
    try:
        barrier.wait(TIMEOUT_S)
        outcome = _file(store, RESIDENT, FilingType.LONG_TERM_RESIDENT, area)
        results.put((area, outcome.filing.filing_id if isinstance(outcome, Filed)
                     else outcome.reason))
    except BaseException as err:  # report, so the parent fails with the reason
        results.put((area, repr(err)))
    finally:
        store.dispose()


def test_concurrent_filings_of_one_person_write_exactly_one(make_store: StoreFactory) -> None:
    store = make_store(populate, "population")
    areas = ["510100", "500000", "530000", "520000", "440000", "310000", "110000", "330000"]
    outcomes = at_once(store, _worker, areas)
    written = [v for v in outcomes.values() if str(v).startswith("F")]
    assert len(written) == 1, outcomes
    assert sorted(v for v in outcomes.values() if v not in written) == \
        [FilingRefusal.OVERLAP] * (N - 1), outcomes
    listed = filings_of(RESIDENT, store=store)
    assert isinstance(listed, list) and [f.filing.filing_id for f in listed] == written


def test_filing_rules_come_from_the_insured_regions_policy(monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    from yibao.policy.loader import shipped_ids
    from yibao.services import offsite

    asked: list[str] = []
    real = offsite.load_policy

    def recording(ref: str) -> Any:
        asked.append(ref)
        return real(ref)

    monkeypatch.setattr(offsite, "load_policy", recording)
    newest = max(i for i in shipped_ids() if i.startswith("511623-"))
    assert filing_rules("511623", 2022) == filing_rules("511623", 2019)
    assert asked == ["511623-2022", newest]  # that year, else the newest shipped
    assert filing_rules("429000", 2024).temporary_days == 180  # no policy: the defaults
    assert asked == ["511623-2022", newest]
